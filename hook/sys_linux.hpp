#pragma once
// The real Sys: the only file set that issues setns, openat2, fsopen,
// move_mount and mount. Resolution inside the rootfs lives in safe_path.
#include "sys.hpp"

namespace agenthook {

class LinuxSys : public Sys {
public:
    void enter_mount_ns(int pid) override;
    Fd open_rootfs(const std::string& host_path) override;
    Fd open_dir_in_root(const Fd& root, const std::string& path, bool create_missing) override;
    DirFacts inspect(const Fd& dir, const std::string& path_for_errors) override;
    Fd mount_tmpfs(const Fd& target, const TmpfsOp& op) override;
    std::vector<HeldMount> hold_submounts(const Fd& dir, const std::string& path_for_errors) override;
    void reattach(const Fd& new_dir, HeldMount& held, const std::string& path_for_errors) override;
    void set_mode(const Fd& dir, uint32_t mode, const std::string& path_for_errors) override;
    void set_owner(const Fd& dir, uint32_t uid, uint32_t gid,
                   const std::string& path_for_errors) override;

    // The two ways mount_tmpfs can mount, public so each can be tested.
    // New mount API (fsopen/fsconfig/fsmount/move_mount); returns the new
    // mount's root, or an invalid Fd, having changed nothing, when the kernel
    // lacks the API (fsopen: ENOSYS).
    Fd mount_tmpfs_fs_api(const Fd& target, const TmpfsOp& op);
    // mount(2) onto /proc/thread-self/fd/N, which resolves to the fd itself.
    void mount_tmpfs_classic(const Fd& target, const TmpfsOp& op);
};

}  // namespace agenthook
