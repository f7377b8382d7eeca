#include <doctest/doctest.h>

#include <algorithm>

#include "fake_sys.hpp"
#include "hook/apply.hpp"

using namespace agenthook;

namespace {


DirFacts planned_tmpfs(const TmpfsOp& op) {
    FakeSys s;
    s.mount_tmpfs(Fd(-1), op);
    return s.dirs[op.target];
}

bool called(const FakeSys& s, const std::string& call) {
    return std::find(s.calls.begin(), s.calls.end(), call) != s.calls.end();
}

}  // namespace

TEST_CASE("a fresh rootfs gets both mounts and the home, in order") {
    FakeSys sys;
    auto log = apply(sample_plan(), sys);
    CHECK(sys.calls.front() == "enter_mount_ns 4242");
    CHECK(sys.calls[1] == "open_rootfs /b/rootfs");
    CHECK(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
    CHECK(called(sys, "mount_tmpfs /workspace/node_modules size=1073741824 exec"));
    CHECK(called(sys, "set_owner /agent-home 1000:1000"));
    auto tmp = std::find(sys.calls.begin(), sys.calls.end(), "mount_tmpfs /tmp size=536870912 noexec");
    auto nm = std::find(sys.calls.begin(), sys.calls.end(), "mount_tmpfs /workspace/node_modules size=1073741824 exec");
    CHECK(tmp < nm);
    CHECK(log.size() == 3);
}

TEST_CASE("decide_tmpfs: keep, fix or mount") {
    TmpfsOp op{"/tmp", 512ull << 20, 01777, false, 0, 0u, 0u, ""};
    DirFacts good = planned_tmpfs(op);
    CHECK(decide_tmpfs(good, op) == TmpfsAction::Keep);

    DirFacts runc_mode = good;  // runc 1.1.5 copies the covered directory's mode
    runc_mode.st_mode = 040755;
    CHECK(decide_tmpfs(runc_mode, op) == TmpfsAction::Fix);
    DirFacts owner = good;
    owner.uid = 5;
    CHECK(decide_tmpfs(owner, op) == TmpfsAction::Fix);

    auto with = [&](auto change) {
        DirFacts f = good;
        change(f);
        return decide_tmpfs(f, op);
    };
    CHECK(with([](DirFacts& f) { f.noexec = false; }) == TmpfsAction::Mount);  // Docker-style exec /tmp
    CHECK(with([](DirFacts& f) { f.size_bytes = 100ull << 20; }) == TmpfsAction::Mount);
    CHECK(with([](DirFacts& f) { f.nosuid = false; }) == TmpfsAction::Mount);
    CHECK(with([](DirFacts& f) { f.nodev = false; }) == TmpfsAction::Mount);
    CHECK(with([](DirFacts& f) { f.readonly = true; }) == TmpfsAction::Mount);
    CHECK(with([](DirFacts& f) { f.is_mount_root = false; }) == TmpfsAction::Mount);  // a dir on a tmpfs rootfs
    CHECK(with([](DirFacts& f) { f.is_tmpfs = false; }) == TmpfsAction::Mount);
    CHECK(with([](DirFacts& f) { f.mount_fstype = ""; }) == TmpfsAction::Mount);

    TmpfsOp exec_op = op;
    exec_op.exec = true;
    CHECK(decide_tmpfs(good, exec_op) == TmpfsAction::Mount);  // noexec where exec is planned
    TmpfsOp inodes = op;
    inodes.nr_inodes = 1000;
    CHECK(decide_tmpfs(good, inodes) == TmpfsAction::Mount);
}

TEST_CASE("an existing planned tmpfs is kept: running twice is harmless") {
    FakeSys sys;
    LivePlan plan = sample_plan();
    apply(plan, sys);
    sys.calls.clear();
    apply(plan, sys);
    for (const auto& c : sys.calls) {
        CAPTURE(c);
        CHECK(c.rfind("mount_tmpfs", 0) != 0);
        CHECK(c.rfind("set_", 0) != 0);
    }
}

TEST_CASE("runc's 0755 tmpfs gets its mode fixed, not a second mount") {
    FakeSys sys;
    LivePlan plan = sample_plan();
    DirFacts runc_tmp = planned_tmpfs(plan.tmpfs[0]);
    runc_tmp.st_mode = 040755;
    sys.dirs["/tmp"] = runc_tmp;
    apply(plan, sys);
    CHECK(called(sys, "set_mode /tmp 1023"));
    CHECK_FALSE(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
}

TEST_CASE("a Docker-style exec /tmp of 100m is mounted over") {
    FakeSys sys;
    LivePlan plan = sample_plan();
    DirFacts docker = planned_tmpfs(plan.tmpfs[0]);
    docker.noexec = false;
    docker.size_bytes = 100ull << 20;
    sys.dirs["/tmp"] = docker;
    apply(plan, sys);
    CHECK(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
}

TEST_CASE("a root-owned home is corrected; a correct one is left alone") {
    FakeSys sys;
    sys.dirs["/agent-home"] = FakeSys::plain_dir(0700);
    apply(sample_plan(), sys);
    CHECK(called(sys, "set_owner /agent-home 1000:1000"));
    CHECK(called(sys, "set_mode /agent-home 493"));
    sys.calls.clear();
    apply(sample_plan(), sys);
    CHECK_FALSE(called(sys, "set_owner /agent-home 1000:1000"));
}

TEST_CASE("a shared parent mount is refused before mounting") {
    FakeSys sys;
    DirFacts shared = FakeSys::plain_dir();
    shared.mount_shared = true;
    sys.dirs["/tmp"] = shared;
    CHECK_THROWS_WITH_AS(apply(sample_plan(), sys),
                         doctest::Contains("mount tmpfs: /tmp: the mount holding it has shared propagation"),
                         HookError);
    for (const auto& c : sys.calls) CHECK(c.rfind("mount_tmpfs", 0) != 0);
}

TEST_CASE("verification catches a mount that did not take the planned shape") {
    FakeSys sys;
    sys.mount_takes_effect = false;
    CHECK_THROWS_WITH_AS(apply(sample_plan(), sys), "verify tmpfs: /tmp: not a mount point", HookError);
}

TEST_CASE("verification catches a home whose owner did not change") {
    struct StubbornSys : FakeSys {
        void set_owner(const Fd&, uint32_t, uint32_t, const std::string& path) override {
            calls.push_back("set_owner (ignored) " + path);
        }
    } sys;
    CHECK_THROWS_WITH_AS(apply(sample_plan(), sys), "verify home: /agent-home: owner 0:0, planned 1000:1000",
                         HookError);
}

TEST_CASE("every failure point propagates its error and stops") {
    for (const char* point : {"enter_mount_ns", "open_rootfs", "open_dir", "inspect", "mount_tmpfs", "set_owner"}) {
        CAPTURE(point);
        FakeSys sys;
        sys.fail_on = point;
        CHECK_THROWS_WITH_AS(apply(sample_plan(), sys), doctest::Contains("Operation not permitted"), HookError);
        CHECK(sys.calls.back().rfind(point, 0) == 0);
    }
}

TEST_CASE("tmpfs_mismatch names the difference") {
    TmpfsOp op{"/tmp", 512ull << 20, 01777, false, 0, 0u, 0u, ""};
    DirFacts f = planned_tmpfs(op);
    CHECK(tmpfs_mismatch(f, op) == "");
    f.st_mode = 040755;
    CHECK(tmpfs_mismatch(f, op) == "mode 0755, planned 1777");
    f = planned_tmpfs(op);
    f.size_bytes = 4096;
    CHECK(tmpfs_mismatch(f, op) == "size 4096 bytes, planned 512m");
    f = planned_tmpfs(op);
    f.noexec = false;
    CHECK(tmpfs_mismatch(f, op) == "mounted without noexec");
    f = planned_tmpfs(op);
    f.mount_fstype = "overlay";
    CHECK(tmpfs_mismatch(f, op) == "mountinfo shows fs type overlay");
}

TEST_CASE("mounts beneath a covered directory are held and put back on the new tmpfs") {
    FakeSys sys;
    sys.submounts["/tmp"] = {"/.X11-unix", "/agent.sock"};
    apply(sample_plan(), sys);
    auto at = [&](const std::string& c) { return std::find(sys.calls.begin(), sys.calls.end(), c) - sys.calls.begin(); };
    CHECK(at("hold_submounts /tmp") < at("mount_tmpfs /tmp size=536870912 noexec"));
    CHECK(at("mount_tmpfs /tmp size=536870912 noexec") < at("reattach /tmp/.X11-unix"));
    CHECK(at("reattach /tmp/.X11-unix") < at("reattach /tmp/agent.sock"));
    CHECK(at("reattach /tmp/agent.sock") < static_cast<long>(sys.calls.size()));
}

TEST_CASE("inside a read-only spec mount nothing is created and the home is not changed") {
    LivePlan plan = sample_plan();
    plan.tmpfs[1].read_only_mount = "/workspace";
    FakeSys sys;
    CHECK_THROWS_WITH_AS(apply(plan, sys),
                         doctest::Contains("open in rootfs: /workspace/node_modules: missing, and it lies in /workspace, "
                                           "which the spec mounts read-only"),
                         HookError);
    CHECK_FALSE(called(sys, "open_dir /workspace/node_modules create"));

    // An existing mount point in a read-only mount is fine: mounting writes nothing.
    FakeSys existing;
    existing.dirs["/workspace/node_modules"] = FakeSys::plain_dir();
    apply(plan, existing);
    CHECK(called(existing, "mount_tmpfs /workspace/node_modules size=1073741824 exec"));

    LivePlan home_plan = sample_plan();
    home_plan.home.read_only_mount = "/agent-home";
    FakeSys root_owned;
    root_owned.dirs["/agent-home"] = FakeSys::plain_dir();
    CHECK_THROWS_WITH_AS(apply(home_plan, root_owned),
                         doctest::Contains("set up home: /agent-home: owner 0:0, planned 1000:1000, and it lies in /agent-home"),
                         HookError);
    FakeSys right_owner;
    right_owner.dirs["/agent-home"] = FakeSys::plain_dir();
    right_owner.dirs["/agent-home"].uid = right_owner.dirs["/agent-home"].gid = 1000;
    apply(home_plan, right_owner);
    CHECK_FALSE(called(right_owner, "set_owner /agent-home 1000:1000"));
}
