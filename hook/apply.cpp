#include "apply.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "size.hpp"

namespace agenthook {

namespace {

std::string octal(uint32_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", mode);
    return buf;
}

// tmpfs rounds its size up to whole pages.
uint64_t page_rounded(uint64_t bytes, uint64_t page) { return (bytes + page - 1) / page * page; }

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
    if (f.uid != uid || f.gid != gid)
        return "owner " + std::to_string(f.uid) + ":" + std::to_string(f.gid) + ", planned " +
               std::to_string(uid) + ":" + std::to_string(gid);
    return "";
}

std::string read_only_refusal(const std::string& what, const std::string& ro_mount) {
    return what + ", and it lies in " + ro_mount +
           ", which the spec mounts read-only (refused: the hook does not write into read-only mounts)";
}

// Missing directories are created, except inside a mount the spec makes
// read-only: that is someone else's data (a host volume), even where the
// runtime has not applied "ro" yet.
Fd open_target(Sys& sys, const Fd& root, const std::string& path, const std::string& ro_mount) {
    if (ro_mount.empty()) return sys.open_dir_in_root(root, path, true);
    try {
        return sys.open_dir_in_root(root, path, false);
    } catch (const HookError& e) {
        if (e.err != ENOENT) throw;
        throw HookError(e.step, e.path, read_only_refusal("missing", ro_mount), ENOENT);
    }
}

void apply_tmpfs(Sys& sys, const Fd& root, const TmpfsOp& op, std::vector<std::string>& log) {
    Fd dir = open_target(sys, root, op.target, op.read_only_mount);
    DirFacts facts = sys.inspect(dir, op.target);
    switch (decide_tmpfs(facts, op)) {
        case TmpfsAction::Keep:
            log.push_back("kept tmpfs " + op.target);
            break;
        case TmpfsAction::Fix:
            sys.set_owner(dir, op.uid.value_or(0), op.gid.value_or(0), op.target);
            sys.set_mode(dir, op.mode, op.target);
            log.push_back("fixed owner and mode of tmpfs " + op.target);
            break;
        case TmpfsAction::Mount:
            if (facts.mount_fstype.empty())
                throw HookError("mount tmpfs", op.target,
                                "the mount holding it is missing from mountinfo, so its propagation "
                                "cannot be checked (refused)");
            if (facts.mount_shared)
                throw HookError("mount tmpfs", op.target,
                                "the mount holding it has shared propagation; a new mount would "
                                "propagate out of the container (refused)");
            {
                auto held = sys.hold_submounts(dir, op.target);
                // The old fd still names the covered directory. Without an fd
                // on the new mount (classic mount(2)), resolve the name again.
                Fd mounted = sys.mount_tmpfs(dir, op);
                dir = mounted.valid() ? std::move(mounted) : sys.open_dir_in_root(root, op.target, false);
                for (auto& m : held) sys.reattach(dir, m, op.target);
            }
            log.push_back("mounted tmpfs " + op.target + " size=" + format_size(op.size_bytes) +
                          (op.exec ? " exec" : " noexec"));
            break;
    }
    if (auto why = tmpfs_mismatch(sys.inspect(dir, op.target), op); !why.empty())
        throw HookError("verify tmpfs", op.target, why);
}

void apply_home(Sys& sys, const Fd& root, const HomeOp& op, std::vector<std::string>& log) {
    Fd dir = open_target(sys, root, op.path, op.read_only_mount);
    DirFacts facts = sys.inspect(dir, op.path);
    if (auto why = home_mismatch(facts, op); !why.empty() && !op.read_only_mount.empty())
        throw HookError("set up home", op.path, read_only_refusal(why, op.read_only_mount));
    if (facts.uid != op.uid || facts.gid != op.gid) sys.set_owner(dir, op.uid, op.gid, op.path);
    if ((facts.st_mode & 07777) != op.mode) sys.set_mode(dir, op.mode, op.path);
    if (auto why = home_mismatch(sys.inspect(dir, op.path), op); !why.empty())
        throw HookError("verify home", op.path, why);
    log.push_back("home " + op.path + " owned " + std::to_string(op.uid) + ":" + std::to_string(op.gid) +
                  " mode " + octal(op.mode));
}

}  // namespace

TmpfsAction decide_tmpfs(const DirFacts& facts, const TmpfsOp& op) {
    if (!mount_mismatch(facts, op).empty()) return TmpfsAction::Mount;
    if (!owner_mode_mismatch(facts, op.mode, op.uid.value_or(0), op.gid.value_or(0)).empty())
        return TmpfsAction::Fix;
    return TmpfsAction::Keep;
}

std::string tmpfs_mismatch(const DirFacts& facts, const TmpfsOp& op) {
    std::string why = mount_mismatch(facts, op);
    if (why.empty()) why = owner_mode_mismatch(facts, op.mode, op.uid.value_or(0), op.gid.value_or(0));
    return why;
}

std::string home_mismatch(const DirFacts& facts, const HomeOp& op) {
    return owner_mode_mismatch(facts, op.mode, op.uid, op.gid);
}

std::vector<std::string> apply(const LivePlan& plan, Sys& sys) {
    std::vector<std::string> log;
    sys.enter_mount_ns(plan.pid);
    Fd root = sys.open_rootfs(plan.rootfs);
    for (const auto& op : plan.tmpfs) apply_tmpfs(sys, root, op, log);
    apply_home(sys, root, plan.home, log);
    return log;
}

}  // namespace agenthook
