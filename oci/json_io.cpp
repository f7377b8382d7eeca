#include "json_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

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

std::string read_bounded(std::istream& in, const std::string& name, std::size_t limit) {
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > limit) throw too_large(name, limit);
    }
    if (in.bad()) throw HookError("read", name, "read error");
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

std::string dump(const Json& doc) {
    return (indentation_bytes(doc, kMaxIndentationBytes) <= kMaxIndentationBytes ? doc.dump(2) : doc.dump()) + "\n";
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

// Removes the temporary file unless the rename consumed it.
struct TempFile {
    std::string path;
    bool armed = true;
    ~TempFile() {
        if (armed) ::unlink(path.c_str());
    }
};

}  // namespace

namespace {

// `original`: the mode and owner to give the new file; nullptr: a new file
// with `create_mode` and the caller's owner.
void replace_atomic(const std::string& path, const std::string& content, const struct stat* original,
                    unsigned create_mode) {
    std::string dir = dir_of(path);
    std::string templ = dir + "/." + base_of(path) + ".oci-agent-hook.XXXXXX";
    Fd fd(::mkostemp(templ.data(), O_CLOEXEC));
    if (!fd.valid()) throw sys_error("create temporary file", templ, errno);
    TempFile temp{templ};

    if (!agenthook::write_fully(fd.get(), content)) throw sys_error("write", templ, errno);
    if (::fchmod(fd.get(), original ? original->st_mode & 07777 : create_mode) != 0) throw sys_error("chmod", templ, errno);
    if (original && ::fchown(fd.get(), original->st_uid, original->st_gid) != 0) throw sys_error("chown", templ, errno);
    if (::fsync(fd.get()) != 0) throw sys_error("fsync", templ, errno);
    fd.reset();
    if (::rename(templ.c_str(), path.c_str()) != 0) throw sys_error("rename", path, errno);
    temp.armed = false;

    // The rename is durable only once the directory entry is on disk.
    Fd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dirfd.valid()) ::fsync(dirfd.get());
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

void write_file_atomic(const std::string& path, const std::string& content) {
    struct stat original {};
    stat_target(path, original, false);
    replace_atomic(path, content, &original, 0);
}

void write_or_create_file_atomic(const std::string& path, const std::string& content, unsigned create_mode) {
    struct stat original {};
    bool exists = stat_target(path, original, true);
    replace_atomic(path, content, exists ? &original : nullptr, create_mode);
}

}  // namespace oci
