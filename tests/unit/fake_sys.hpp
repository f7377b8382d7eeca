#pragma once
// A Sys that records typed calls and answers from a table of directories,
// so apply() can be tested for every decision and every failure point.
#include <map>
#include <string>
#include <vector>

#include "hook/error.hpp"
#include "hook/sys.hpp"

namespace agenthook {

// A plan with /tmp, one excluded path and the home, for the apply tests.
inline LivePlan sample_plan() {
    LivePlan p;
    p.pid = 4242;
    p.rootfs = "/b/rootfs";
    p.tmpfs.push_back(TmpfsOp{"/tmp", 512ull << 20, 01777, false, 0, 0u, 0u, "", ""});
    p.tmpfs.push_back(TmpfsOp{"/workspace/node_modules", 1ull << 30, 01777, true, 0, 0u, 0u, "", ""});
    p.home = HomeOp{"/agent-home", 1000, 1000, 0755, ""};
    return p;
}

class FakeSys : public Sys {
public:
    std::vector<std::string> calls;
    std::map<std::string, DirFacts> dirs;  // in-container path -> current facts
    std::string fail_on;                   // a call name ("mount_tmpfs", ...) that throws
    bool mount_takes_effect = true;        // false: the mount "succeeds" but nothing changes

    static DirFacts plain_dir(uint32_t mode = 0755) {
        DirFacts f;
        f.st_mode = 040000 | mode;
        f.mount_fstype = "ext4";
        return f;
    }

    void enter_mount_ns(int pid) override { record("enter_mount_ns " + std::to_string(pid)); }
    Fd open_rootfs(const std::string& path) override {
        record("open_rootfs " + path);
        return Fd(-1);
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
    DirFacts inspect(const Fd&, const std::string& path) override {
        record("inspect " + path);
        return dirs.at(path);
    }
    Fd mount_tmpfs(const Fd&, const TmpfsOp& op) override {
        record("mount_tmpfs " + op.target + " size=" + std::to_string(op.size_bytes) + (op.exec ? " exec" : " noexec"));
        if (!mount_takes_effect) return Fd();
        DirFacts f;
        f.st_mode = 040000 | op.mode;
        f.uid = op.uid.value_or(0);
        f.gid = op.gid.value_or(0);
        f.is_mount_root = f.is_tmpfs = f.nosuid = f.nodev = true;
        f.noexec = !op.exec;
        f.size_bytes = (op.size_bytes + 4095) / 4096 * 4096;
        f.inodes = op.nr_inodes;
        f.mount_fstype = "tmpfs";
        dirs[op.target] = f;
        return Fd();  // like classic mount(2): the caller resolves again
    }
    std::map<std::string, std::vector<std::string>> submounts;  // dir -> relative mount points

    std::vector<HeldMount> hold_submounts(const Fd&, const std::string& path) override {
        record("hold_submounts " + path);
        std::vector<HeldMount> held;
        for (const auto& rel : submounts[path]) held.push_back(HeldMount{rel, Fd(-1), true, true});
        return held;
    }
    void reattach(const Fd&, HeldMount& held, const std::string& path) override {
        record("reattach " + path + held.relative);
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

private:
    std::string current_;
    void record(const std::string& call) {
        calls.push_back(call);
        if (!fail_on.empty() && call.rfind(fail_on, 0) == 0)
            throw HookError(fail_on, current_, "Operation not permitted", 1);
    }
};

}  // namespace agenthook
