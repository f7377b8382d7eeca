#pragma once
// ENOSPC and EDQUOT name neither the filesystem nor what ran out: an agent
// saw "No space left on device" while df showed the disk half empty (its
// /tmp tmpfs was out of inodes), and a per-user quota looked like a full
// disk. sys_error() (hook/error.hpp) adds this hint to every such error:
// the mount that is full, its type, blocks and inodes free of total, and
// for EDQUOT that a quota, not the disk, is exhausted.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mountinfo.hpp"

namespace agenthook {

// What statfs(2) says about a filesystem.
struct FsUsage {
    uint64_t block_size = 0;  // f_frsize
    uint64_t blocks = 0, blocks_free = 0;
    uint64_t inodes = 0, inodes_free = 0;  // 0 inodes: the filesystem sets no limit
};

// PURE: the mount `path` (absolute, canonical) lives on: the entry with
// `mnt_id` when the kernel gave one (statx STATX_MNT_ID: exact, even under
// bind mounts); else the entry with the longest mount point that is `path`
// or an ancestor of it, the last of equals (mounted on top). nullptr when
// none fits.
const MountInfo* containing_mount(const std::vector<MountInfo>& table, std::optional<uint64_t> mnt_id,
                                  std::string_view path);

// PURE: the hint for `err` (ENOSPC or EDQUOT; empty for anything else) on
// the filesystem mounted at `mount` (nullptr: unknown, named by `path`).
std::string no_space_hint(int err, const MountInfo* mount, const std::string& path, const FsUsage& usage);

// The hint for a syscall on `path` that failed with `err`: reads
// /proc/self/mountinfo and statx()es and statfs()es `path`, or its nearest
// existing ancestor (a file that could not be created). Empty when `err` is
// neither ENOSPC nor EDQUOT, `path` is not absolute, or the filesystem
// cannot be inspected (a sandbox that forbids statfs, say).
std::string no_space_hint_for(const std::string& path, int err);

}  // namespace agenthook
