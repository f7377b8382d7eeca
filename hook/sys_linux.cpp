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
#include "safe_path.hpp"

namespace agenthook {

namespace {

constexpr const char* kMountStep = "mount tmpfs";

// glibc 2.36's <sys/pidfd.h> declares its wrappers without extern "C", so
// from C++ they do not link; the raw syscalls are just as simple.
int open_pidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

bool pidfd_alive(int pidfd) { return syscall(SYS_pidfd_send_signal, pidfd, 0, nullptr, 0) == 0; }

std::string octal(uint32_t v) {
    char buf[16];
    auto res = std::to_chars(buf, buf + sizeof buf, v, 8);
    return std::string(buf, res.ptr);
}

bool same_inode(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

std::string read_whole_file(const std::string& path, const std::string& step) {
    Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) throw sys_error(step, path, errno);
    std::string text;
    // mountinfo of a container host with thousands of mounts stays far below this.
    if (int err = read_fully(fd.get(), text, std::size_t{64} << 20)) throw sys_error(step, path, err);
    return text;
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

void LinuxSys::enter_mount_ns(int pid) {
    const char* step = "enter mount namespace";
    const std::string who = "pid " + std::to_string(pid);
    auto gone = [&] {
        return HookError(step, who, "process " + std::to_string(pid) + " is gone", ESRCH);
    };
    if (pid <= 0) throw HookError(step, who, "not a process id");

    Fd pidfd(open_pidfd(pid));
    if (!pidfd.valid()) {
        int err = errno;
        if (err == ESRCH) throw gone();
        throw sys_error(step, who, err, err == ENOSYS ? "pidfd_open needs Linux 5.3" : "");
    }

    // Opened by pid, so it could belong to a process that reused the pid;
    // the pidfd check below rules that out: while the pidfd's process lives,
    // its pid is not reused.
    const std::string ns_path = "/proc/" + std::to_string(pid) + "/ns/mnt";
    Fd nsfd(open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsfd.valid()) {
        if (errno == ENOENT || errno == ESRCH) throw gone();
        throw sys_error(step, ns_path, errno);
    }
    if (!pidfd_alive(pidfd.get())) {
        if (errno == ESRCH) throw gone();
        throw sys_error(step, who, errno);
    }

    struct stat theirs{}, ours{};
    if (fstat(nsfd.get(), &theirs) < 0) throw sys_error(step, ns_path, errno);
    if (stat("/proc/self/ns/mnt", &ours) < 0) throw sys_error(step, "/proc/self/ns/mnt", errno);
    if (same_inode(theirs, ours))
        throw HookError(step, who, "the container shares the hook's mount namespace", 0,
                        "refused: its mounts would be the host's mounts");
    // runc's state at createContainer carries pid 1, the host's init: never
    // a container, and its mount namespace is the host's.
    struct stat init_ns{};
    if (stat("/proc/1/ns/mnt", &init_ns) == 0 && same_inode(theirs, init_ns))
        throw HookError(step, who, "its mount namespace is the one of pid 1, the host's init", 0,
                        "refused: not a container; register the hook at createRuntime or prestart");

    if (setns(pidfd.get(), CLONE_NEWNS) == 0) return;
    // Kernels before 5.8 accept only namespace fds in setns.
    if (errno == EINVAL && setns(nsfd.get(), CLONE_NEWNS) == 0) return;
    if (errno == ESRCH) throw gone();
    throw sys_error(step, who, errno);
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

Fd LinuxSys::open_dir_in_root(const Fd& root, const std::string& path, bool create_missing) {
    return open_dir_beneath(root.get(), path, create_missing);
}

DirFacts LinuxSys::inspect(const Fd& dir, const std::string& path) {
    const char* step = "inspect";
    DirFacts f;

    struct stat st{};
    if (fstat(dir.get(), &st) < 0) throw sys_error(step, path, errno);
    f.st_mode = st.st_mode;
    f.uid = st.st_uid;
    f.gid = st.st_gid;

    struct statfs sfs{};
    if (fstatfs(dir.get(), &sfs) < 0) throw sys_error(step, path, errno);
    f.is_tmpfs = sfs.f_type == TMPFS_MAGIC;
    f.nosuid = sfs.f_flags & ST_NOSUID;
    f.nodev = sfs.f_flags & ST_NODEV;
    f.noexec = sfs.f_flags & ST_NOEXEC;
    f.readonly = sfs.f_flags & ST_RDONLY;
    f.size_bytes = static_cast<uint64_t>(sfs.f_blocks) * static_cast<uint64_t>(sfs.f_bsize);
    f.inodes = sfs.f_files;

    struct statx stx{};
    if (statx(dir.get(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
        throw sys_error(step, path, errno);
    if (!(stx.stx_mask & STATX_MNT_ID) || !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
        throw HookError(step, path, "the kernel reports no mount id or mount root",
                        0, "statx needs Linux 5.8");
    f.mnt_id = stx.stx_mnt_id;
    f.is_mount_root = stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;

    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) f.page_size = static_cast<uint64_t>(page);

    // thread-self: mountinfo shows the mount namespace of the reading task,
    // which is the one setns moved us into.
    auto mount = find_mount(read_whole_file("/proc/thread-self/mountinfo", step), f.mnt_id);
    if (mount) {
        f.mount_fstype = mount->fstype;
        f.mount_shared = is_shared(*mount);
    } else {
        // A mount missing from mountinfo (not reachable from our root) has
        // unknown propagation; report it shared so nothing gets mounted on
        // it. mount_fstype stays "" to say why.
        f.mount_shared = true;
    }
    return f;
}

Fd LinuxSys::mount_tmpfs_fs_api(const Fd& target, const TmpfsOp& op) {
    require_bounded(op);

    Fd fs(fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs.valid()) {
        if (errno == ENOSYS) return Fd();
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
    if (op.uid) set("uid", std::to_string(*op.uid));
    if (op.gid) set("gid", std::to_string(*op.gid));
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

void LinuxSys::mount_tmpfs_classic(const Fd& target, const TmpfsOp& op) {
    require_bounded(op);

    std::string data = "size=" + std::to_string(op.size_bytes) + ",mode=" + octal(op.mode);
    if (op.nr_inodes != 0) data += ",nr_inodes=" + std::to_string(op.nr_inodes);
    if (op.uid) data += ",uid=" + std::to_string(*op.uid);
    if (op.gid) data += ",gid=" + std::to_string(*op.gid);
    if (!op.selinux_context.empty()) {
        // Quoted because contexts hold commas ("s0:c1,c2"); a quote inside
        // would end the value early and let the rest read as more options.
        if (op.selinux_context.find('"') != std::string::npos)
            throw HookError(kMountStep, op.target,
                            "SELinux context \"" + op.selinux_context + "\" contains a quote");
        data += ",context=\"" + op.selinux_context + "\"";
    }

    // The magic link resolves to the fd's own directory; the kernel never
    // walks the rootfs by name.
    const std::string via = "/proc/thread-self/fd/" + std::to_string(target.get());
    unsigned long flags = MS_NOSUID | MS_NODEV | (op.exec ? 0 : MS_NOEXEC);
    if (mount("tmpfs", via.c_str(), "tmpfs", flags, data.c_str()) < 0)
        throw sys_error(kMountStep, op.target, errno, "mount(2) with " + data);
}

Fd LinuxSys::mount_tmpfs(const Fd& target, const TmpfsOp& op) {
    if (Fd root = mount_tmpfs_fs_api(target, op); root.valid()) return root;
    mount_tmpfs_classic(target, op);
    return Fd();
}

std::vector<HeldMount> LinuxSys::hold_submounts(const Fd& dir, const std::string& path) {
    const char* step = "hold mounts beneath";
    // The kernel's name for the fd in this namespace is the form mountinfo uses.
    const std::string link = "/proc/thread-self/fd/" + std::to_string(dir.get());
    char buf[4096];
    ssize_t n = readlink(link.c_str(), buf, sizeof buf);
    if (n < 0 || static_cast<size_t>(n) >= sizeof buf) throw sys_error(step, path, n < 0 ? errno : ENAMETOOLONG);
    const std::string where(buf, static_cast<size_t>(n));

    std::vector<HeldMount> held;
    for (const auto& rel : mount_points_beneath(read_whole_file("/proc/thread-self/mountinfo", step), where)) {
        const std::string sub = path + rel;
        Fd entry = open_entry_beneath(dir.get(), rel);
        struct statx stx{};
        if (statx(entry.get(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0)
            throw sys_error(step, sub, errno);
        if (!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
            throw HookError(step, sub, "is no longer a mount point (changed while the hook ran)");
        HeldMount m{rel, Fd(), false, S_ISDIR(stx.stx_mode)};
        // A detached recursive copy survives the cover; without open_tree the
        // O_PATH fd itself still reaches the covered mount for a bind.
        int tree = open_tree(entry.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
        if (tree >= 0) {
            m.tree = Fd(tree);
            m.cloned = true;
        } else if (errno == ENOSYS) {
            m.tree = std::move(entry);
        } else {
            throw sys_error(step, sub, errno, "open_tree");
        }
        held.push_back(std::move(m));
    }
    return held;
}

void LinuxSys::reattach(const Fd& new_dir, HeldMount& held, const std::string& path) {
    const char* step = "reattach mount";
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

    if (held.cloned) {
        if (move_mount(held.tree.get(), "", point.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            throw sys_error(step, sub, errno, "move_mount");
        return;
    }
    const std::string from = "/proc/thread-self/fd/" + std::to_string(held.tree.get());
    const std::string to = "/proc/thread-self/fd/" + std::to_string(point.get());
    if (mount(from.c_str(), to.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        throw sys_error(step, sub, errno, "bind mount");
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
