#include "safe_path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "../oci/mount.hpp"
#include "error.hpp"

namespace agenthook {

namespace {

constexpr const char* kOpenStep = "open in rootfs";
constexpr const char* kNoLinks = "refused: the hook never follows links inside the rootfs";
constexpr const char* kNoOther = "refused: the hook only acts on directories here";

// openat2 answers EAGAIN when a concurrent rename or mount might have let
// the walk escape; a few retries ride out an unlucky moment, after that
// the component walk takes over.
constexpr int kOpenat2Retries = 16;

const char* type_name(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFREG: return "a regular file";
        case S_IFIFO: return "a fifo";
        case S_IFSOCK: return "a socket";
        case S_IFCHR: return "a character device";
        case S_IFBLK: return "a block device";
        case S_IFLNK: return "a symlink";
        default: return "of an unknown type";
    }
}

// The paths come from the plan, already normalized; this guards the
// invariant the walk relies on (no "..", so no way up out of the root).
std::vector<std::string> split_normalized(const std::string& abs_path) {
    auto bad = [&](const char* why) {
        return HookError(kOpenStep, abs_path, std::string("not a normalized absolute path: ") + why);
    };
    if (abs_path.empty() || abs_path[0] != '/') throw bad("does not start with /");
    if (abs_path.find('\0') != std::string::npos) throw bad("contains a NUL byte");

    std::vector<std::string> parts;
    if (abs_path == "/") return parts;
    size_t start = 1;
    while (true) {
        size_t slash = abs_path.find('/', start);
        std::string part = abs_path.substr(start, slash == std::string::npos ? std::string::npos
                                                                               : slash - start);
        if (part.empty()) throw bad("empty segment");
        if (part == "." || part == "..") throw bad("contains . or ..");
        parts.push_back(std::move(part));
        if (slash == std::string::npos) return parts;
        start = slash + 1;
    }
}

// The fd came from an O_PATH|O_NOFOLLOW open, so a symlink is the link
// itself and any other type was merely looked at, never opened.
void require_dir(int fd, const std::string& path) {
    struct stat st{};
    if (fstat(fd, &st) < 0) throw sys_error(kOpenStep, path, errno);
    if (S_ISDIR(st.st_mode)) return;
    if (S_ISLNK(st.st_mode)) throw HookError(kOpenStep, path, "is a symlink", ELOOP, kNoLinks);
    throw HookError(kOpenStep, path, std::string("is ") + type_name(st.st_mode) +
                                         ", not a directory", ENOTDIR, kNoOther);
}

int open_component(int parentfd, const std::string& name) {
    return openat(parentfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

uint64_t mount_id(int fd, const std::string& path) {
    struct statx stx{};
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
        throw sys_error(kOpenStep, path, errno);
    return stx.stx_mnt_id;
}

}  // namespace

std::optional<Fd> open_dir_openat2(int rootfd, const std::string& abs_path) {
    split_normalized(abs_path);  // only to refuse a path that is not normalized
    // RESOLVE_IN_ROOT would read "/x" as inside the root anyway; relative
    // keeps the meaning obvious.
    std::string rel = abs_path == "/" ? "." : abs_path.substr(1);

    struct open_how how{};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

    for (int attempt = 0; attempt < kOpenat2Retries; ++attempt) {
        long fd = syscall(SYS_openat2, rootfd, rel.c_str(), &how, sizeof how);
        if (fd >= 0) {
            Fd dir(static_cast<int>(fd));
            // Every earlier component was a directory (or openat2 would have
            // failed), so the refusal names the right path.
            require_dir(dir.get(), abs_path);
            return dir;
        }
        switch (errno) {
            case EAGAIN: continue;
            case ENOENT: case ELOOP: case ENOTDIR: case EXDEV:
                return std::nullopt;
            default:
                if (kernel_lacks(errno)) return std::nullopt;
                throw sys_error(kOpenStep, abs_path, errno);
        }
    }
    return std::nullopt;
}

bool kernel_lacks(int err) { return err == ENOSYS || err == EPERM || err == EINVAL; }

Found find_dir_beneath(int rootfd, const std::string& abs_path) {
    if (auto fd = open_dir_openat2(rootfd, abs_path)) return Found{std::move(*fd), abs_path, {}};
    auto parts = split_normalized(abs_path);
    Found found{Fd(fcntl(rootfd, F_DUPFD_CLOEXEC, 0)), "/", {}};
    if (!found.dir.valid()) throw sys_error(kOpenStep, "/", errno);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string path = (found.path == "/" ? "" : found.path) + "/" + parts[i];
        Fd next(open_component(found.dir.get(), parts[i]));
        if (!next.valid()) {
            if (errno != ENOENT) throw sys_error(kOpenStep, path, errno);
            found.missing.assign(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
            return found;
        }
        require_dir(next.get(), path);
        found.dir = std::move(next);
        found.path = std::move(path);
    }
    return found;
}

Fd create_missing_dirs(const Found& found) {
    const char* step = "create directory in rootfs";
    Fd cur(fcntl(found.dir.get(), F_DUPFD_CLOEXEC, 0));
    if (!cur.valid()) throw sys_error(step, found.path, errno);
    const uint64_t mount = mount_id(cur.get(), found.path);
    std::string path = found.path == "/" ? "" : found.path;
    for (const auto& name : found.missing) {
        path += "/" + name;
        // EEXIST: something appeared meanwhile; the checks below judge it.
        if (mkdirat(cur.get(), name.c_str(), 0755) < 0 && errno != EEXIST) throw sys_error(step, path, errno);
        Fd next(open_component(cur.get(), name));
        if (!next.valid()) throw sys_error(kOpenStep, path, errno);
        require_dir(next.get(), path);
        if (mount_id(next.get(), path) != mount)
            throw HookError(step, path, "is a mount point that appeared while the hook ran (refused)");
        cur = std::move(next);
    }
    return cur;
}

Fd open_dir_walk(int rootfd, const std::string& abs_path, bool create_missing) {
    auto parts = split_normalized(abs_path);

    Fd cur(fcntl(rootfd, F_DUPFD_CLOEXEC, 0));
    if (!cur.valid()) throw sys_error(kOpenStep, "/", errno);

    std::string prefix;
    for (const auto& name : parts) {
        prefix += "/" + name;
        int fd = open_component(cur.get(), name);
        if (fd < 0 && errno == ENOENT && create_missing) {
            // EEXIST: something appeared meanwhile; the re-open and check
            // below judge whatever it is.
            if (mkdirat(cur.get(), name.c_str(), 0755) < 0 && errno != EEXIST)
                throw sys_error("create directory in rootfs", prefix, errno);
            fd = open_component(cur.get(), name);
        }
        if (fd < 0) throw sys_error(kOpenStep, prefix, errno);
        Fd next(fd);
        require_dir(next.get(), prefix);
        cur = std::move(next);
    }
    return cur;
}

Fd open_entry_beneath(int dirfd, const std::string& abs_path) {
    Fd dir = open_dir_walk(dirfd, oci::parent_path(abs_path), false);
    std::string name = oci::last_segment(abs_path);
    if (name.empty() || name == "." || name == "..")
        throw HookError(kOpenStep, abs_path, "not a normalized absolute path");
    Fd entry(open_component(dir.get(), name));
    if (!entry.valid()) throw sys_error(kOpenStep, abs_path, errno);
    struct stat st{};
    if (fstat(entry.get(), &st) < 0) throw sys_error(kOpenStep, abs_path, errno);
    if (S_ISLNK(st.st_mode)) throw HookError(kOpenStep, abs_path, "is a symlink", ELOOP, kNoLinks);
    return entry;
}

Fd open_dir_beneath(int rootfd, const std::string& abs_path, bool create_missing) {
    if (auto fd = open_dir_openat2(rootfd, abs_path)) return std::move(*fd);
    return open_dir_walk(rootfd, abs_path, create_missing);
}

}  // namespace agenthook
