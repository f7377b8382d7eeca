#pragma once
// Resolution of a path inside an untrusted rootfs, by fd only.
//
// The container's owner controls every entry under the rootfs, so no path
// there is given to the kernel as a string from the host's point of view.
// A path is resolved beneath the rootfs fd to an O_PATH fd, refusing a
// symlink (or magic link) in any component and any final object that is not
// a directory. Nothing found on the way is opened for reading or deleted.
#include <optional>
#include <string>
#include <vector>

#include "fd.hpp"

namespace agenthook {

// A path resolved as far as it exists.
struct Found {
    Fd dir;                             // the deepest existing directory on the path
    std::string path;                   // its in-container path
    std::vector<std::string> missing;   // the components below it, not there yet
};

// True when a failure of the first call of a newer kernel API (openat2,
// fsopen, open_tree, mount_setattr) means "use the older way": ENOSYS (an
// older kernel), EPERM (a seccomp profile that refuses unknown syscalls),
// EINVAL (flags an older kernel does not know).
bool kernel_lacks(int err);

// Resolves `abs_path` beneath `rootfd` as far as it exists (openat2 first,
// the component walk where a component is missing). A symlink or a
// non-directory in any existing component is refused, as below.
Found find_dir_beneath(int rootfd, const std::string& abs_path);

// Creates found.missing one at a time beneath found.dir (mkdirat, mode
// 0755 less the umask, re-opened O_NOFOLLOW), refusing to cross into
// another mount on the way; returns the last one.
Fd create_missing_dirs(const Found& found);

// Resolves `abs_path` (absolute and normalized: no ".", ".." or empty
// segments) beneath `rootfd` to an O_PATH|O_CLOEXEC directory fd. Tries
// openat2 first and falls back to the component walk when openat2 is
// unavailable or the walk has to give the verdict (a missing, linked or
// non-directory component). With create_missing, missing components are
// created mode 0755 (less the umask). Throws HookError naming the
// in-container path of the component that failed.
Fd open_dir_beneath(int rootfd, const std::string& abs_path, bool create_missing);

// Like open_dir_walk without creating, except that the last component may be
// of any type but a symlink (the root of a file bind mount, a socket).
Fd open_entry_beneath(int dirfd, const std::string& abs_path);

// The two strategies alone, so each can be tested by itself.

// One openat2(RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS).
// nullopt: the walk must decide (ENOSYS, ENOENT, ELOOP, ENOTDIR, EXDEV,
// EPERM, or EAGAIN after bounded retries). Throws on other errors and when
// the final component is a symlink or not a directory.
std::optional<Fd> open_dir_openat2(int rootfd, const std::string& abs_path);

// openat(parent, component, O_PATH|O_NOFOLLOW) one component at a time,
// fstat-checking each; mkdirat + re-open for a missing one with create_missing.
Fd open_dir_walk(int rootfd, const std::string& abs_path, bool create_missing);

}  // namespace agenthook
