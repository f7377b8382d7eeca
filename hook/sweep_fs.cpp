#include "sweep_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "error.hpp"
#include "safe_path.hpp"
#include "sys_linux.hpp"

namespace agenthook {

namespace {

constexpr int kOpenat2Retries = 8;
constexpr unsigned kStatxMask = STATX_BASIC_STATS | STATX_MNT_ID;

// The swept directory's own mount: every entry must be on it.
struct RootMount {
    uint64_t dev = 0;
    uint64_t mnt_id = 0;
    bool has_mnt_id = false;
};

uint64_t dev_of(const struct statx& stx) { return makedev(stx.stx_dev_major, stx.stx_dev_minor); }

// statx of `name` in `dir` (a symlink described, never followed); errno on failure.
int describe(int dir, const char* name, struct statx& stx) {
    int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH);
    return ::statx(dir, name, flags, kStatxMask, &stx) == 0 ? 0 : errno;
}

// Another mount: a different filesystem, a different mount id, or the root
// of a mount (a bind mount of the same filesystem has the same st_dev).
bool on_other_mount(const struct statx& stx, const RootMount& root) {
    if (dev_of(stx) != root.dev) return true;
    if (root.has_mnt_id && (stx.stx_mask & STATX_MNT_ID) && stx.stx_mnt_id != root.mnt_id) return true;
    return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

RootMount root_mount(int root, const std::string& where) {
    struct statx stx{};
    if (int err = describe(root, "", stx)) throw sys_error("inspect", where, err);
    return {dev_of(stx), stx.stx_mnt_id, (stx.stx_mask & STATX_MNT_ID) != 0};
}

// openat2 beneath `dir`, no symlink, no mount crossing; falls back to openat
// with O_NOFOLLOW (one component only: callers walk) where openat2 is
// missing. Returns the fd or -errno.
int open_beneath(int dir, const std::string& rel, int flags) {
    struct open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    for (int attempt = 0; attempt < kOpenat2Retries; ++attempt) {
        long fd = ::syscall(SYS_openat2, dir, rel.c_str(), &how, sizeof how);
        if (fd >= 0) return static_cast<int>(fd);
        if (errno == EAGAIN) continue;
        if (!kernel_lacks(errno)) return -errno;
        if (rel.find('/') != std::string::npos) return -ENOSYS;  // the caller walks
        int plain = ::openat(dir, rel.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
        return plain >= 0 ? plain : -errno;
    }
    return -EAGAIN;
}

// A directory below `dir` opened for listing, without changing its atime
// (O_NOATIME needs ownership or CAP_FOWNER: retried without), checked to be
// the inode scanned and on the swept mount. Returns the fd or -errno.
int open_listed_dir(int dir, const std::string& name, const struct statx& scanned, const RootMount& root) {
    int fd = open_beneath(dir, name, O_RDONLY | O_DIRECTORY | O_NOATIME);
    if (fd == -EPERM) fd = open_beneath(dir, name, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return fd;
    Fd opened(fd);
    struct statx now{};
    if (int err = describe(fd, "", now)) return -err;
    // Replaced between the listing and the open, or (without openat2) a
    // mount point: not the directory the scan described.
    if (now.stx_ino != scanned.stx_ino || dev_of(now) != dev_of(scanned) || on_other_mount(now, root)) return -ESTALE;
    return opened.release();
}

class Scanner {
public:
    Scanner(const RootMount& root, const std::string& where, std::vector<std::string>& errors)
        : root_(root), where_(where), errors_(errors) {}

    // Describes `name` in `dir`; nullopt (with an error) when it cannot be.
    std::optional<SweepNode> node(int dir, const std::string& name, const std::string& rel, int depth) {
        struct statx stx{};
        if (int err = describe(dir, name.c_str(), stx)) {
            if (err != ENOENT) fail(sys_error("inspect", path(rel), err));
            return std::nullopt;
        }
        ++count_;
        SweepNode n;
        n.name = name;
        n.is_dir = S_ISDIR(stx.stx_mode);
        n.atime = stx.stx_atime.tv_sec;
        n.mtime = stx.stx_mtime.tv_sec;
        n.bytes = stx.stx_blocks * 512;
        n.uid = stx.stx_uid;
        n.dev = dev_of(stx);
        n.ino = stx.stx_ino;
        n.nlink = stx.stx_nlink;
        n.other_mount = on_other_mount(stx, root_);
        if (n.is_dir && !n.other_mount) list(dir, stx, n, rel, depth);
        return n;
    }

    bool full() const { return count_ >= kSweepMaxEntries; }

private:
    void list(int parent, const struct statx& stx, SweepNode& n, const std::string& rel, int depth) {
        if (depth >= kSweepMaxDepth) {
            n.incomplete = true;
            fail(HookError("scan", path(rel), "deeper than " + std::to_string(kSweepMaxDepth) + " levels, left alone"));
            return;
        }
        int fd = open_listed_dir(parent, n.name, stx, root_);
        if (fd < 0) {
            n.incomplete = true;
            if (fd != -ENOENT) fail(sys_error("open directory", path(rel), -fd));
            return;
        }
        Fd dir(fd);
        // fdopendir owns the fd it gets: a duplicate, so `dir` stays ours.
        DIR* stream = ::fdopendir(::fcntl(dir.get(), F_DUPFD_CLOEXEC, 0));
        if (!stream) {
            n.incomplete = true;
            fail(sys_error("read directory", path(rel), errno));
            return;
        }
        std::vector<std::string> names;
        errno = 0;
        while (dirent* e = ::readdir(stream)) {
            std::string child = e->d_name;
            if (child != "." && child != "..") names.push_back(std::move(child));
        }
        int read_err = errno;
        ::closedir(stream);
        if (read_err) {
            n.incomplete = true;
            fail(sys_error("read directory", path(rel), read_err));
            return;
        }
        for (const auto& child : names) {
            if (full()) {
                n.incomplete = true;
                fail(HookError("scan", path(rel),
                               "more than " + std::to_string(kSweepMaxEntries) + " entries, the rest left alone"));
                return;
            }
            auto c = node(dir.get(), child, rel + "/" + child, depth + 1);
            if (c) n.children.push_back(std::move(*c));
        }
    }

    std::string path(const std::string& rel) const { return where_ + "/" + rel; }
    void fail(const HookError& e) { errors_.push_back(e.line()); }

    const RootMount& root_;
    const std::string& where_;
    std::vector<std::string>& errors_;
    std::size_t count_ = 0;
};

// The parent directory of the removals, by relative path, kept open while
// consecutive removals share it.
class Parents {
public:
    Parents(int root, const RootMount& mount) : root_(root), mount_(mount) {}

    // The directory `rel` (empty: the root) or -errno.
    int get(const std::string& rel) {
        if (rel.empty()) return root_;
        if (fd_.valid() && rel == rel_) return fd_.get();
        fd_.reset();
        rel_ = rel;
        int fd = open_beneath(root_, rel, O_PATH | O_DIRECTORY);
        if (fd == -ENOSYS) fd = walk(rel);  // no openat2: one component at a time
        if (fd < 0) return fd;
        fd_ = Fd(fd);
        return fd;
    }

private:
    int walk(const std::string& rel) {
        Fd dir;
        std::size_t start = 0;
        while (start <= rel.size()) {
            std::size_t slash = rel.find('/', start);
            if (slash == std::string::npos) slash = rel.size();
            int fd = open_beneath(dir.valid() ? dir.get() : root_, rel.substr(start, slash - start), O_PATH | O_DIRECTORY);
            if (fd < 0) return fd;
            Fd next(fd);
            struct statx stx{};
            if (int err = describe(next.get(), "", stx)) return -err;
            if (on_other_mount(stx, mount_)) return -EXDEV;
            dir = std::move(next);
            start = slash + 1;
        }
        return dir.release();
    }

    int root_;
    const RootMount& mount_;
    std::string rel_;
    Fd fd_;
};

}  // namespace

Fd open_host_dir(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) throw sys_error("open directory", path, errno);
    return fd;
}

Fd open_container_tmp(int pid) {
    const std::string proc = "/proc/" + std::to_string(pid);
    const char* step = "open container /tmp";
    if (pid <= 1) throw HookError(step, "pid " + std::to_string(pid), "not a container's process id");
    Fd pidfd(open_pidfd(pid));
    if (!pidfd.valid()) throw sys_error(step, "pid " + std::to_string(pid), errno);
    Fd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) throw sys_error(step, proc + "/root", errno);
    Fd ns(::open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) throw sys_error(step, proc + "/ns/mnt", errno);
    // Both opened by pid: the pidfd proves they are the pinned process's.
    if (!pidfd_alive(pidfd.get())) throw sys_error(step, "pid " + std::to_string(pid), errno);
    if (host_mount_ns(ns.get(), proc + "/ns/mnt") != HostMountNs::No)
        throw HookError(step, "pid " + std::to_string(pid), "the process is in the host's mount namespace, not a container's",
                        0, "sweep a host directory with --path");
    // One component below the root: O_NOFOLLOW alone refuses a symlinked
    // /tmp; the lookup enters the tmpfs mounted there, as the container sees it.
    Fd tmp(::openat(root.get(), "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!tmp.valid()) throw sys_error(step, proc + "/root/tmp", errno);
    return tmp;
}

std::vector<SweepNode> scan_sweep_root(int root, const std::vector<std::string>& patterns, const std::string& where,
                                       std::vector<std::string>& errors) {
    const RootMount mount = root_mount(root, where);
    Scanner scanner(mount, where, errors);
    std::vector<SweepNode> tops;
    // The root's own listing: only names are needed here, the top entries
    // that match are described by the scanner.
    Fd listing(::openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME));
    if (!listing.valid()) listing = Fd(::openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!listing.valid()) throw sys_error("open directory", where, errno);
    DIR* stream = ::fdopendir(listing.release());
    if (!stream) throw sys_error("read directory", where, errno);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(stream)) {
        std::string name = e->d_name;
        if (name != "." && name != ".." && matches_cleanup_pattern(patterns, name)) names.push_back(std::move(name));
    }
    int read_err = errno;
    ::closedir(stream);
    if (read_err) throw sys_error("read directory", where, read_err);
    for (const auto& name : names) {
        if (scanner.full()) {
            errors.push_back(HookError("scan", where, "more than " + std::to_string(kSweepMaxEntries) +
                                                          " entries, the rest left alone").line());
            break;
        }
        if (auto n = scanner.node(root, name, name, 1)) tops.push_back(std::move(*n));
    }
    return tops;
}

SweepDone carry_out(int root, const SweepPlan& plan, const std::string& where, std::vector<std::string>& errors) {
    const RootMount mount = root_mount(root, where);
    Parents parents(root, mount);
    SweepDone done;
    for (const auto& r : plan.removals) {
        const std::size_t slash = r.path.rfind('/');
        const std::string parent_rel = slash == std::string::npos ? "" : r.path.substr(0, slash);
        const std::string name = slash == std::string::npos ? r.path : r.path.substr(slash + 1);
        const std::string shown = where + "/" + r.path;
        int parent = parents.get(parent_rel);
        if (parent < 0) {
            if (parent != -ENOENT) errors.push_back(sys_error("open directory", where + "/" + parent_rel, -parent).line());
            continue;
        }
        struct statx stx{};
        if (int err = describe(parent, name.c_str(), stx)) {
            if (err != ENOENT) errors.push_back(sys_error("inspect", shown, err).line());
            continue;
        }
        // Still the entry the plan was made for: same inode, same type, on
        // the swept mount, and a file not touched since the scan.
        if (stx.stx_ino != r.ino || dev_of(stx) != r.dev || S_ISDIR(stx.stx_mode) != r.is_dir ||
            on_other_mount(stx, mount))
            continue;
        if (!r.is_dir && (stx.stx_atime.tv_sec != r.atime || stx.stx_mtime.tv_sec != r.mtime)) continue;
        if (::unlinkat(parent, name.c_str(), r.is_dir ? AT_REMOVEDIR : 0) != 0) {
            // Emptied by the plan but not empty now: something was added, or
            // a child was kept because it changed.
            if (errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
                errors.push_back(sys_error("remove", shown, errno).line());
            continue;
        }
        ++done.entries;
        done.bytes += r.bytes;
        done.inodes += r.frees_inode ? 1 : 0;
    }
    return done;
}

}  // namespace agenthook
