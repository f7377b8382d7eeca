#pragma once
// The thin syscall layer of the sweep: open the directory to sweep, scan its
// matching top entries into SweepNode trees, carry out a SweepPlan.
//
// Safety rules, all by fd: every directory is opened relative to its parent
// fd with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|
// RESOLVE_NO_XDEV) (or, where the kernel lacks openat2, openat with
// O_NOFOLLOW|O_DIRECTORY and a check that it is the scanned inode on the
// same mount); every entry is described with statx(AT_SYMLINK_NOFOLLOW) and
// removed with unlinkat relative to its parent fd. A symlink is never
// followed; another mount (a different st_dev or mount id, a bind mount of
// the same filesystem included) is never entered.
#include <cstdint>
#include <string>
#include <vector>

#include "fd.hpp"
#include "sweep_plan.hpp"

namespace agenthook {

// Deeper than this, a top entry is not read whole (and so left alone).
inline constexpr int kSweepMaxDepth = 256;
// At most this many entries are scanned in one swept directory (about
// 100 bytes of memory each); the top entry that meets the bound is not read
// whole, and the ones after it are not scanned.
inline constexpr std::size_t kSweepMaxEntries = 1000000;

// A host directory given by the operator (--path, cleanup.teardown_paths),
// opened for reading. Throws HookError.
Fd open_host_dir(const std::string& path);

// The /tmp of the container whose process is `pid`, reached through
// /proc/<pid>/root (no fork, no setns: the fd walks the container's mount
// tree from the host), its "tmp" opened with O_NOFOLLOW|O_DIRECTORY. A
// process in the host's mount namespace (ours or pid 1's) is refused, and
// the pid is pinned with a pidfd so a reused pid cannot swap the process.
Fd open_container_tmp(int pid);

// The matching top entries of `root`, scanned. Problems (an unreadable
// directory, a limit) are appended to `errors` as one-line messages naming
// the path (under `where`, the display name of `root`); the entry concerned is marked incomplete.
std::vector<SweepNode> scan_sweep_root(int root, const std::vector<std::string>& patterns, const std::string& where,
                                       std::vector<std::string>& errors);

struct SweepDone {
    uint64_t entries = 0, bytes = 0, inodes = 0;
};

// Removes what `plan` lists, each entry only if it is still the scanned one
// (same inode, a file's times unchanged) and on the same mount; an entry
// gone, changed or a directory no longer empty is skipped silently. Other
// failures are appended to `errors`.
SweepDone carry_out(int root, const SweepPlan& plan, const std::string& where, std::vector<std::string>& errors);

}  // namespace agenthook
