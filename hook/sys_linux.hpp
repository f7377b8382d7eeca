#pragma once
// The real Sys: the only file set that issues setns, openat2, fsopen,
// move_mount and mount. Resolution inside the rootfs lives in safe_path.
#include "sys.hpp"

namespace agenthook {

// pidfd_open(2), and whether a pidfd's process still lives (pidfd_send_signal
// with signal 0; EPERM counts as alive, ESRCH leaves errno set): raw syscalls, as glibc 2.36's <sys/pidfd.h> declares its
// wrappers without extern "C" (from C++ they do not link).
int open_pidfd(pid_t pid);
bool pidfd_alive(int pidfd);

// Whether the mount namespace `nsfd` is the host's: this process's own or
// pid 1's (runc's state at createContainer carries pid 1). Throws HookError
// naming `path_for_errors` when it cannot tell.
enum class HostMountNs { No, Ours, Init };
HostMountNs host_mount_ns(int nsfd, const std::string& path_for_errors);

class LinuxSys : public Sys {
public:
    IdMaps pin_container(int pid) override;
    std::optional<DevIno> host_identity(const std::string& host_path) override;
    HeldMount clone_bind(const SpecMount& m) override;
    void enter_mount_ns() override;
    std::string read_mountinfo() override;
    Fd open_rootfs(const std::string& host_path) override;
    std::string kernel_path(const Fd& dir, const std::string& path_for_errors) override;
    Found find_dir(const Fd& root, const std::string& path) override;
    Fd open_dir_in_root(const Fd& root, const std::string& path, bool create_missing) override;
    Fd make_dirs(const Found& found) override;
    DirFacts inspect(const Fd& dir, const std::string& path_for_errors) override;
    DevIno mount_root_of(const Fd& dir, const std::string& path_for_errors) override;
    Fd mount_tmpfs(const Fd& target, const TmpfsOp& op, const Owner& owner) override;
    HeldMount hold_mount(const Fd& dir, const std::string& relative, uint64_t mnt_id,
                         const std::string& path_for_errors) override;
    void attach(const Fd& new_dir, HeldMount& held, const std::string& path_for_errors) override;
    void set_mode(const Fd& dir, uint32_t mode, const std::string& path_for_errors) override;
    void set_owner(const Fd& dir, uint32_t uid, uint32_t gid,
                   const std::string& path_for_errors) override;

private:
    // The two ways mount_tmpfs can mount. New mount API (fsopen/fsconfig/
    // fsmount/move_mount): returns the new mount's root, or an invalid Fd,
    // having changed nothing, when the kernel lacks the API.
    Fd mount_tmpfs_fs_api(const Fd& target, const TmpfsOp& op, const Owner& owner);
    // mount(2) onto the target's magic link, then the new root re-opened from
    // the target's parent and proven by mount id to be that mount.
    Fd mount_tmpfs_classic(const Fd& target, const TmpfsOp& op, const Owner& owner);

    // "fd/N": the magic link of `fd` in the host's procfs, relative to the
    // working directory enter_mount_ns sets (that procfs directory), so
    // nothing in the container's namespace is looked up by name for it.
    static std::string magic_link(const Fd& fd);

    Fd pidfd_;  // pins the container's process: its pid is not reused while this is open
    Fd nsfd_;   // the mount namespace that was checked, and is entered
    Fd proc_;   // /proc/<our pid> of the host's procfs, opened before entering
};

}  // namespace agenthook
