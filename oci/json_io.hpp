#pragma once
// Bounded reads and atomic writes of JSON documents. Errors are
// agenthook::HookError naming the step, the file and the reason.
#include <iosfwd>
#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "json.hpp"

namespace oci {

// config.json and state documents larger than this are refused.
inline constexpr std::size_t kMaxDocumentBytes = std::size_t{64} << 20;

// Reads the descriptor `fd` (named `name` in errors) to end of file;
// refuses more than `limit` bytes, and gives up after `deadline`: a pipe
// whose writer never closes it (a hung runtime, a test harness) ends with
// an error, not a hang.
std::string read_fd_bounded(int fd, const std::string& name, std::size_t limit,
                            std::chrono::milliseconds deadline);
// Reads the regular file `path` (a symlink is followed; what counts is the
// file opened). A FIFO or device is refused without blocking on it. When
// `opened` is given it receives the fstat of the file read, for checks of
// owner and mode that cannot race with a rename.
std::string read_file_bounded(const std::string& path, std::size_t limit = kMaxDocumentBytes,
                              struct stat* opened = nullptr);

// Parses `text` with parse_json (json_parse.hpp: depth, duplicate keys, NUL,
// number overflow); an error names `name`, the byte offset and the reason.
// The result must be a JSON object (every OCI document is one).
Json parse_object(const std::string& text, const std::string& name);

// The one serialization the hook writes, so a rewrite of a rewrite is
// byte-identical: indented by 2, as people read config.json, unless the
// indentation would add more than kMaxIndentationBytes; then compact, which
// every runtime reads the same. Indentation grows with depth times the
// number of values: a 731 KiB spec nested 120 deep pretty-printed to
// 31.8 MB, and at the 64 MiB input cap it would be gigabytes. A real spec
// (under 100 KiB, plus at most 256 KiB of Kubernetes annotations) gains
// far less than the bound.
inline constexpr std::size_t kMaxIndentationBytes = std::size_t{16} << 20;
std::string dump(const Json& doc);
// dump(doc), written straight to `out`: no copy of the whole text in memory
// (precreate's output, megabytes at 10,000 mounts).
void dump_to(std::ostream& out, const Json& doc);
// What indenting by 2 adds to the compact form of `v` (at `depth` levels
// in): each element of a non-empty array or object on its own line, a
// newline and 2 spaces a level, the closing bracket too, a space after each
// ':'. Stops counting once past `budget`.
std::size_t indentation_bytes(const Json& v, std::size_t budget, std::size_t depth = 0);

// Whether a replacement must survive a crash of the machine. Either way
// a reader sees the old file or the new one, whole (the rename is atomic).
enum class Durability {
    // fsync of the file before the rename and of the directory after: after
    // a power loss `path` is old or new, whole. For what is read after a
    // reboot: a spec a runtime has yet to read, a policy, an engine's config.
    Durable,
    // No fsync: for a file whose content is dead after a crash anyway, such
    // as hook mode's record in a live container's config.json (the runtime
    // read the spec before the hook ran, and the container dies with the
    // machine) or a record of a running container. After a power loss it
    // may be old, new, or (on a filesystem that orders metadata before data)
    // empty. Under load the two fsyncs were most of the hook's wall time
    // (issue 11: 0.8 ms traced, and they serialize on the journal).
    UntilReboot,
};

// Replaces `path` atomically: a temporary file in the same directory, the
// original's mode and owner, (Durable: fsync,) rename, (Durable: fsync of
// the directory). On any failure the original is untouched, the temporary
// file is removed, and the error names `path`. A kill (SIGKILL) leaves
// `path` old or new, whole; so does a power loss when Durable. The
// temporary file is unnamed (O_TMPFILE) until it is complete; a kill in the
// moment between naming it ("." + name + ".oci-agent-hook.*") and the
// rename leaves that name beside the untouched original, and the next write
// of `path` removes it (see remove_stale_temp_files).
void write_file_atomic(const std::string& path, const std::string& content,
                       Durability durability = Durability::Durable);
// The same, but a missing `path` is created (mode `create_mode`, owned by
// the caller) instead of being an error.
void write_or_create_file_atomic(const std::string& path, const std::string& content, unsigned create_mode,
                                 Durability durability = Durability::Durable);

}  // namespace oci
