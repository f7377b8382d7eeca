#pragma once
// The only syscall seam of hook mode. apply() talks to the kernel through
// this interface alone; sys_linux.cpp is the real implementation (the only
// file with setns/openat2/fsopen/move_mount), tests/fake_sys.hpp records
// typed calls. Every method throws HookError naming step, path and errno.
//
// Security rule for every implementation: a path inside the rootfs is never
// handed to the kernel as a string to resolve from the host's point of view.
// It is resolved once, inside the rootfs fd, refusing symlinks in every
// component, to an O_PATH fd; all later actions use that fd.
#include <cstdint>
#include <string>
#include <vector>

#include "fd.hpp"
#include "live_plan.hpp"

namespace agenthook {

// What the hook needs to know about a directory it resolved.
struct DirFacts {
    uint32_t st_mode = 0;       // full st_mode (type and permission bits)
    uint32_t uid = 0;
    uint32_t gid = 0;
    bool is_mount_root = false; // the fd is the root of a mount
    uint64_t mnt_id = 0;
    bool is_tmpfs = false;      // fstatfs f_type == TMPFS_MAGIC
    bool nosuid = false, nodev = false, noexec = false, readonly = false; // per-mount flags
    uint64_t size_bytes = 0;    // f_blocks * f_bsize (tmpfs: its size= rounded up to pages)
    uint64_t page_size = 4096;
    bool mount_shared = false;  // the mount holding the fd has shared propagation
    uint64_t inodes = 0;        // fstatfs f_files (tmpfs: its nr_inodes)
    std::string mount_fstype;   // the fs type of its mount in /proc/thread-self/mountinfo ("" if not found)
};

// A mount found beneath a directory that is about to be covered by a new
// tmpfs, held by fd so it can be put back on top of the new mount (a
// /tmp/.X11-unix bind must stay visible when /tmp is replaced).
struct HeldMount {
    std::string relative;  // beneath the covered directory: "/.X11-unix"
    Fd tree;               // a detached clone (new mount API) or an O_PATH fd of its root
    bool cloned = false;
    bool is_dir = true;    // the mount point is a directory (else a file: a socket or file bind)
};

class Sys {
public:
    virtual ~Sys() = default;

    // pidfd_open(pid) and setns(pidfd, CLONE_NEWNS). Refuses a pid that is gone
    // and a pid whose mount namespace is the caller's own.
    virtual void enter_mount_ns(int pid) = 0;

    // Opens the rootfs directory (a trusted host path from the bundle) as an
    // O_PATH fd; refuses it when it is the namespace's own root "/".
    virtual Fd open_rootfs(const std::string& host_path) = 0;

    // Resolves `path` (absolute, normalized, inside the rootfs) beneath `root`
    // to an O_PATH directory fd. Any symlink in any component is refused; a
    // non-directory is refused without being opened for reading. With
    // create_missing, missing components are created one at a time
    // (mkdirat, mode 0755, then re-opened O_NOFOLLOW).
    virtual Fd open_dir_in_root(const Fd& root, const std::string& path, bool create_missing) = 0;

    // fstat + fstatfs + statx(mount root, mnt id) + the mountinfo line of the mount.
    virtual DirFacts inspect(const Fd& dir, const std::string& path_for_errors) = 0;

    // New tmpfs on top of `target` with exactly op's flags, size, mode, ids.
    // Returns an fd on the root of the new mount where the kernel hands one
    // out (the new mount API), so nobody resolves the name again while the
    // container may be renaming it; else an invalid Fd.
    virtual Fd mount_tmpfs(const Fd& target, const TmpfsOp& op) = 0;

    // Holds every outermost mount beneath `dir` (path_for_errors is dir's
    // in-container path). Resolution refuses symlinks as open_dir_in_root does.
    virtual std::vector<HeldMount> hold_submounts(const Fd& dir, const std::string& path_for_errors) = 0;

    // Creates the mount point of `held` beneath `new_dir` (a tmpfs the hook
    // just mounted) and attaches the held mount there.
    virtual void reattach(const Fd& new_dir, HeldMount& held, const std::string& path_for_errors) = 0;

    virtual void set_mode(const Fd& dir, uint32_t mode, const std::string& path_for_errors) = 0;
    virtual void set_owner(const Fd& dir, uint32_t uid, uint32_t gid,
                           const std::string& path_for_errors) = 0;
};

}  // namespace agenthook
