#include "json_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <memory>
#include <ostream>

#include "../hook/error.hpp"
#include "../hook/fd.hpp"
#include "json_parse.hpp"

using agenthook::Fd;
using agenthook::HookError;
using agenthook::sys_error;

namespace oci {

namespace {

HookError too_large(const std::string& name, std::size_t limit) {
    return HookError("read", name, "larger than the " + std::to_string(limit >> 20) + " MiB limit");
}

}  // namespace

std::string read_fd_bounded(int fd, const std::string& name, std::size_t limit,
                            std::chrono::milliseconds deadline) {
    std::string text;
    int err = agenthook::read_fully_within(fd, text, limit, deadline);
    if (err == ETIMEDOUT)
        throw HookError("read", name, "no end of input within " + std::to_string(deadline.count()) + " ms", err,
                        "the writer never closed it");
    if (err == EFBIG) throw too_large(name, limit);
    if (err != 0) throw sys_error("read", name, err);
    return text;
}

std::string read_file_bounded(const std::string& path, std::size_t limit, struct stat* opened) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
    // writer; it changes nothing for the regular file that is read.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) throw sys_error("open", path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw sys_error("stat", path, errno);
    if (!S_ISREG(st.st_mode)) throw HookError("open", path, "not a regular file");
    if (opened) *opened = st;
    if (static_cast<std::size_t>(st.st_size) > limit) throw too_large(path, limit);
    std::string text;
    text.reserve(static_cast<std::size_t>(st.st_size));
    if (int err = agenthook::read_fully(fd.get(), text, limit))
        throw err == EFBIG ? too_large(path, limit) : sys_error("read", path, err);
    return text;
}

Json parse_object(const std::string& text, const std::string& name) {
    Json doc = parse_json(text, name);
    if (!doc.is_object())
        throw HookError("parse JSON", name, std::string("expected a JSON object, got ") + doc.type_name());
    return doc;
}

std::size_t indentation_bytes(const Json& v, std::size_t budget, std::size_t depth) {
    if (!v.is_structured() || v.empty()) return 0;
    std::size_t per_element = 1 + 2 * (depth + 1) + (v.is_object() ? 1 : 0);
    std::size_t total = 1 + 2 * depth;
    for (const Json& e : v) {
        total += per_element + indentation_bytes(e, budget, depth + 1);
        if (total > budget) return total;
    }
    return total;
}

namespace {
// 2: indented by 2; -1: compact (nlohmann's dump() argument).
int indent_for(const Json& doc) {
    return indentation_bytes(doc, kMaxIndentationBytes) <= kMaxIndentationBytes ? 2 : -1;
}
}  // namespace

std::string dump(const Json& doc) { return doc.dump(indent_for(doc)) + "\n"; }

void dump_to(std::ostream& out, const Json& doc) {
    const int indent = indent_for(doc);
    out << std::setw(indent < 0 ? 0 : indent) << doc << '\n';
}

namespace {

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string base_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Removes a named temporary file unless the rename consumed it.
struct TempName {
    int dir_fd;
    std::string name;
    ~TempName() {
        if (!name.empty()) ::unlinkat(dir_fd, name.c_str(), 0);
    }
};

// Every temporary file of `path` is named "." + its name + this + a suffix.
constexpr const char* kTempTag = ".oci-agent-hook.";

// Removes temporary files of earlier writers of the same file that were
// killed before their rename. A writer holds an flock on its temporary file
// from before the file has a name until after the rename, so a named one
// whose lock can be taken has no live writer. (On a filesystem without
// O_TMPFILE the name comes first, a moment before the lock: a concurrent
// writer of the same file caught in that moment fails its rename, and its
// original stays whole.) Best effort: one that stays is only a hidden file.
void remove_stale_temp_files(int dir_fd, const std::string& prefix) {
    int dup = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup), ::closedir);
    if (!dir) {
        ::close(dup);
        return;
    }
    while (const struct dirent* e = ::readdir(dir.get())) {
        if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) != 0) continue;
        Fd fd(::openat(dir_fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
        struct stat held {}, named {};
        if (!fd.valid() || ::fstat(fd.get(), &held) != 0 || !S_ISREG(held.st_mode)) continue;
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // its writer is alive
        // Unlink only the file whose lock is held, not one renamed over it since.
        if (::fstatat(dir_fd, e->d_name, &named, AT_SYMLINK_NOFOLLOW) == 0 && named.st_dev == held.st_dev &&
            named.st_ino == held.st_ino)
            ::unlinkat(dir_fd, e->d_name, 0);
    }
}

// Gives the unnamed O_TMPFILE `fd` a name in `dir_fd` beginning with
// `prefix`; the name is unique among live writers (their pids differ).
std::string link_temp_file(int fd, int dir_fd, const std::string& prefix, const std::string& path) {
    const std::string proc_fd = "/proc/self/fd/" + std::to_string(fd);
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string name = prefix + std::to_string(::getpid()) + "." + std::to_string(attempt);
        // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH (ENOENT without it); the
        // /proc link works for anyone who has /proc.
        if (::linkat(fd, "", dir_fd, name.c_str(), AT_EMPTY_PATH) == 0) return name;
        if (errno == ENOENT && ::linkat(AT_FDCWD, proc_fd.c_str(), dir_fd, name.c_str(), AT_SYMLINK_FOLLOW) == 0)
            return name;
        if (errno != EEXIST) throw sys_error("link temporary file", path, errno);
    }
    throw sys_error("link temporary file", path, EEXIST);
}

// `original`: the mode and owner to give the new file; nullptr: a new file
// with `create_mode` and the caller's owner. Errors name `path`, the file
// the caller asked for, whichever temporary file failed.
void replace_atomic(const std::string& path, const std::string& content, const struct stat* original,
                    unsigned create_mode, Durability durability) {
    const std::string dir = dir_of(path), base = base_of(path), prefix = "." + base + kTempTag;
    Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd.valid()) throw sys_error("open directory", dir, errno);
    remove_stale_temp_files(dir_fd.get(), prefix);

    // Unnamed until complete: a kill before linkat leaves nothing behind.
    TempName temp{dir_fd.get(), ""};
    Fd fd(::openat(dir_fd.get(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
    const bool unnamed = fd.valid();
    if (!unnamed) {
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            throw sys_error("create temporary file", path, errno);
        std::string templ = dir + "/" + prefix + "XXXXXX";
        fd = Fd(::mkostemp(templ.data(), O_CLOEXEC));
        if (!fd.valid()) throw sys_error("create temporary file", path, errno);
        temp.name = base_of(templ);
    }
    // Held until the rename is done: remove_stale_temp_files's sign of life.
    if (::flock(fd.get(), LOCK_EX) != 0) throw sys_error("lock temporary file", path, errno);

    if (!agenthook::write_fully(fd.get(), content)) throw sys_error("write", path, errno);
    if (::fchmod(fd.get(), original ? original->st_mode & 07777 : create_mode) != 0)
        throw sys_error("chmod", path, errno);
    if (original && ::fchown(fd.get(), original->st_uid, original->st_gid) != 0)
        throw sys_error("chown", path, errno);
    const bool durable = durability == Durability::Durable;
    if (durable && ::fsync(fd.get()) != 0) throw sys_error("fsync", path, errno);
    if (unnamed) temp.name = link_temp_file(fd.get(), dir_fd.get(), prefix, path);
    if (::renameat(dir_fd.get(), temp.name.c_str(), dir_fd.get(), base.c_str()) != 0)
        throw sys_error("rename", path, errno);
    temp.name.clear();

    // The rename is durable only once the directory entry is on disk.
    if (durable) ::fsync(dir_fd.get());
}

// The file to be replaced, which must be a regular file; false when it
// does not exist and `missing_ok`.
bool stat_target(const std::string& path, struct stat& st, bool missing_ok) {
    if (::stat(path.c_str(), &st) != 0) {
        if (missing_ok && errno == ENOENT) return false;
        throw sys_error("stat", path, errno);
    }
    if (!S_ISREG(st.st_mode)) throw HookError("write", path, "not a regular file");
    return true;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& content, Durability durability) {
    struct stat original {};
    stat_target(path, original, false);
    replace_atomic(path, content, &original, 0, durability);
}

void write_or_create_file_atomic(const std::string& path, const std::string& content, unsigned create_mode,
                                 Durability durability) {
    struct stat original {};
    bool exists = stat_target(path, original, true);
    replace_atomic(path, content, exists ? &original : nullptr, create_mode, durability);
}

}  // namespace oci
