#pragma once
// PURE: which spec entry made the mount that really holds a path.
//
// Runtimes follow symlinks inside the rootfs when they place a mount, so an
// image that ships /data -> /agent-home gets the spec's /data volume
// mounted at /agent-home. The spec's destination strings therefore say
// nothing certain about what sits at a path; the kernel does: the mount
// holding an fd (its id, mount point, superblock, root inode), matched to
// the spec entry that made it. A mount that matches no entry at its own
// mount point was redirected, or is not the spec's at all: hook mode never
// creates, chowns or chmods anything in it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "live_plan.hpp"
#include "mountinfo.hpp"

namespace agenthook {

struct DevIno {
    uint64_t dev = 0;
    uint64_t ino = 0;
    bool operator==(const DevIno&) const = default;
};

// The container's mounts as the kernel shows them, and the spec they came from.
struct MountView {
    std::vector<MountInfo> table;      // the container namespace's mountinfo
    std::string rootfs_path;           // the rootfs directory as mountinfo names it
    uint64_t rootfs_mnt_id = 0;        // the mount holding the rootfs directory
    std::vector<SpecMount> spec;       // the spec's mounts, in order
    std::vector<std::optional<DevIno>> source_ids;  // per spec entry: its bind source's root, if a bind
};

enum class MountKind {
    Rootfs,     // the mount holding the rootfs itself: the image's directories
    SpecTmpfs,  // a fresh tmpfs the spec creates at exactly this mount point
    SpecBind,   // the spec's bind whose source is this mount's root, at exactly its destination
    Foreign,    // anything else: redirected by a symlink, or not the spec's
};

struct MountIdentity {
    MountKind kind = MountKind::Foreign;
    const SpecMount* entry = nullptr;  // the spec entry that made it (Foreign: the one it came from, if known)
    std::string where;                 // its mount point inside the rootfs ("/agent-home"), or the kernel's path
    std::string fstype, source;        // from mountinfo, for messages
    bool read_only = false;            // read-only now, or made so by the spec after the hooks (ro, rro above)
};

// Identifies mount `mnt_id` (its root directory is `root`; `read_only_now`
// is its ST_RDONLY flag). `view.source_ids` must be parallel to `view.spec`.
MountIdentity identify_mount(const MountView& view, uint64_t mnt_id, const DevIno& root, bool read_only_now);

// "the spec's /data mount (source /srv/vol), redirected to /agent-home by a
// symlink in the rootfs", or "the mount at /x (tmpfs tmpfs) matches no spec
// entry at /x": why a Foreign mount is refused.
std::string foreign_reason(const MountIdentity& id);

// "the rootfs", "the spec's /home volume (source /srv/home)", ...: a mount
// named for messages.
std::string describe_mount(const MountIdentity& id);

// `kernel_path` relative to the rootfs as an in-container path ("/" for
// the rootfs itself), or nullopt when it lies outside.
std::optional<std::string> inside_rootfs(const std::string& rootfs_path, const std::string& kernel_path);

}  // namespace agenthook
