#include "sys_linux.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string_view>

#include "../oci/mount.hpp"
#include "error.hpp"
#include "mountinfo.hpp"

namespace agenthook {

namespace {

constexpr const char* kMountStep = "mount tmpfs";
constexpr const char* kEnterStep = "enter mount namespace";

std::string octal(uint32_t v) {
    char buf[16];
    auto res = std::to_chars(buf, buf + sizeof buf, v, 8);
    return std::string(buf, res.ptr);
}

bool same_inode(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::string read_fd_text(Fd fd, const std::string& step, const std::string& path) {
    if (!fd.valid()) throw sys_error(step, path, errno);
    std::string text;
    // mountinfo of a container host with thousands of mounts stays far below this.
    if (int err = read_fully(fd.get(), text, std::size_t{64} << 20)) throw sys_error(step, path, err);
    return text;
}

std::string read_host_file(const std::string& path, const std::string& step) {
    return read_fd_text(Fd(open(path.c_str(), O_RDONLY | O_CLOEXEC)), step, path);
}

struct statx statx_of(int fd, unsigned mask, const char* step, const std::string& path) {
    struct statx stx{};
    if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, mask, &stx) < 0) throw sys_error(step, path, errno);
    return stx;
}

// The kernel queues its reasons for a failed fsconfig on the fs context fd,
// one message per read ("e tmpfs: Bad value for 'size'"); errno alone
// usually just says EINVAL.
std::string kernel_messages(int fsfd) {
    std::string all;
    char buf[1024];
    while (true) {
        ssize_t n = read(fsfd, buf, sizeof buf);
        if (n <= 0) return all;  // ENODATA: no more messages
        std::string_view msg(buf, static_cast<size_t>(n));
        while (!msg.empty() && msg.back() == '\n') msg.remove_suffix(1);
        if (msg.size() > 2 && msg[1] == ' ') msg.remove_prefix(2);  // "e ", "w ", "i "
        if (!all.empty()) all += "; ";
        all += msg;
    }
}

// Checked by both mount paths right before they mount: whatever built the
// op, the hook never mounts an unbounded tmpfs or one without a set mode.
void require_bounded(const TmpfsOp& op) {
    if (op.size_bytes == 0)
        throw HookError(kMountStep, op.target, "no size", 0,
                        "refused: the hook never mounts an unbounded tmpfs");
    if (op.mode > 07777)
        throw HookError(kMountStep, op.target, "mode " + octal(op.mode) + " is not a permission mode");
}

// A fd that permits fchmod/fchown, which O_PATH fds do not. "." is the
// directory itself: nothing is resolved by name.
Fd reopen_dir(const Fd& dir, const std::string& step, const std::string& path) {
    Fd fd(openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) throw sys_error(step, path, errno);
    return fd;
}

}  // namespace

int open_pidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// EPERM: the process exists, we just may not signal it (the sweep's
// service has no CAP_KILL, the container's process another uid).
bool pidfd_alive(int pidfd) {
    return syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) == 0 || errno == EPERM;
}

HostMountNs host_mount_ns(int nsfd, const std::string& path_for_errors) {
    struct stat theirs{}, ours{};
    if (fstat(nsfd, &theirs) < 0) throw sys_error(kEnterStep, path_for_errors, errno);
    // thread-self: the hook's worker is a thread (hook/worker_thread.hpp).
    if (stat("/proc/thread-self/ns/mnt", &ours) < 0) throw sys_error(kEnterStep, "/proc/thread-self/ns/mnt", errno);
    if (same_inode(theirs, ours)) return HostMountNs::Ours;
    struct stat init_ns{};
    if (stat("/proc/1/ns/mnt", &init_ns) == 0 && same_inode(theirs, init_ns)) return HostMountNs::Init;
    return HostMountNs::No;
}

std::string LinuxSys::magic_link(const Fd& fd) { return "fd/" + std::to_string(fd.get()); }

IdMaps LinuxSys::pin_container(int pid) {
    const std::string who = "pid " + std::to_string(pid);
    auto gone = [&] {
        return HookError(kEnterStep, who, "process " + std::to_string(pid) + " is gone", ESRCH);
    };
    if (pid <= 0) throw HookError(kEnterStep, who, "not a process id");

    pidfd_ = Fd(open_pidfd(pid));
    if (!pidfd_.valid()) {
        int err = errno;
        if (err == ESRCH) throw gone();
        throw sys_error(kEnterStep, who, err, err == ENOSYS ? "pidfd_open needs Linux 5.3" : "");
    }

    // Opened by pid, so they could belong to a process that reused the pid;
    // the pidfd check below rules that out: while the pidfd's process lives,
    // its pid is not reused.
    const std::string proc = "/proc/" + std::to_string(pid);
    nsfd_ = Fd(open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsfd_.valid()) {
        if (errno == ENOENT || errno == ESRCH) throw gone();
        throw sys_error(kEnterStep, proc + "/ns/mnt", errno);
    }
    IdMaps maps;
    const std::string uid_map = proc + "/uid_map", gid_map = proc + "/gid_map";
    maps.uid = parse_proc_id_map(read_host_file(uid_map, "read id map"), uid_map);
    maps.gid = parse_proc_id_map(read_host_file(gid_map, "read id map"), gid_map);
    if (!pidfd_alive(pidfd_.get())) {
        if (errno == ESRCH) throw gone();
        throw sys_error(kEnterStep, who, errno);
    }

    const HostMountNs host = host_mount_ns(nsfd_.get(), proc + "/ns/mnt");
    if (host == HostMountNs::Ours)
        throw HookError(kEnterStep, who, "the container shares the hook's mount namespace", 0,
                        "refused: its mounts would be the host's mounts");
    // runc's state at createContainer carries pid 1, the host's init: never
    // a container, and its mount namespace is the host's.
    if (host == HostMountNs::Init)
        throw HookError(kEnterStep, who, "its mount namespace is the one of pid 1, the host's init", 0,
                        "refused: not a container; register the hook at createRuntime or prestart");

    // Our own thread's /proc directory in the host's procfs: after setns,
    // mountinfo and the fd magic links are read through it, never through
    // whatever the container's namespace has at /proc. The thread's, not
    // the process's: only this thread enters the container, and
    // /proc/self/mountinfo would show the main thread's (the host's) mounts.
    proc_ = Fd(open("/proc/thread-self", O_PATH | O_DIRECTORY | O_CLOEXEC));
    struct statfs sfs{};
    if (!proc_.valid() || fstatfs(proc_.get(), &sfs) < 0) throw sys_error(kEnterStep, "/proc/thread-self", errno);
    if (sfs.f_type != PROC_SUPER_MAGIC) throw HookError(kEnterStep, "/proc/thread-self", "is not a procfs (refused)");
    return maps;
}

std::optional<DevIno> LinuxSys::host_identity(const std::string& host_path) {
    struct stat st{};
    if (host_path.empty() || stat(host_path.c_str(), &st) < 0) return std::nullopt;
    return DevIno{st.st_dev, st.st_ino};
}

HeldMount LinuxSys::clone_bind(const SpecMount& m) {
    const char* step = "copy bind";
    HeldMount held;
    unsigned recursive = m.recursive ? AT_RECURSIVE : 0;
    Fd tree(open_tree(AT_FDCWD, m.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive));
    if (!tree.valid()) {
        if (kernel_lacks(errno)) return held;
        throw sys_error(step, m.source, errno, "open_tree");
    }
    // Exactly the spec's flags on the top mount, as a runtime's bind
    // remount sets them; propagation (and "rro") on the whole tree.
    constexpr uint64_t kFlags = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    struct mount_attr flags{};
    flags.attr_set = (m.read_only || m.recursive_read_only ? MOUNT_ATTR_RDONLY : 0) |
                     (m.nosuid ? MOUNT_ATTR_NOSUID : 0) | (m.nodev ? MOUNT_ATTR_NODEV : 0) |
                     (m.noexec ? MOUNT_ATTR_NOEXEC : 0);
    flags.attr_clr = kFlags & ~flags.attr_set;
    struct mount_attr tree_attr{};
    tree_attr.propagation = m.slave ? MS_SLAVE : MS_PRIVATE;
    if (m.recursive_read_only) tree_attr.attr_set = MOUNT_ATTR_RDONLY;
    if (mount_setattr(tree.get(), "", AT_EMPTY_PATH, &flags, sizeof flags) < 0 ||
        mount_setattr(tree.get(), "", AT_EMPTY_PATH | recursive, &tree_attr, sizeof tree_attr) < 0) {
        if (kernel_lacks(errno)) return held;
        throw sys_error(step, m.source, errno, "mount_setattr");
    }
    held.is_dir = S_ISDIR(statx_of(tree.get(), STATX_TYPE, step, m.source).stx_mode);
    held.tree = std::move(tree);
    return held;
}

void LinuxSys::enter_mount_ns() {
    // setns(CLONE_NEWNS) needs a root and working directory of our own: a
    // thread shares them with the process until it unshares them (and then
    // the main thread keeps the host's).
    if (unshare(CLONE_FS) < 0) throw sys_error(kEnterStep, "unshare CLONE_FS", errno);
    if (setns(nsfd_.get(), CLONE_NEWNS) < 0) throw sys_error(kEnterStep, "mount namespace", errno);
    // setns moved our root and working directory to the namespace's root;
    // the working directory becomes our host procfs directory, for magic_link.
    if (fchdir(proc_.get()) < 0) throw sys_error(kEnterStep, "/proc/thread-self", errno);
}

std::string LinuxSys::read_mountinfo() {
    return read_fd_text(Fd(openat(proc_.get(), "mountinfo", O_RDONLY | O_CLOEXEC)), "read mountinfo",
                        "/proc/thread-self/mountinfo");
}

Fd LinuxSys::open_rootfs(const std::string& host_path) {
    const char* step = "open rootfs";
    Fd fd(open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) {
        int err = errno;
        throw sys_error(step, host_path, err,
                        err == ENOENT ? "looked up inside the container's mount namespace: "
                                        "has the container already pivoted into its rootfs?"
                                      : "");
    }
    struct stat rootfs{}, slash{};
    if (fstat(fd.get(), &rootfs) < 0) throw sys_error(step, host_path, errno);
    if (stat("/", &slash) < 0) throw sys_error(step, "/", errno);
    if (same_inode(rootfs, slash))
        throw HookError(step, host_path, "is the mount namespace's own root /", 0,
                        "refused: the hook acts only inside a rootfs of its own");
    return fd;
}

std::string LinuxSys::kernel_path(const Fd& dir, const std::string& path) {
    char buf[4096];
    ssize_t n = readlinkat(proc_.get(), magic_link(dir).c_str(), buf, sizeof buf);
    if (n < 0 || static_cast<size_t>(n) >= sizeof buf)
        throw sys_error("read mount point", path, n < 0 ? errno : ENAMETOOLONG);
    return std::string(buf, static_cast<size_t>(n));
}

Found LinuxSys::find_dir(const Fd& root, const std::string& path) { return find_dir_beneath(root.get(), path); }

Fd LinuxSys::open_dir_in_root(const Fd& root, const std::string& path, bool create_missing) {
    return open_dir_beneath(root.get(), path, create_missing);
}

Fd LinuxSys::make_dirs(const Found& found) { return create_missing_dirs(found); }

DirFacts LinuxSys::inspect(const Fd& dir, const std::string& path) {
    const char* step = "inspect";
    DirFacts f;

    struct stat st{};
    if (fstat(dir.get(), &st) < 0) throw sys_error(step, path, errno);
    f.st_mode = st.st_mode;
    f.uid = st.st_uid;
    f.gid = st.st_gid;
    f.inode = DevIno{st.st_dev, st.st_ino};

    struct statfs sfs{};
    if (fstatfs(dir.get(), &sfs) < 0) throw sys_error(step, path, errno);
    f.is_tmpfs = sfs.f_type == TMPFS_MAGIC;
    f.nosuid = sfs.f_flags & ST_NOSUID;
    f.nodev = sfs.f_flags & ST_NODEV;
    f.noexec = sfs.f_flags & ST_NOEXEC;
    f.readonly = sfs.f_flags & ST_RDONLY;
    f.size_bytes = static_cast<uint64_t>(sfs.f_blocks) * static_cast<uint64_t>(sfs.f_bsize);
    f.inodes = sfs.f_files;
    f.free_bytes = static_cast<uint64_t>(sfs.f_bfree) * static_cast<uint64_t>(sfs.f_bsize);
    f.free_inodes = sfs.f_ffree;

    struct statx stx = statx_of(dir.get(), STATX_MNT_ID, step, path);
    if (!(stx.stx_mask & STATX_MNT_ID) || !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        throw HookError(step, path, "the kernel reports no mount id or mount root",
                        0, "statx needs Linux 5.8");
    f.mnt_id = stx.stx_mnt_id;
    f.is_mount_root = stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;

    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) f.page_size = static_cast<uint64_t>(page);
    return f;
}

DevIno LinuxSys::mount_root_of(const Fd& dir, const std::string& path) {
    const char* step = "find mount root";
    Fd cur(fcntl(dir.get(), F_DUPFD_CLOEXEC, 0));
    if (!cur.valid()) throw sys_error(step, path, errno);
    // ".." inside a mount stays in it until its root; never a link.
    for (int depth = 0; depth < 4096; ++depth) {
        struct statx stx = statx_of(cur.get(), STATX_MNT_ID, step, path);
        if (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) break;
        Fd up(openat(cur.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!up.valid()) throw sys_error(step, path, errno);
        cur = std::move(up);
    }
    struct stat st{};
    if (fstat(cur.get(), &st) < 0) throw sys_error(step, path, errno);
    return DevIno{st.st_dev, st.st_ino};
}

Fd LinuxSys::mount_tmpfs_fs_api(const Fd& target, const TmpfsOp& op, const Owner& owner) {
    require_bounded(op);

    Fd fs(fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs.valid()) {
        if (kernel_lacks(errno)) return Fd();
        throw sys_error(kMountStep, op.target, errno, "fsopen");
    }
    auto failed = [&](int err, const std::string& what) {
        std::string kernel = kernel_messages(fs.get());
        return sys_error(kMountStep, op.target, err,
                         kernel.empty() ? what : what + "; kernel: " + kernel);
    };
    auto set = [&](const char* key, const std::string& value) {
        if (fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) < 0)
            throw failed(errno, std::string("option ") + key + "=" + value);
    };

    // What mount(8) and the classic path show as the source in mountinfo;
    // without it the kernel shows "none".
    set("source", "tmpfs");
    set("size", std::to_string(op.size_bytes));
    set("mode", octal(op.mode));
    if (op.nr_inodes != 0) set("nr_inodes", std::to_string(op.nr_inodes));
    set("uid", std::to_string(owner.uid));
    set("gid", std::to_string(owner.gid));
    if (!op.selinux_context.empty()) set("context", op.selinux_context);
    if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        throw failed(errno, "creating the filesystem");

    unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (op.exec ? 0 : MOUNT_ATTR_NOEXEC);
    Fd mnt(fsmount(fs.get(), FSMOUNT_CLOEXEC, attrs));
    if (!mnt.valid()) throw sys_error(kMountStep, op.target, errno, "fsmount");

    if (move_mount(mnt.get(), "", target.get(), "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        throw sys_error(kMountStep, op.target, errno, "move_mount");
    return mnt;  // attached now, and still the root of the new mount
}

Fd LinuxSys::mount_tmpfs_classic(const Fd& target, const TmpfsOp& op, const Owner& owner) {
    require_bounded(op);

    std::string data = "size=" + std::to_string(op.size_bytes) + ",mode=" + octal(op.mode);
    if (op.nr_inodes != 0) data += ",nr_inodes=" + std::to_string(op.nr_inodes);
    data += ",uid=" + std::to_string(owner.uid) + ",gid=" + std::to_string(owner.gid);
    if (!op.selinux_context.empty()) {
        // Quoted because contexts hold commas ("s0:c1,c2"); a quote inside
        // would end the value early and let the rest read as more options.
        if (op.selinux_context.find('"') != std::string::npos)
            throw HookError(kMountStep, op.target,
                            "SELinux context \"" + op.selinux_context + "\" contains a quote");
        data += ",context=\"" + op.selinux_context + "\"";
    }

    // Where the new mount will be, by the target's fd: its mount, its path,
    // and its parent directory (".." of a mount root is the parent of its
    // mount point, never a link).
    const uint64_t covered = statx_of(target.get(), STATX_MNT_ID, kMountStep, op.target).stx_mnt_id;
    const std::string where = kernel_path(target, op.target);
    Fd parent(openat(target.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!parent.valid()) throw sys_error(kMountStep, op.target, errno, "open parent");

    // The magic link resolves to the fd's own directory; the kernel never
    // walks the rootfs by name.
    unsigned long flags = MS_NOSUID | MS_NODEV | (op.exec ? 0 : MS_NOEXEC);
    if (mount("tmpfs", magic_link(target).c_str(), "tmpfs", flags, data.c_str()) < 0)
        throw sys_error(kMountStep, op.target, errno, "mount(2) with " + data);

    // mount(2) hands out no fd: re-open the last component from the pinned
    // parent, and accept it only if it is the root of a mount sitting on
    // the covered mount at exactly the target's place.
    auto changed = [&] {
        return HookError(kMountStep, op.target, "the new mount is not what its directory now holds", 0,
                         "refused: the directory changed while the hook ran");
    };
    Fd root(openat(parent.get(), oci::last_segment(where).c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
    // Gone, or a symlink or a file now: the name was swapped after the
    // target was pinned (the mount went onto the directory, wherever it is).
    if (!root.valid() && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)) throw changed();
    if (!root.valid()) throw sys_error(kMountStep, op.target, errno, "re-open after mount(2)");
    struct statx stx = statx_of(root.get(), STATX_MNT_ID, kMountStep, op.target);
    const MountInfo* m = nullptr;
    auto table = parse_mountinfo(read_mountinfo());
    if (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) m = find_mount(table, stx.stx_mnt_id);
    if (!m || m->parent_id != covered || m->mount_point != where || m->fstype != "tmpfs") throw changed();
    return root;
}

Fd LinuxSys::mount_tmpfs(const Fd& target, const TmpfsOp& op, const Owner& owner) {
    if (Fd root = mount_tmpfs_fs_api(target, op, owner); root.valid()) return root;
    return mount_tmpfs_classic(target, op, owner);
}

HeldMount LinuxSys::hold_mount(const Fd& dir, const std::string& relative, uint64_t mnt_id,
                               const std::string& path) {
    const char* step = "hold mount beneath";
    const std::string sub = path + relative;
    Fd entry = open_entry_beneath(dir.get(), relative);
    struct statx stx = statx_of(entry.get(), STATX_TYPE | STATX_MNT_ID, step, sub);
    if (!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) || stx.stx_mnt_id != mnt_id)
        throw HookError(step, sub, "is no longer the mount mountinfo showed there (changed while the hook ran)");
    return HeldMount{relative, std::move(entry), S_ISDIR(stx.stx_mode)};
}

void LinuxSys::attach(const Fd& new_dir, HeldMount& held, const std::string& path) {
    const char* step = "put back mount";
    const std::string sub = path + held.relative;
    // The new tmpfs is empty and the hook's own: create the mount point.
    Fd parent = open_dir_walk(new_dir.get(), oci::parent_path(held.relative), true);
    const std::string name = oci::last_segment(held.relative);
    if (held.is_dir) {
        if (mkdirat(parent.get(), name.c_str(), 0755) < 0 && errno != EEXIST) throw sys_error(step, sub, errno);
    } else {
        Fd file(openat(parent.get(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!file.valid() && errno != EEXIST) throw sys_error(step, sub, errno);
    }
    Fd point = open_entry_beneath(new_dir.get(), held.relative);

    // Moving the original (not a copy) keeps it the mount the runtime
    // changes after the hooks (crun sets a bind's "ro" on its own fd).
    if (move_mount(held.tree.get(), "", point.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) == 0)
        return;
    if (!kernel_lacks(errno)) throw sys_error(step, sub, errno, "move_mount");
    if (mount(magic_link(held.tree).c_str(), magic_link(point).c_str(), nullptr, MS_MOVE, nullptr) < 0)
        throw sys_error(step, sub, errno, "mount(2) MS_MOVE");
}

void LinuxSys::set_mode(const Fd& dir, uint32_t mode, const std::string& path) {
    const char* step = "chmod";
    if (mode > 07777) throw HookError(step, path, "mode " + octal(mode) + " is not a permission mode");
    Fd fd = reopen_dir(dir, step, path);
    if (fchmod(fd.get(), mode) < 0) throw sys_error(step, path, errno);
}

void LinuxSys::set_owner(const Fd& dir, uint32_t uid, uint32_t gid, const std::string& path) {
    const char* step = "chown";
    Fd fd = reopen_dir(dir, step, path);
    if (fchown(fd.get(), uid, gid) < 0) throw sys_error(step, path, errno);
}

}  // namespace agenthook
