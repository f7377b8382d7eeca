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
#include <optional>
#include <string>
#include <vector>

#include "fd.hpp"
#include "id_map.hpp"
#include "identity.hpp"
#include "live_plan.hpp"
#include "safe_path.hpp"

namespace agenthook {

// What the hook needs to know about a directory it resolved.
struct DirFacts {
    uint32_t st_mode = 0;       // full st_mode (type and permission bits)
    uint32_t uid = 0;           // host ids
    uint32_t gid = 0;
    DevIno inode;               // st_dev, st_ino
    bool is_mount_root = false; // the fd is the root of a mount
    uint64_t mnt_id = 0;        // the mount the fd is on (the top one at a mount point)
    bool is_tmpfs = false;      // fstatfs f_type == TMPFS_MAGIC
    bool nosuid = false, nodev = false, noexec = false, readonly = false; // per-mount flags
    uint64_t size_bytes = 0;    // f_blocks * f_bsize (tmpfs: its size= rounded up to pages)
    uint64_t page_size = 4096;
    uint64_t inodes = 0;        // fstatfs f_files (tmpfs: its nr_inodes)
    uint64_t free_bytes = 0;    // f_bfree * f_bsize (doctor and df: the use of a mount)
    uint64_t free_inodes = 0;   // f_ffree
    // From the mountinfo line of mnt_id, filled in by apply() from its table:
    std::string mount_fstype;   // "" when the mount is missing from mountinfo
    bool mount_shared = false;  // shared propagation (or unknown: missing)
};

// A mount to put on top of a tmpfs the hook mounts: the original mount that
// sat beneath the covered directory (moved, so the runtime's later flag
// changes on it still land), or a detached copy of a spec bind the runtime
// had hidden (made with the spec's flags).
struct HeldMount {
    std::string relative;  // beneath the covered directory: "/.X11-unix"
    Fd tree;               // the mount's root (O_PATH), or the detached copy
    bool is_dir = true;    // the mount point is a directory (else a file: a socket or file bind)
};

struct Owner {
    uint32_t uid = 0;
    uint32_t gid = 0;
};

class Sys {
public:
    virtual ~Sys() = default;

    // --- in the host's mount namespace, before enter_mount_ns ---

    // Pins process `pid` (pidfd), opens its mount namespace and refuses one
    // that is the hook's own or the host init's; returns the user-namespace
    // id maps the kernel reports for it.
    virtual IdMaps pin_container(int pid) = 0;

    // (st_dev, st_ino) of a spec bind's source, a trusted host path;
    // nullopt when it cannot be stat'ed.
    virtual std::optional<DevIno> host_identity(const std::string& host_path) = 0;

    // A detached copy of a spec bind's source with the spec's flags, to
    // attach inside the container; its tree is an invalid Fd when the
    // kernel (or a seccomp filter) lacks open_tree or mount_setattr.
    virtual HeldMount clone_bind(const SpecMount& m) = 0;

    // setns into the mount namespace pin_container checked.
    virtual void enter_mount_ns() = 0;

    // --- inside the container's mount namespace ---

    // The namespace's /proc/<self>/mountinfo, read through the procfs the
    // hook opened before entering (never the namespace's /proc by name).
    virtual std::string read_mountinfo() = 0;

    // Opens the rootfs directory (a trusted host path from the bundle) as an
    // O_PATH fd; refuses it when it is the namespace's own root "/".
    virtual Fd open_rootfs(const std::string& host_path) = 0;

    // How mountinfo names the directory of `dir` (its path from our root).
    virtual std::string kernel_path(const Fd& dir, const std::string& path_for_errors) = 0;

    // Resolves `path` (absolute, normalized) beneath `root` as far as it
    // exists. A symlink or non-directory in any component is refused.
    virtual Found find_dir(const Fd& root, const std::string& path) = 0;

    // Resolves `path` beneath `root` to an O_PATH directory fd, creating
    // missing components with create_missing (used inside the hook's own
    // tmpfs only).
    virtual Fd open_dir_in_root(const Fd& root, const std::string& path, bool create_missing) = 0;

    // Creates found.missing one at a time beneath found.dir (mode 0755),
    // never following a link and never crossing into another mount; returns
    // the last one.
    virtual Fd make_dirs(const Found& found) = 0;

    // fstat + fstatfs + statx(mount root, mnt id).
    virtual DirFacts inspect(const Fd& dir, const std::string& path_for_errors) = 0;

    // (st_dev, st_ino) of the root of the mount holding `dir`, found by
    // walking ".." up to it (never a link).
    virtual DevIno mount_root_of(const Fd& dir, const std::string& path_for_errors) = 0;

    // New tmpfs on top of `target` with exactly op's flags, size, mode and
    // `owner` (host ids) on its root. Returns an fd on the new mount's root,
    // proven by mount id to be the mount made on `target`: nothing is looked
    // up by name from the rootfs while the container may be renaming it.
    virtual Fd mount_tmpfs(const Fd& target, const TmpfsOp& op, const Owner& owner) = 0;

    // Holds the mount `mnt_id` whose mount point is `relative` beneath `dir`.
    virtual HeldMount hold_mount(const Fd& dir, const std::string& relative, uint64_t mnt_id,
                                 const std::string& path_for_errors) = 0;

    // Creates the mount point of `held` beneath `new_dir` (a tmpfs the hook
    // just mounted) and moves or attaches the held mount there.
    virtual void attach(const Fd& new_dir, HeldMount& held, const std::string& path_for_errors) = 0;

    virtual void set_mode(const Fd& dir, uint32_t mode, const std::string& path_for_errors) = 0;
    virtual void set_owner(const Fd& dir, uint32_t uid, uint32_t gid,
                           const std::string& path_for_errors) = 0;
};

}  // namespace agenthook
