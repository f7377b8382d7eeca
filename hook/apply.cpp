#include "apply.hpp"

#include <sys/stat.h>

#include <cstdio>

#include "../oci/mount.hpp"
#include "size.hpp"

namespace agenthook {

namespace {

constexpr const char* kMountStep = "mount tmpfs";
constexpr const char* kHomeStep = "set up home";
constexpr const char* kForeignHint =
    "refused: the hook creates, chowns or chmods nothing in a mount it cannot match to its spec entry";
constexpr const char* kReadOnlyHint = "refused: the hook does not write into read-only mounts";

std::string octal(uint32_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", mode);
    return buf;
}

std::string ids(uint32_t uid, uint32_t gid) { return std::to_string(uid) + ":" + std::to_string(gid); }


// Mount-level properties: fs type, flags, size, inodes. Mode and owner of
// the root are a separate, fixable matter.
std::string mount_mismatch(const DirFacts& f, const TmpfsOp& op) {
    if (!f.is_mount_root) return "not a mount point";
    if (!f.is_tmpfs) return "not a tmpfs";
    if (f.mount_fstype != "tmpfs")
        return f.mount_fstype.empty() ? "its mount is missing from mountinfo"
                                      : "mountinfo shows fs type " + f.mount_fstype;
    if (!f.nosuid) return "mounted without nosuid";
    if (!f.nodev) return "mounted without nodev";
    if (f.noexec == op.exec) return op.exec ? "mounted noexec, planned exec" : "mounted without noexec";
    if (f.readonly) return "mounted read-only";
    if (f.size_bytes != page_rounded(op.size_bytes, f.page_size))
        return "size " + std::to_string(f.size_bytes) + " bytes, planned " + format_size(op.size_bytes);
    if (op.nr_inodes != 0 && f.inodes != op.nr_inodes)
        return "nr_inodes " + std::to_string(f.inodes) + ", planned " + std::to_string(op.nr_inodes);
    return "";
}

std::string owner_mode_mismatch(const DirFacts& f, uint32_t mode, uint32_t uid, uint32_t gid) {
    if (!S_ISDIR(f.st_mode)) return "not a directory";
    if ((f.st_mode & 07777) != mode) return "mode " + octal(f.st_mode & 07777) + ", planned " + octal(mode);
    if (f.uid != uid || f.gid != gid) return "owner " + ids(f.uid, f.gid) + ", planned " + ids(uid, gid);
    return "";
}

// The overflow id the kernel shows for a host id with no mapping.
constexpr uint32_t kOverflowId = 65534;

// Facts with the owner as the container sees it.
DirFacts as_container_sees(DirFacts f, const IdMaps& maps) {
    f.uid = map_to_container(maps.uid, f.uid).value_or(kOverflowId);
    f.gid = map_to_container(maps.gid, f.gid).value_or(kOverflowId);
    return f;
}

// A target that lies at or beneath a tmpfs the hook mounts earlier in the
// plan ends up inside the hook's own fresh tmpfs: nothing there to judge.
bool in_hook_tmpfs(const std::vector<TmpfsOp>& tmpfs, std::size_t before, const std::string& path) {
    for (std::size_t j = 0; j < before && j < tmpfs.size(); ++j)
        if (oci::is_strict_ancestor(tmpfs[j].target, path)) return true;
    return false;
}

// Spec mounts strictly beneath tmpfs target `i` that its step must leave
// visible on top of the new tmpfs: those at or beneath a deeper target are
// that target's business.
std::vector<std::size_t> spec_beneath(const LivePlan& plan, std::size_t i) {
    const std::string& target = plan.tmpfs[i].target;
    std::vector<std::size_t> out;
    for (std::size_t k = 0; k < plan.spec_mounts.size(); ++k) {
        const std::string& dest = plan.spec_mounts[k].destination;
        if (!oci::is_strict_ancestor(target, dest)) continue;
        bool deeper = false;
        for (const auto& other : plan.tmpfs)
            if (oci::is_strict_ancestor(target, other.target) && oci::is_at_or_under(dest, other.target)) deeper = true;
        if (!deeper) out.push_back(k);
    }
    return out;
}

// Everything the steps share.
struct Run {
    Sys& sys;
    const LivePlan& plan;
    IdMaps maps;
    Owner root_owner;             // host ids of the container's root: the owner of each tmpfs root
    Owner home_owner;             // host ids of the home's owner
    MountView view;
    std::vector<HeldMount> copies;  // per spec entry: a detached copy of a bind beneath a tmpfs target
    Fd root;
};

DirFacts inspect_with(Run& run, const std::vector<MountInfo>& table, const Fd& dir, const std::string& path) {
    DirFacts f = run.sys.inspect(dir, path);
    if (const MountInfo* m = find_mount(table, f.mnt_id)) {
        f.mount_fstype = m->fstype;
        f.mount_shared = is_shared(*m);
    } else {
        f.mount_shared = true;  // unknown propagation: never mount on it (mount_fstype "" says why)
    }
    return f;
}

// Which spec entry made the mount that holds `dir`.
MountIdentity holder_of(Run& run, const Fd& dir, const DirFacts& f, const std::string& path) {
    DevIno root;
    if (f.is_mount_root) root = f.inode;
    else if (f.mnt_id != run.view.rootfs_mnt_id) root = run.sys.mount_root_of(dir, path);
    return identify_mount(run.view, f.mnt_id, root, f.readonly);
}

// The hook may create a missing target in the rootfs and in the spec's own
// writable mounts (as runtimes create missing mount points in a volume),
// never in a mount it cannot identify or a read-only one.
void require_creatable(const MountIdentity& holder, const Found& found, const std::string& target, const char* step) {
    const std::string missing = "missing, and " + found.path + " lies in ";
    if (holder.kind == MountKind::Foreign) throw HookError(step, target, missing + foreign_reason(holder), 0, kForeignHint);
    if (holder.read_only)
        throw HookError(step, target, missing + describe_mount(holder) + ", which the spec mounts read-only", 0,
                        kReadOnlyHint);
}

struct TmpfsStep {
    const TmpfsOp* op = nullptr;
    bool in_hook_tmpfs = false;
    Found found;                  // the target, or its deepest existing ancestor
    DirFacts facts;               // of found.dir
    TmpfsAction action = TmpfsAction::Mount;
    std::vector<std::pair<std::string, uint64_t>> beneath;  // visible mounts beneath: relative, mount id
    std::vector<std::size_t> copies;                        // spec entries to attach from their copies
    Fd result;                    // the target's directory after acting, for verification
};

std::string relative_to(const std::string& target, const std::string& path) { return path.substr(target.size()); }

TmpfsStep survey_tmpfs(Run& run, std::size_t i) {
    const auto& table = run.view.table;
    TmpfsStep s;
    s.op = &run.plan.tmpfs[i];
    const TmpfsOp& op = *s.op;
    s.in_hook_tmpfs = in_hook_tmpfs(run.plan.tmpfs, i, op.target);
    const auto under = spec_beneath(run.plan, i);
    if (s.in_hook_tmpfs) {
        s.copies = under;  // nothing of the runtime's is visible inside the hook's own tmpfs
    } else {
        s.found = run.sys.find_dir(run.root, op.target);
        s.facts = inspect_with(run, table, s.found.dir, s.found.path);
        if (!s.found.missing.empty()) {
            require_creatable(holder_of(run, s.found.dir, s.facts, s.found.path), s.found, op.target, kMountStep);
        } else {
            if (s.facts.is_mount_root &&
                holder_of(run, s.found.dir, s.facts, op.target).kind == MountKind::SpecTmpfs)
                s.action = decide_tmpfs(s.facts, op, run.root_owner);
            const std::string dir = run.sys.kernel_path(s.found.dir, op.target);
            for (const MountInfo* c : visible_children(table, s.facts.mnt_id, dir))
                s.beneath.emplace_back(c->mount_point.substr(dir.size()), c->mnt_id);
            for (std::size_t k : under) {
                std::string rel = relative_to(op.target, run.plan.spec_mounts[k].destination);
                bool carried = false;  // moved along with a visible mount at or above it
                for (const auto& b : s.beneath) carried = carried || oci::is_at_or_under(rel, b.first);
                if (!carried) s.copies.push_back(k);
            }
            // The runtime hid a spec mount under its own tmpfs there: cover it all.
            if (!s.copies.empty()) s.action = TmpfsAction::Mount;
        }
    }
    for (std::size_t k : s.copies) {
        const SpecMount& m = run.plan.spec_mounts[k];
        if (!m.bind)
            throw HookError(kMountStep, m.destination,
                            "hidden beneath " + op.target + " (the spec lists it before " + op.target +
                                "), and the hook can put back only bind mounts",
                            0, "refused: list it after " + op.target + " in the spec");
        if (!run.copies[k].tree.valid())
            throw HookError(kMountStep, m.destination,
                            "hidden beneath " + op.target + " (the spec lists it before " + op.target +
                                "), and the kernel offers no open_tree/mount_setattr to put a copy back",
                            0, "refused: list it after " + op.target + " in the spec");
    }
    if (s.action == TmpfsAction::Mount && !s.in_hook_tmpfs) {
        if (s.facts.mount_fstype.empty())
            throw HookError(kMountStep, op.target,
                            "the mount holding it is missing from mountinfo, so its propagation "
                            "cannot be checked (refused)");
        if (s.facts.mount_shared)
            throw HookError(kMountStep, op.target,
                            "the mount holding it has shared propagation; a new mount would "
                            "propagate out of the container (refused)");
    }
    return s;
}

void act_tmpfs(Run& run, TmpfsStep& s, std::vector<std::string>& log) {
    const TmpfsOp& op = *s.op;
    Fd dir = s.in_hook_tmpfs        ? run.sys.open_dir_in_root(run.root, op.target, true)
             : s.found.missing.empty() ? std::move(s.found.dir)
                                       : run.sys.make_dirs(s.found);
    switch (s.action) {
        case TmpfsAction::Keep:
            log.push_back("kept tmpfs " + op.target);
            break;
        case TmpfsAction::Fix:
            run.sys.set_owner(dir, run.root_owner.uid, run.root_owner.gid, op.target);
            run.sys.set_mode(dir, op.mode, op.target);
            log.push_back("fixed owner and mode of tmpfs " + op.target);
            break;
        case TmpfsAction::Mount: {
            std::vector<HeldMount> held;
            for (const auto& [rel, id] : s.beneath) held.push_back(run.sys.hold_mount(dir, rel, id, op.target));
            for (std::size_t k : s.copies) {
                held.push_back(std::move(run.copies[k]));
                held.back().relative = relative_to(op.target, run.plan.spec_mounts[k].destination);
            }
            dir = run.sys.mount_tmpfs(dir, op, run.root_owner);
            for (auto& m : held) run.sys.attach(dir, m, op.target);
            log.push_back("mounted tmpfs " + op.target + " size=" + format_size(op.size_bytes) +
                          (op.exec ? " exec" : " noexec"));
            break;
        }
    }
    s.result = std::move(dir);
}

struct HomeStep {
    bool in_hook_tmpfs = false;
    Found found;
    DirFacts facts;
};

// An existing home the hook would change: only where the change is the
// operator's to make (the rootfs, the spec's own tmpfs, a volume mounted at
// exactly home.path), never in a read-only or unidentified mount.
void require_changeable(const MountIdentity& holder, const DirFacts& f, const HomeOp& op, const std::string& why) {
    if (holder.kind == MountKind::Foreign)
        throw HookError(kHomeStep, op.path, why + ", and it is in " + foreign_reason(holder), 0, kForeignHint);
    if (holder.read_only)
        throw HookError(kHomeStep, op.path,
                        why + ", and it lies in " + describe_mount(holder) + ", which the spec mounts read-only", 0,
                        kReadOnlyHint);
    if (holder.kind == MountKind::SpecBind && !(f.is_mount_root && holder.entry->destination == op.path))
        throw HookError(kHomeStep, op.path,
                        why + ", and it is a directory the hook did not create inside " + describe_mount(holder), 0,
                        "refused: the hook owns only a volume mounted at exactly " + op.path +
                            ", or a home it creates");
}

HomeStep survey_home(Run& run) {
    const auto& table = run.view.table;
    const HomeOp& op = run.plan.home;
    HomeStep s;
    s.in_hook_tmpfs = in_hook_tmpfs(run.plan.tmpfs, run.plan.tmpfs.size(), op.path);
    if (s.in_hook_tmpfs) return s;
    s.found = run.sys.find_dir(run.root, op.path);
    s.facts = inspect_with(run, table, s.found.dir, s.found.path);
    MountIdentity holder = holder_of(run, s.found.dir, s.facts, s.found.path);
    if (!s.found.missing.empty()) {
        require_creatable(holder, s.found, op.path, kHomeStep);
        return s;
    }
    if (auto why = home_mismatch(as_container_sees(s.facts, run.maps), op); !why.empty())
        require_changeable(holder, s.facts, op, why);
    return s;
}

void act_home(Run& run, HomeStep& s, std::vector<std::string>& log) {
    const HomeOp& op = run.plan.home;
    Fd dir = s.in_hook_tmpfs          ? run.sys.open_dir_in_root(run.root, op.path, true)
             : s.found.missing.empty() ? std::move(s.found.dir)
                                       : run.sys.make_dirs(s.found);
    DirFacts f = run.sys.inspect(dir, op.path);
    if (f.uid != run.home_owner.uid || f.gid != run.home_owner.gid)
        run.sys.set_owner(dir, run.home_owner.uid, run.home_owner.gid, op.path);
    if ((f.st_mode & 07777) != op.mode) run.sys.set_mode(dir, op.mode, op.path);
    if (auto why = home_mismatch(as_container_sees(run.sys.inspect(dir, op.path), run.maps), op); !why.empty())
        throw HookError("verify home", op.path, why + " (as the container sees it)");
    log.push_back("home " + op.path + " owned " + ids(op.uid, op.gid) + " mode " + octal(op.mode));
}

// Ids and spec identities come from the host's view, so they are read
// before entering the container's mount namespace.
void prepare_in_host(Run& run) {
    const LivePlan& plan = run.plan;
    run.maps = run.sys.pin_container(plan.pid);
    const std::string uid_map = "/proc/" + std::to_string(plan.pid) + "/uid_map";
    const std::string gid_map = "/proc/" + std::to_string(plan.pid) + "/gid_map";
    run.root_owner = {host_id_of(run.maps.uid, 0, uid_map, "uid"), host_id_of(run.maps.gid, 0, gid_map, "gid")};
    run.home_owner = {host_id_of(run.maps.uid, plan.home.uid, uid_map, "home uid"),
                      host_id_of(run.maps.gid, plan.home.gid, gid_map, "home gid")};

    run.view.spec = plan.spec_mounts;
    run.view.source_ids.resize(plan.spec_mounts.size());
    run.copies.resize(plan.spec_mounts.size());
    for (std::size_t k = 0; k < plan.spec_mounts.size(); ++k) {
        const SpecMount& m = plan.spec_mounts[k];
        if (!m.bind) continue;
        run.view.source_ids[k] = run.sys.host_identity(m.source);
    }
    // A copy of each bind beneath a tmpfs target, in case the runtime hid
    // it: open_tree can copy only mounts of the caller's own namespace.
    for (std::size_t i = 0; i < plan.tmpfs.size(); ++i)
        for (std::size_t k : spec_beneath(plan, i))
            if (plan.spec_mounts[k].bind && !run.copies[k].tree.valid())
                run.copies[k] = run.sys.clone_bind(plan.spec_mounts[k]);
}

}  // namespace

TmpfsAction decide_tmpfs(const DirFacts& facts, const TmpfsOp& op, const Owner& owner) {
    if (!mount_mismatch(facts, op).empty()) return TmpfsAction::Mount;
    if (!owner_mode_mismatch(facts, op.mode, owner.uid, owner.gid).empty()) return TmpfsAction::Fix;
    return TmpfsAction::Keep;
}

std::string tmpfs_mismatch(const DirFacts& facts, const TmpfsOp& op, const Owner& owner) {
    std::string why = mount_mismatch(facts, op);
    if (why.empty()) why = owner_mode_mismatch(facts, op.mode, owner.uid, owner.gid);
    return why;
}

std::string home_mismatch(const DirFacts& facts, const HomeOp& op) {
    return owner_mode_mismatch(facts, op.mode, op.uid, op.gid);
}

std::vector<std::string> apply(const LivePlan& plan, Sys& sys) {
    Run run{sys, plan, {}, {}, {}, {}, {}, Fd()};
    prepare_in_host(run);

    sys.enter_mount_ns();
    run.root = sys.open_rootfs(plan.rootfs);
    // The one mountinfo read before acting: every survey below (all tmpfs
    // targets and the home) looks at this table; none re-reads it.
    run.view.table = parse_mountinfo(sys.read_mountinfo());
    run.view.rootfs_path = sys.kernel_path(run.root, plan.rootfs);
    run.view.rootfs_mnt_id = sys.inspect(run.root, plan.rootfs).mnt_id;

    // Every refusal that can be known before acting is raised here, for
    // every target, before the first directory is made or mount is moved.
    std::vector<TmpfsStep> steps;
    for (std::size_t i = 0; i < plan.tmpfs.size(); ++i) steps.push_back(survey_tmpfs(run, i));
    HomeStep home = survey_home(run);

    std::vector<std::string> log;
    for (auto& s : steps) act_tmpfs(run, s, log);

    // The second and last read: the verification must see the mounts the
    // hook has just made, which the first table cannot hold. (Only the
    // mount(2) fallback for kernels without fsopen, mount_tmpfs_classic,
    // reads once more per target: it has no fd from the kernel and must
    // find the new mount by its place.)
    const auto after = parse_mountinfo(sys.read_mountinfo());
    for (auto& s : steps)
        if (auto why = tmpfs_mismatch(inspect_with(run, after, s.result, s.op->target), *s.op, run.root_owner);
            !why.empty())
            throw HookError("verify tmpfs", s.op->target, why);
    act_home(run, home, log);
    return log;
}

}  // namespace agenthook
