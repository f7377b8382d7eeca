#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "hook/identity.hpp"

using namespace agenthook;

namespace {

// Hand-made in the shape of the recorded samples below, with the cases
// they lack: two volumes stacked at /agent-home, a bind of a host tmpfs, an
// "rro" volume with a mount beneath it, a tmpfs with no spec entry there.
const char* kMountinfo =
    "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "40 22 0:21 / /proc rw,nosuid,nodev,noexec shared:5 - proc proc rw\n"
    "45 22 0:40 / /dev/shm rw,nosuid,nodev shared:9 - tmpfs tmpfs rw\n"
    "60 22 254:0 /var/tmp/b/rootfs /var/tmp/b/rootfs rw,relatime - ext4 /dev/vda rw\n"
    "61 60 0:50 / /var/tmp/b/rootfs/proc rw,nosuid,nodev,noexec - proc proc rw\n"
    "62 60 0:51 / /var/tmp/b/rootfs/tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=102400k\n"
    "63 60 254:0 /srv/home /var/tmp/b/rootfs/agent-home rw,relatime - ext4 /dev/vda rw\n"
    "64 60 254:0 /srv/data /var/tmp/b/rootfs/agent-home rw,relatime - ext4 /dev/vda rw\n"
    "65 60 0:40 / /var/tmp/b/rootfs/workspace/node_modules rw - tmpfs tmpfs rw\n"
    "66 60 254:0 /srv/ro /var/tmp/b/rootfs/data rw,relatime - ext4 /dev/vda rw\n"
    "67 66 254:0 /srv/ro/sub /var/tmp/b/rootfs/data/sub rw,relatime - ext4 /dev/vda rw\n"
    "68 60 0:52 / /var/tmp/b/rootfs/cache rw - tmpfs tmpfs rw\n";

SpecMount entry(const std::string& dest, const std::string& type, const std::string& source = "") {
    SpecMount m;
    m.destination = dest;
    m.type = type;
    m.bind = type == "bind";
    m.source = source;
    return m;
}

const DevIno kHome{1, 100}, kData{1, 200}, kRo{1, 300}, kShm{2, 1};

MountView recorded_view() {
    MountView v;
    v.table = parse_mountinfo(kMountinfo);
    v.rootfs_path = "/var/tmp/b/rootfs";
    v.rootfs_mnt_id = 60;
    v.spec = {entry("/proc", "proc"), entry("/tmp", "tmpfs"), entry("/agent-home", "bind", "/srv/home"),
              entry("/data2", "bind", "/srv/data"), entry("/workspace/node_modules", "bind", "/dev/shm"),
              entry("/data", "bind", "/srv/ro"), entry("/cache", "tmpfs")};
    v.spec[5].recursive_read_only = true;
    v.source_ids = {std::nullopt, std::nullopt, kHome, kData, kShm, kRo, std::nullopt};
    return v;
}

}  // namespace

TEST_CASE("inside_rootfs") {
    CHECK(inside_rootfs("/r", "/r") == "/");
    CHECK(inside_rootfs("/r", "/r/tmp") == "/tmp");
    CHECK(inside_rootfs("/r", "/rx/tmp") == std::nullopt);
    CHECK(inside_rootfs("/r", "/") == std::nullopt);
    CHECK(inside_rootfs("/", "/tmp") == "/tmp");
}

TEST_CASE("identify_mount on a recorded namespace") {
    MountView v = recorded_view();

    MountIdentity rootfs = identify_mount(v, 60, {}, false);
    CHECK(rootfs.kind == MountKind::Rootfs);
    CHECK(describe_mount(rootfs) == "the rootfs");

    MountIdentity tmp = identify_mount(v, 62, {3, 1}, false);
    CHECK(tmp.kind == MountKind::SpecTmpfs);
    CHECK(tmp.entry == &v.spec[1]);
    CHECK(tmp.where == "/tmp");

    SUBCASE("a bind of a host tmpfs is not the spec's tmpfs, even with the right shape") {
        MountIdentity nm = identify_mount(v, 65, kShm, false);
        CHECK(nm.kind == MountKind::SpecBind);  // the spec's bind, but never a SpecTmpfs
        v.spec[4] = entry("/workspace/node_modules", "tmpfs");
        CHECK(identify_mount(v, 65, kShm, false).kind == MountKind::Foreign);  // superblock shared with /dev/shm
    }
    SUBCASE("two mounts stacked at /agent-home: the top one is the redirected /data2 volume") {
        MountIdentity top = identify_mount(v, 64, kData, false);
        CHECK(top.kind == MountKind::Foreign);
        REQUIRE(top.entry != nullptr);
        CHECK(top.entry->destination == "/data2");
        CHECK(foreign_reason(top) ==
              "the spec's /data2 mount (source /srv/data), redirected to /agent-home by a symlink in the rootfs");
        MountIdentity below = identify_mount(v, 63, kHome, false);
        CHECK(below.kind == MountKind::SpecBind);
        CHECK(describe_mount(below) == "the spec's /agent-home volume (source /srv/home)");
    }
    SUBCASE("rro reaches the mounts beneath; ro in force counts") {
        CHECK(identify_mount(v, 66, kRo, false).read_only);
        MountIdentity sub = identify_mount(v, 67, {1, 301}, false);
        CHECK(sub.kind == MountKind::Foreign);  // no spec entry at /data/sub
        v.spec.push_back(entry("/data/sub", "bind", "/srv/ro/sub"));
        v.source_ids.push_back(DevIno{1, 301});
        sub = identify_mount(v, 67, {1, 301}, false);
        CHECK(sub.kind == MountKind::SpecBind);
        CHECK(sub.read_only);  // rro on /data above it
        CHECK(identify_mount(v, 63, kHome, true).read_only);
        CHECK_FALSE(identify_mount(v, 63, kHome, false).read_only);
    }
    SUBCASE("a spec ro is pending until the runtime applies it: still read-only") {
        v.spec[2].read_only = true;
        CHECK(identify_mount(v, 63, kHome, false).read_only);
    }
    SUBCASE("a tmpfs with no spec entry at its mount point") {
        MountIdentity cache = identify_mount(v, 68, {4, 1}, false);
        CHECK(cache.kind == MountKind::SpecTmpfs);
        v.spec[6].destination = "/elsewhere";
        cache = identify_mount(v, 68, {4, 1}, false);
        CHECK(cache.kind == MountKind::Foreign);
        CHECK(cache.entry == nullptr);
        CHECK(foreign_reason(cache) == "the mount at /cache (tmpfs tmpfs) matches no spec entry at /cache");
    }
    SUBCASE("a mount missing from mountinfo, or outside the rootfs") {
        CHECK(identify_mount(v, 999, {}, false).kind == MountKind::Foreign);
        MountIdentity shm = identify_mount(v, 45, kShm, false);
        CHECK(shm.kind == MountKind::Foreign);
        CHECK(shm.where == "/dev/shm");
    }
    SUBCASE("a bind whose source could not be stat'ed matches nothing") {
        v.source_ids[2] = std::nullopt;
        CHECK(identify_mount(v, 63, kHome, false).kind == MountKind::Foreign);
    }
}

TEST_CASE("identify_mount on mountinfo recorded at createRuntime under runc and crun") {
    // Both bundles: a Docker-style exec /tmp tmpfs, a bind of /var/tmp/rec/vol
    // at /agent-home, an ["rbind","ro"] bind of /var/tmp/rec/ro at /data.
    struct Recorded {
        const char* file;
        uint64_t rootfs, tmp, home, data;
        bool data_ro_now;
    };
    for (const Recorded& r : {Recorded{"mountinfo-runc-createRuntime.txt", 65, 82, 83, 84, true},
                              Recorded{"mountinfo-crun-createRuntime.txt", 88, 96, 97, 98, false}}) {
        CAPTURE(r.file);
        std::ifstream in(std::string(FIXTURES_DIR) + "/" + r.file);
        std::stringstream text;
        text << in.rdbuf();
        MountView v;
        v.table = parse_mountinfo(text.str());
        REQUIRE(v.table.size() > 20);
        v.rootfs_path = "/var/tmp/rec/b/rootfs";
        v.rootfs_mnt_id = r.rootfs;
        v.spec = {entry("/proc", "proc"), entry("/dev", "tmpfs"), entry("/tmp", "tmpfs"),
                  entry("/agent-home", "bind", "/var/tmp/rec/vol"), entry("/data", "bind", "/var/tmp/rec/ro")};
        v.spec[4].read_only = true;
        const DevIno vol{254, 10}, ro{254, 11};
        v.source_ids = {std::nullopt, std::nullopt, std::nullopt, vol, ro};

        CHECK(identify_mount(v, r.rootfs, {}, false).kind == MountKind::Rootfs);
        MountIdentity tmp = identify_mount(v, r.tmp, {}, false);
        CHECK(tmp.kind == MountKind::SpecTmpfs);
        CHECK(tmp.where == "/tmp");
        MountIdentity home = identify_mount(v, r.home, vol, false);
        CHECK(home.kind == MountKind::SpecBind);
        CHECK_FALSE(home.read_only);
        MountIdentity data = identify_mount(v, r.data, ro, r.data_ro_now);
        CHECK(data.kind == MountKind::SpecBind);
        CHECK(data.read_only);  // in force under runc, pending from the spec under crun
        // The same volume found at /agent-home when the spec put it at /data: redirected.
        MountIdentity moved = identify_mount(v, r.home, ro, false);
        CHECK(moved.kind == MountKind::Foreign);
        CHECK(foreign_reason(moved) ==
              "the spec's /data mount (source /var/tmp/rec/ro), redirected to /agent-home by a symlink in the rootfs");
    }
}
