#pragma once
// A Sys that records typed calls and answers from a small model of a
// container: directories by in-container path (each on a mount id), a
// mountinfo text, host identities of bind sources, and id maps. apply() is
// tested against it for every decision and every failure point.
#include <fcntl.h>

#include <map>
#include <string>
#include <vector>

#include "hook/error.hpp"
#include "hook/sys.hpp"

namespace agenthook {

inline constexpr uint64_t kRootfsMount = 60;
inline constexpr const char* kRootfsLine = "60 1 8:1 /b/rootfs /b/rootfs rw - ext4 /dev/vda rw\n";

// A plan with /tmp, one excluded path and the home, for the apply tests.
inline LivePlan sample_plan() {
    LivePlan p;
    p.pid = 4242;
    p.rootfs = "/b/rootfs";
    p.tmpfs.push_back(TmpfsOp{"/tmp", 512ull << 20, 01777, false, 0, ""});
    p.tmpfs.push_back(TmpfsOp{"/workspace/node_modules", 1ull << 30, 01777, true, 0, ""});
    p.home = HomeOp{"/agent-home", 1000, 1000, 0755};
    return p;
}

class FakeSys : public Sys {
public:
    std::vector<std::string> calls;
    std::map<std::string, DirFacts> dirs;      // in-container path -> current facts ("/" is the rootfs)
    std::map<std::string, DevIno> mount_roots; // in-container path -> root of the mount holding it
    std::map<std::string, DevIno> sources;     // host path -> identity (spec bind sources)
    std::string mountinfo = kRootfsLine;
    std::string uid_map = "0 0 4294967295\n", gid_map = "0 0 4294967295\n";
    std::string fail_on;                       // a call name ("mount_tmpfs", ...) that throws
    bool mount_takes_effect = true;            // false: the mount "succeeds" but nothing changes
    bool can_copy_binds = true;                // false: like a kernel without open_tree
    uint64_t next_mount = 100;

    static DirFacts plain_dir(uint32_t mode = 0755, uint64_t mnt_id = kRootfsMount) {
        DirFacts f;
        f.st_mode = 040000 | mode;
        f.mnt_id = mnt_id;
        return f;
    }

    FakeSys() { dirs["/"] = plain_dir(); }

    IdMaps pin_container(int pid) override {
        record("pin_container " + std::to_string(pid));
        return {parse_proc_id_map(uid_map, "uid_map"), parse_proc_id_map(gid_map, "gid_map")};
    }
    std::optional<DevIno> host_identity(const std::string& path) override {
        if (!sources.count(path)) return std::nullopt;
        return sources.at(path);
    }
    HeldMount clone_bind(const SpecMount& m) override {
        record("clone_bind " + m.source);
        HeldMount h;
        if (can_copy_binds) h.tree = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        return h;
    }
    void enter_mount_ns() override { record("enter_mount_ns"); }
    std::string read_mountinfo() override { return mountinfo; }
    Fd open_rootfs(const std::string& path) override {
        record("open_rootfs " + path);
        return Fd(-1);
    }
    std::string kernel_path(const Fd&, const std::string& path) override {
        return path == "/b/rootfs" || path == "/" ? "/b/rootfs" : "/b/rootfs" + path;
    }
    Found find_dir(const Fd&, const std::string& path) override {
        record("find_dir " + path);
        Found f{Fd(-1), "/", {}};
        std::string at;
        std::size_t pos = 1;
        while (pos <= path.size()) {
            std::size_t slash = path.find('/', pos);
            if (slash == std::string::npos) slash = path.size();
            std::string name = path.substr(pos, slash - pos);
            pos = slash + 1;
            if (!f.missing.empty() || !dirs.count(at + "/" + name)) {
                f.missing.push_back(name);
                continue;
            }
            at += "/" + name;
            f.path = at;
        }
        return f;
    }
    Fd open_dir_in_root(const Fd&, const std::string& path, bool create) override {
        record(std::string("open_dir ") + path + (create ? " create" : ""));
        if (!dirs.count(path)) {
            if (!create) throw HookError("open in rootfs", path, "No such file or directory", 2);
            dirs[path] = plain_dir();
        }
        current_ = path;
        return Fd(-1);
    }
    Fd make_dirs(const Found& found) override {
        std::string at = found.path == "/" ? "" : found.path;
        record("make_dirs " + at + "/" + found.missing.front());
        for (const auto& name : found.missing) {
            std::string parent = at.empty() ? "/" : at;
            at += "/" + name;
            dirs[at] = plain_dir(0755, dirs.at(parent).mnt_id);
        }
        return Fd(-1);
    }
    DirFacts inspect(const Fd&, const std::string& path) override {
        record("inspect " + path);
        return dirs.at(path == "/b/rootfs" ? "/" : path);
    }
    DevIno mount_root_of(const Fd&, const std::string& path) override {
        return mount_roots.count(path) ? mount_roots.at(path) : DevIno{};
    }
    Fd mount_tmpfs(const Fd&, const TmpfsOp& op, const Owner& owner) override {
        record("mount_tmpfs " + op.target + " size=" + std::to_string(op.size_bytes) + (op.exec ? " exec" : " noexec"));
        if (!mount_takes_effect) return Fd();
        DirFacts f;
        f.st_mode = 040000 | op.mode;
        f.uid = owner.uid;
        f.gid = owner.gid;
        f.is_mount_root = f.is_tmpfs = f.nosuid = f.nodev = true;
        f.noexec = !op.exec;
        f.size_bytes = (op.size_bytes + 4095) / 4096 * 4096;
        f.inodes = op.nr_inodes;
        f.mnt_id = next_mount++;
        mountinfo += std::to_string(f.mnt_id) + " " + std::to_string(dirs[op.target].mnt_id) + " 0:" +
                     std::to_string(f.mnt_id) + " / /b/rootfs" + op.target + " rw - tmpfs tmpfs rw\n";
        dirs[op.target] = f;
        return Fd();
    }
    HeldMount hold_mount(const Fd&, const std::string& relative, uint64_t, const std::string& path) override {
        record("hold_mount " + path + relative);
        return HeldMount{relative, Fd(-1), true};
    }
    void attach(const Fd&, HeldMount& held, const std::string& path) override {
        record("attach " + path + held.relative);
    }
    void set_mode(const Fd&, uint32_t mode, const std::string& path) override {
        record("set_mode " + path + " " + std::to_string(mode));
        dirs[path].st_mode = (dirs[path].st_mode & ~07777u) | mode;
    }
    void set_owner(const Fd&, uint32_t uid, uint32_t gid, const std::string& path) override {
        record("set_owner " + path + " " + std::to_string(uid) + ":" + std::to_string(gid));
        dirs[path].uid = uid;
        dirs[path].gid = gid;
    }

    // Calls that change something in the container.
    bool changed_anything() const {
        for (const auto& c : calls)
            for (const char* effect : {"make_dirs", "mount_tmpfs", "attach", "set_", "open_dir"})
                if (c.rfind(effect, 0) == 0) return true;
        return false;
    }

private:
    std::string current_;
    void record(const std::string& call) {
        calls.push_back(call);
        if (!fail_on.empty() && call.rfind(fail_on, 0) == 0)
            throw HookError(fail_on, current_, "Operation not permitted", 1);
    }
};

}  // namespace agenthook
