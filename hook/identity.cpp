#include "identity.hpp"

#include <algorithm>

#include "../oci/mount.hpp"

namespace agenthook {

namespace {

// A fresh tmpfs made for this container: its superblock is mounted once in
// the whole namespace, at its root. A bind of a host tmpfs shares the
// superblock with the host's mount of it (the namespace is a copy of the
// host's until the pivot).
bool fresh_tmpfs(const std::vector<MountInfo>& table, const MountInfo& m) {
    if (m.fstype != "tmpfs" || m.root != "/") return false;
    return std::count_if(table.begin(), table.end(), [&](const MountInfo& o) { return o.dev == m.dev; }) == 1;
}

// crun and runc apply a spec's "rro" recursively: every mount beneath such
// a spec mount becomes read-only too. Judged by mount point, which only
// ever errs towards read-only, and so towards refusing.
bool under_recursive_read_only(const MountView& view, const MountInfo& m) {
    const MountInfo* cur = &m;
    for (std::size_t depth = 0; cur && depth < view.table.size(); ++depth) {
        if (auto where = inside_rootfs(view.rootfs_path, cur->mount_point))
            for (const auto& s : view.spec)
                if (s.recursive_read_only && s.destination == *where) return true;
        if (cur->mnt_id == view.rootfs_mnt_id) break;
        cur = find_mount(view.table, cur->parent_id);
    }
    return false;
}

}  // namespace

std::optional<std::string> inside_rootfs(const std::string& rootfs_path, const std::string& kernel_path) {
    if (kernel_path == rootfs_path) return "/";
    if (!oci::is_strict_ancestor(rootfs_path, kernel_path)) return std::nullopt;
    return rootfs_path == "/" ? kernel_path : kernel_path.substr(rootfs_path.size());
}

MountIdentity identify_mount(const MountView& view, uint64_t mnt_id, const DevIno& root, bool read_only_now) {
    MountIdentity id;
    id.read_only = read_only_now;
    const MountInfo* m = find_mount(view.table, mnt_id);
    if (!m) {
        id.where = "mount " + std::to_string(mnt_id) + " (missing from mountinfo)";
        return id;
    }
    id.fstype = m->fstype;
    id.source = m->source;
    if (mnt_id == view.rootfs_mnt_id) {
        id.kind = MountKind::Rootfs;
        id.where.assign(1, '/');  // GCC 12 -O3 warns (-Wrestrict) on = "/" here
        return id;
    }
    auto where = inside_rootfs(view.rootfs_path, m->mount_point);
    id.where = where ? *where : m->mount_point;

    // The last entry at a destination is the one on top.
    for (std::size_t i = view.spec.size(); where && i-- > 0;) {
        const SpecMount& s = view.spec[i];
        if (s.destination != *where) continue;
        bool made_it = s.bind ? view.source_ids[i] && *view.source_ids[i] == root
                              : s.is_tmpfs() && fresh_tmpfs(view.table, *m);
        if (!made_it) continue;
        id.kind = s.bind ? MountKind::SpecBind : MountKind::SpecTmpfs;
        id.entry = &s;
        id.read_only = read_only_now || s.read_only || s.recursive_read_only || under_recursive_read_only(view, *m);
        return id;
    }
    // Not the spec's at this mount point: name the bind it came from, if any.
    for (std::size_t i = 0; i < view.spec.size(); ++i)
        if (view.spec[i].bind && view.source_ids[i] && *view.source_ids[i] == root) {
            id.entry = &view.spec[i];
            break;
        }
    return id;
}

std::string foreign_reason(const MountIdentity& id) {
    if (id.entry)
        return "the spec's " + id.entry->destination + " mount (source " + id.entry->source + "), redirected to " +
               id.where + " by a symlink in the rootfs";
    return "the mount at " + id.where + " (" + id.fstype + " " + id.source + ") matches no spec entry at " +
           id.where;
}

std::string describe_mount(const MountIdentity& id) {
    switch (id.kind) {
        case MountKind::Rootfs: return "the rootfs";
        case MountKind::SpecTmpfs: return "the spec's tmpfs at " + id.where;
        case MountKind::SpecBind:
            return "the spec's " + id.where + " volume (source " + id.entry->source + ")";
        case MountKind::Foreign: break;
    }
    return foreign_reason(id);
}

}  // namespace agenthook
