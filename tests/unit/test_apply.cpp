#include <doctest/doctest.h>

#include <algorithm>

#include "fake_sys.hpp"
#include "hook/apply.hpp"

using namespace agenthook;

namespace {

const Owner kRoot{0, 0};

DirFacts planned_tmpfs(const TmpfsOp& op, uint64_t mnt_id = 61) {
    FakeSys s;
    s.mount_tmpfs(Fd(-1), op, kRoot);
    DirFacts f = s.dirs[op.target];
    f.mnt_id = mnt_id;
    f.mount_fstype = "tmpfs";
    return f;
}

bool called(const FakeSys& s, const std::string& call) {
    return std::find(s.calls.begin(), s.calls.end(), call) != s.calls.end();
}

long position(const FakeSys& s, const std::string& call) {
    return std::find(s.calls.begin(), s.calls.end(), call) - s.calls.begin();
}

SpecMount tmpfs_entry(const std::string& dest) {
    SpecMount m;
    m.destination = dest;
    m.type = "tmpfs";
    return m;
}

SpecMount bind_entry(const std::string& dest, const std::string& source, bool ro = false) {
    SpecMount m;
    m.destination = dest;
    m.type = "bind";
    m.bind = m.recursive = true;
    m.source = source;
    m.read_only = ro;
    return m;
}

// A spec tmpfs at /tmp (mount 61, a fresh superblock) in `sys` and `plan`.
void spec_tmp(FakeSys& sys, LivePlan& plan, const DirFacts& facts) {
    plan.spec_mounts.push_back(tmpfs_entry("/tmp"));
    sys.dirs["/tmp"] = facts;
    sys.mountinfo += "61 60 0:40 / /b/rootfs/tmp rw - tmpfs tmpfs rw\n";
}

// A volume from host dir `source` mounted at in-container `where` (mount `id`).
void volume_at(FakeSys& sys, const std::string& where, const std::string& source, uint64_t id, DevIno root,
               uint32_t mode = 0755) {
    sys.dirs[where] = FakeSys::plain_dir(mode, id);
    sys.dirs[where].is_mount_root = true;
    sys.dirs[where].inode = root;
    sys.sources[source] = root;
    sys.mountinfo += std::to_string(id) + " 60 8:1 " + source + " /b/rootfs" + where + " rw - ext4 /dev/vda rw\n";
}

}  // namespace

TEST_CASE("a fresh rootfs gets both mounts and the home, in order") {
    FakeSys sys;
    auto log = apply(sample_plan(), sys);
    CHECK(sys.calls.front() == "pin_container 4242");
    CHECK(position(sys, "enter_mount_ns") < position(sys, "open_rootfs /b/rootfs"));
    CHECK(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
    CHECK(called(sys, "make_dirs /workspace"));
    CHECK(called(sys, "mount_tmpfs /workspace/node_modules size=1073741824 exec"));
    CHECK(called(sys, "make_dirs /agent-home"));
    CHECK(called(sys, "set_owner /agent-home 1000:1000"));
    CHECK(position(sys, "mount_tmpfs /tmp size=536870912 noexec") <
          position(sys, "mount_tmpfs /workspace/node_modules size=1073741824 exec"));
    CHECK(log.size() == 3);
}

TEST_CASE("every target is surveyed before the first change") {
    FakeSys sys;
    apply(sample_plan(), sys);
    long last_survey = position(sys, "find_dir /agent-home");
    long first_effect = position(sys, "mount_tmpfs /tmp size=536870912 noexec");
    CHECK(last_survey < first_effect);
}

TEST_CASE("decide_tmpfs: keep, fix or mount") {
    TmpfsOp op{"/tmp", 512ull << 20, 01777, false, 0, ""};
    DirFacts good = planned_tmpfs(op);
    CHECK(decide_tmpfs(good, op, kRoot) == TmpfsAction::Keep);

    DirFacts runc_mode = good;  // runc 1.1.5 copies the covered directory's mode
    runc_mode.st_mode = 040755;
    CHECK(decide_tmpfs(runc_mode, op, kRoot) == TmpfsAction::Fix);
    DirFacts owner = good;
    owner.uid = 5;
    CHECK(decide_tmpfs(owner, op, kRoot) == TmpfsAction::Fix);
    CHECK(decide_tmpfs(good, op, Owner{100000, 100000}) == TmpfsAction::Fix);

    auto with = [&](auto change) {
        DirFacts f = good;
        change(f);
        return decide_tmpfs(f, op, kRoot);
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
    CHECK(decide_tmpfs(good, exec_op, kRoot) == TmpfsAction::Mount);  // noexec where exec is planned
    TmpfsOp inodes = op;
    inodes.nr_inodes = 1000;
    CHECK(decide_tmpfs(good, inodes, kRoot) == TmpfsAction::Mount);
}

TEST_CASE("the spec's own planned tmpfs is kept: running twice is harmless") {
    FakeSys sys;
    LivePlan plan = sample_plan();
    spec_tmp(sys, plan, planned_tmpfs(plan.tmpfs[0]));
    apply(plan, sys);
    CHECK_FALSE(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
    // A second run reads the config.json the first one rewrote: it records the new mounts.
    plan.spec_mounts.push_back(tmpfs_entry("/workspace/node_modules"));
    sys.calls.clear();
    apply(plan, sys);
    for (const auto& c : sys.calls) {
        CAPTURE(c);
        CHECK(c.rfind("mount_tmpfs", 0) != 0);
        CHECK(c.rfind("set_", 0) != 0);
        CHECK(c.rfind("make_dirs", 0) != 0);
    }
}

TEST_CASE("runc's 0755 spec tmpfs gets its mode fixed, not a second mount") {
    FakeSys sys;
    LivePlan plan = sample_plan();
    DirFacts runc_tmp = planned_tmpfs(plan.tmpfs[0]);
    runc_tmp.st_mode = 040755;
    spec_tmp(sys, plan, runc_tmp);
    apply(plan, sys);
    CHECK(called(sys, "set_mode /tmp 1023"));
    CHECK_FALSE(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
}

TEST_CASE("a tmpfs the spec did not create there is mounted over, never chowned or chmodded") {
    LivePlan plan = sample_plan();
    DirFacts host_tmpfs = planned_tmpfs(plan.tmpfs[0]);
    host_tmpfs.st_mode = 040755;
    host_tmpfs.uid = 1234;

    SUBCASE("a bind of a host tmpfs at /tmp (its superblock is also mounted elsewhere)") {
        FakeSys sys;
        plan.spec_mounts.push_back(tmpfs_entry("/tmp"));
        sys.dirs["/tmp"] = host_tmpfs;
        sys.mountinfo += "50 1 0:40 / /host/shm rw - tmpfs tmpfs rw\n"
                         "61 60 0:40 / /b/rootfs/tmp rw - tmpfs tmpfs rw\n";
        apply(plan, sys);
        CHECK(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
        CHECK_FALSE(called(sys, "set_mode /tmp 1023"));
        CHECK_FALSE(called(sys, "set_owner /tmp 0:0"));
    }
    SUBCASE("a tmpfs at /tmp with no spec entry there (moved by a symlink)") {
        FakeSys sys;
        sys.dirs["/tmp"] = host_tmpfs;
        sys.mountinfo += "61 60 0:40 / /b/rootfs/tmp rw - tmpfs tmpfs rw\n";
        apply(plan, sys);
        CHECK(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
        CHECK_FALSE(called(sys, "set_mode /tmp 1023"));
    }
    SUBCASE("a subdirectory of a host tmpfs bound at /tmp") {
        FakeSys sys;
        plan.spec_mounts.push_back(tmpfs_entry("/tmp"));
        sys.dirs["/tmp"] = host_tmpfs;
        sys.mountinfo += "61 60 0:40 /sub /b/rootfs/tmp rw - tmpfs tmpfs rw\n";
        apply(plan, sys);
        CHECK(called(sys, "mount_tmpfs /tmp size=536870912 noexec"));
    }
}

TEST_CASE("a Docker-style exec /tmp of 100m is mounted over") {
    FakeSys sys;
    LivePlan plan = sample_plan();
    DirFacts docker = planned_tmpfs(plan.tmpfs[0]);
    docker.noexec = false;
    docker.size_bytes = 100ull << 20;
    spec_tmp(sys, plan, docker);
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

TEST_CASE("ids come from the kernel's maps of the container's user namespace") {
    FakeSys sys;
    sys.uid_map = "0 100000 65536\n";
    sys.gid_map = "0 200000 65536\n";
    apply(sample_plan(), sys);
    CHECK(called(sys, "set_owner /agent-home 101000:201000"));
    CHECK(sys.dirs["/tmp"].uid == 100000);
    CHECK(sys.dirs["/tmp"].gid == 200000);

    FakeSys small;
    small.uid_map = "0 100000 1000\n";
    CHECK_THROWS_WITH_AS(apply(sample_plan(), small),
                         "map ids: /proc/4242/uid_map: home uid 1000 has no mapping in the container's user namespace",
                         HookError);
    CHECK_FALSE(small.changed_anything());
}

TEST_CASE("the home is verified as the container sees it") {
    struct StubbornSys : FakeSys {
        void set_owner(const Fd&, uint32_t, uint32_t, const std::string& path) override {
            calls.push_back("set_owner (ignored) " + path);
        }
    } sys;
    sys.uid_map = sys.gid_map = "0 100000 65536\n";
    CHECK_THROWS_WITH_AS(apply(sample_plan(), sys),
                         "verify home: /agent-home: owner 65534:65534, planned 1000:1000 (as the container sees it)",
                         HookError);
}

TEST_CASE("a shared parent mount is refused before anything changes") {
    FakeSys sys;
    sys.mountinfo = "60 1 8:1 /b/rootfs /b/rootfs rw shared:5 - ext4 /dev/vda rw\n";
    sys.dirs["/tmp"] = FakeSys::plain_dir();
    CHECK_THROWS_WITH_AS(apply(sample_plan(), sys),
                         doctest::Contains("mount tmpfs: /tmp: the mount holding it has shared propagation"),
                         HookError);
    CHECK_FALSE(sys.changed_anything());
}

TEST_CASE("verification catches a mount that did not take the planned shape") {
    FakeSys sys;
    sys.mount_takes_effect = false;
    sys.dirs["/tmp"] = FakeSys::plain_dir();
    CHECK_THROWS_WITH_AS(apply(sample_plan(), sys), "verify tmpfs: /tmp: not a mount point", HookError);
}

TEST_CASE("every failure point propagates its error and stops") {
    for (const char* point : {"pin_container", "enter_mount_ns", "open_rootfs", "find_dir", "inspect", "make_dirs",
                              "mount_tmpfs", "set_owner"}) {
        CAPTURE(point);
        FakeSys sys;
        sys.fail_on = point;
        CHECK_THROWS_WITH_AS(apply(sample_plan(), sys), doctest::Contains("Operation not permitted"), HookError);
        CHECK(sys.calls.back().rfind(point, 0) == 0);
    }
}

TEST_CASE("tmpfs_mismatch names the difference") {
    TmpfsOp op{"/tmp", 512ull << 20, 01777, false, 0, ""};
    DirFacts f = planned_tmpfs(op);
    CHECK(tmpfs_mismatch(f, op, kRoot) == "");
    f.st_mode = 040755;
    CHECK(tmpfs_mismatch(f, op, kRoot) == "mode 0755, planned 1777");
    f = planned_tmpfs(op);
    f.size_bytes = 4096;
    CHECK(tmpfs_mismatch(f, op, kRoot) == "size 4096 bytes, planned 512m");
    f = planned_tmpfs(op);
    f.noexec = false;
    CHECK(tmpfs_mismatch(f, op, kRoot) == "mounted without noexec");
    f = planned_tmpfs(op);
    f.mount_fstype = "overlay";
    CHECK(tmpfs_mismatch(f, op, kRoot) == "mountinfo shows fs type overlay");
    CHECK(tmpfs_mismatch(planned_tmpfs(op), op, Owner{1, 1}) == "owner 0:0, planned 1:1");
}

TEST_CASE("visible mounts beneath a covered directory are held and moved onto the new tmpfs") {
    FakeSys sys;
    sys.dirs["/tmp"] = FakeSys::plain_dir();
    sys.mountinfo += "70 60 8:1 /x11 /b/rootfs/tmp/.X11-unix rw - ext4 /dev/vda rw\n"
                     "71 70 8:1 /deeper /b/rootfs/tmp/.X11-unix/sub rw - ext4 /dev/vda rw\n"
                     "72 60 8:1 /sock /b/rootfs/tmp/agent.sock rw - ext4 /dev/vda rw\n";
    apply(sample_plan(), sys);
    CHECK(position(sys, "hold_mount /tmp/.X11-unix") < position(sys, "mount_tmpfs /tmp size=536870912 noexec"));
    CHECK(position(sys, "mount_tmpfs /tmp size=536870912 noexec") < position(sys, "attach /tmp/.X11-unix"));
    CHECK(position(sys, "attach /tmp/.X11-unix") < position(sys, "attach /tmp/agent.sock"));
    CHECK_FALSE(called(sys, "hold_mount /tmp/.X11-unix/sub"));  // it moves with its parent
}

TEST_CASE("a spec bind the runtime hid under its own /tmp is put back from a copy") {
    LivePlan plan = sample_plan();
    plan.spec_mounts.push_back(bind_entry("/tmp/.X11-unix", "/host/x11"));
    DirFacts docker = planned_tmpfs(plan.tmpfs[0]);
    docker.noexec = false;

    FakeSys sys;
    spec_tmp(sys, plan, docker);
    // The bind sits on the rootfs, beneath the runtime's tmpfs: hidden.
    sys.mountinfo += "70 60 8:1 /x11 /b/rootfs/tmp/.X11-unix rw - ext4 /dev/vda rw\n";
    apply(plan, sys);
    CHECK(position(sys, "clone_bind /host/x11") < position(sys, "enter_mount_ns"));
    CHECK_FALSE(called(sys, "hold_mount /tmp/.X11-unix"));
    CHECK(position(sys, "mount_tmpfs /tmp size=536870912 noexec") < position(sys, "attach /tmp/.X11-unix"));

    SUBCASE("without open_tree it is refused before anything changes") {
        FakeSys old;
        old.can_copy_binds = false;
        LivePlan p2 = sample_plan();
        spec_tmp(old, p2, docker);
        p2.spec_mounts.push_back(bind_entry("/tmp/.X11-unix", "/host/x11"));
        old.mountinfo += "70 60 8:1 /x11 /b/rootfs/tmp/.X11-unix rw - ext4 /dev/vda rw\n";
        CHECK_THROWS_WITH_AS(apply(p2, old), doctest::Contains("mount tmpfs: /tmp/.X11-unix: hidden beneath /tmp"),
                             HookError);
        CHECK_FALSE(old.changed_anything());
    }
    SUBCASE("a hidden mount that is not a bind is refused") {
        FakeSys other;
        LivePlan p3 = sample_plan();
        p3.spec_mounts.push_back(tmpfs_entry("/tmp/cache"));
        spec_tmp(other, p3, docker);
        CHECK_THROWS_WITH_AS(apply(p3, other), doctest::Contains("the hook can put back only bind mounts"), HookError);
        CHECK_FALSE(other.changed_anything());
    }
}

TEST_CASE("a volume redirected onto the home by an image symlink is never changed") {
    LivePlan plan = sample_plan();
    plan.spec_mounts.push_back(bind_entry("/data", "/host/vol"));
    FakeSys sys;
    volume_at(sys, "/agent-home", "/host/vol", 80, DevIno{8, 1234}, 0750);
    CHECK_THROWS_WITH_AS(apply(plan, sys),
                         "set up home: /agent-home: mode 0750, planned 0755, and it is in the spec's /data mount "
                         "(source /host/vol), redirected to /agent-home by a symlink in the rootfs (refused: the "
                         "hook creates, chowns or chmods nothing in a mount it cannot match to its spec entry)",
                         HookError);
    CHECK_FALSE(sys.changed_anything());
}

TEST_CASE("a volume at exactly the home is the hook's to own; one at its parent is not") {
    SUBCASE("volume at /agent-home") {
        LivePlan plan = sample_plan();
        plan.spec_mounts.push_back(bind_entry("/agent-home", "/host/home"));
        FakeSys sys;
        volume_at(sys, "/agent-home", "/host/home", 80, DevIno{8, 55}, 0700);
        apply(plan, sys);
        CHECK(called(sys, "set_owner /agent-home 1000:1000"));
    }
    SUBCASE("/home volume, existing /home/agent of another user") {
        LivePlan plan = sample_plan();
        plan.home.path = "/home/agent";
        plan.spec_mounts.push_back(bind_entry("/home", "/host/home"));
        FakeSys sys;
        volume_at(sys, "/home", "/host/home", 80, DevIno{8, 55});
        sys.dirs["/home/agent"] = FakeSys::plain_dir(0700, 80);
        sys.dirs["/home/agent"].uid = sys.dirs["/home/agent"].gid = 1234;
        sys.mount_roots["/home/agent"] = DevIno{8, 55};
        CHECK_THROWS_WITH_AS(apply(plan, sys),
                             doctest::Contains("set up home: /home/agent: mode 0700, planned 0755, and it is a "
                                               "directory the hook did not create inside the spec's /home volume"),
                             HookError);
        CHECK_FALSE(sys.changed_anything());
    }
    SUBCASE("/home volume without /home/agent: created, then owned") {
        LivePlan plan = sample_plan();
        plan.home.path = "/home/agent";
        plan.spec_mounts.push_back(bind_entry("/home", "/host/home"));
        FakeSys sys;
        volume_at(sys, "/home", "/host/home", 80, DevIno{8, 55});
        apply(plan, sys);
        CHECK(called(sys, "make_dirs /home/agent"));
        CHECK(called(sys, "set_owner /home/agent 1000:1000"));
    }
}

TEST_CASE("inside a read-only mount nothing is created, for any target, before anything changes") {
    LivePlan plan = sample_plan();
    plan.tmpfs[1].target = "/vol-ro/x";
    plan.tmpfs.insert(plan.tmpfs.begin() + 1, TmpfsOp{"/vol-rw/a/b", 1ull << 30, 01777, true, 0, ""});
    plan.spec_mounts.push_back(bind_entry("/vol-rw", "/host/rw"));
    plan.spec_mounts.push_back(bind_entry("/vol-ro", "/host/ro", true));
    FakeSys sys;
    volume_at(sys, "/vol-rw", "/host/rw", 80, DevIno{8, 1});
    volume_at(sys, "/vol-ro", "/host/ro", 81, DevIno{8, 2});
    CHECK_THROWS_WITH_AS(apply(plan, sys),
                         doctest::Contains("mount tmpfs: /vol-ro/x: missing, and /vol-ro lies in the spec's /vol-ro "
                                           "volume (source /host/ro), which the spec mounts read-only"),
                         HookError);
    CHECK_FALSE(sys.changed_anything());

    // An existing mount point in a read-only mount is fine: mounting writes nothing.
    FakeSys existing;
    volume_at(existing, "/vol-rw", "/host/rw", 80, DevIno{8, 1});
    volume_at(existing, "/vol-ro", "/host/ro", 81, DevIno{8, 2});
    existing.dirs["/vol-ro/x"] = FakeSys::plain_dir(0755, 81);
    existing.mount_roots["/vol-ro"] = DevIno{8, 2};
    apply(plan, existing);
    CHECK(called(existing, "mount_tmpfs /vol-ro/x size=1073741824 exec"));
    CHECK(called(existing, "make_dirs /vol-rw/a"));
}

TEST_CASE("a parent redirected by an image symlink gets no directories") {
    LivePlan plan = sample_plan();
    plan.spec_mounts.push_back(bind_entry("/data", "/host/vol"));
    FakeSys sys;
    volume_at(sys, "/workspace", "/host/vol", 80, DevIno{8, 9});
    CHECK_THROWS_WITH_AS(apply(plan, sys),
                         doctest::Contains("mount tmpfs: /workspace/node_modules: missing, and /workspace lies in the "
                                           "spec's /data mount (source /host/vol), redirected to /workspace"),
                         HookError);
    CHECK_FALSE(sys.changed_anything());
}

TEST_CASE("targets beneath an earlier target are made inside the hook's own tmpfs") {
    LivePlan plan = sample_plan();
    plan.tmpfs[1].target = "/workspace";
    plan.tmpfs.push_back(TmpfsOp{"/workspace/node_modules", 1ull << 30, 01777, true, 0, ""});
    plan.spec_mounts.push_back(bind_entry("/data", "/host/vol"));
    FakeSys sys;
    volume_at(sys, "/workspace", "/host/vol", 80, DevIno{8, 9});  // even a redirected one is only covered
    apply(plan, sys);
    CHECK(called(sys, "mount_tmpfs /workspace size=1073741824 exec"));
    CHECK(called(sys, "open_dir /workspace/node_modules create"));
    CHECK_FALSE(called(sys, "find_dir /workspace/node_modules"));
}
