#include <doctest/doctest.h>

#include "hook/error.hpp"
#include "hook/live_plan.hpp"

using namespace agenthook;
using oci::Json;

namespace {
Plan sample() {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules", "/tmp/cache"};
    return make_plan(Json{{"root", {{"path", "rootfs"}}}}, p, {});
}
}  // namespace

TEST_CASE("plan_live without a user namespace") {
    Json config = {{"root", {{"path", "rootfs"}}}};
    LivePlan live = plan_live(77, "/var/b", config, sample());
    CHECK(live.pid == 77);
    CHECK(live.rootfs == "/var/b/rootfs");
    REQUIRE(live.tmpfs.size() == 3);
    CHECK(live.tmpfs[0].target == "/tmp");
    CHECK_FALSE(live.tmpfs[0].exec);
    CHECK(live.tmpfs[0].mode == 01777);
    CHECK(live.tmpfs[0].size_bytes == 512ull << 20);
    CHECK(live.tmpfs[1].target == "/workspace/node_modules");
    CHECK(live.tmpfs[1].exec);
    CHECK(live.tmpfs[2].target == "/tmp/cache");
    CHECK(live.tmpfs[0].uid == 0u);
    CHECK(live.home.path == "/agent-home");
    CHECK(live.home.uid == 1000);
    CHECK(live.home.gid == 1000);
    CHECK(live.home.mode == 0755);
}

TEST_CASE("plan_live: absolute root.path, mountLabel") {
    Json config = {{"root", {{"path", "/srv/rootfs"}}}, {"linux", {{"mountLabel", "system_u:object_r:c:s0"}}}};
    LivePlan live = plan_live(1, "/var/b", config, sample());
    CHECK(live.rootfs == "/srv/rootfs");
    CHECK(live.tmpfs[0].selinux_context == "system_u:object_r:c:s0");
}

TEST_CASE("plan_live maps ids through the user namespace") {
    Json config = Json::parse(R"({"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"user"}],
        "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
        "gidMappings":[{"containerID":0,"hostID":200000,"size":65536}]}})");
    LivePlan live = plan_live(1, "/b", config, sample());
    CHECK(live.home.uid == 101000);
    CHECK(live.home.gid == 201000);
    CHECK(live.tmpfs[0].uid == 100000u);
    CHECK(live.tmpfs[0].gid == 200000u);
}

TEST_CASE("plan_live: an id with no mapping is a clear error") {
    Json config = Json::parse(R"({"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"user"}],
        "uidMappings":[{"containerID":0,"hostID":100000,"size":1000}],
        "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}]}})");
    CHECK_THROWS_WITH_AS(plan_live(1, "/b", config, sample()),
                         "map ids: linux.uidMappings: home uid 1000 has no mapping in the container's user namespace",
                         HookError);
}

TEST_CASE("plan_live: missing root.path") {
    CHECK_THROWS_WITH_AS(plan_live(1, "/b", Json::object(), sample()), "read config: /b/config.json: root.path: missing",
                         HookError);
}

TEST_CASE("read_only_mount_holding: the deepest mount at or above the path decides") {
    Json config = Json::parse(R"({"mounts":[
        {"destination":"/data","type":"bind","options":["rbind","ro"]},
        {"destination":"/data/rw","type":"bind","options":["rbind","rw"]},
        {"destination":"/flip","type":"bind","options":["ro","rw"]},
        {"destination":"/flop","type":"bind","options":["rw","ro"]},
        {"destination":"/vol/","type":"bind","options":["ro"]},
        {"destination":"/tmp","type":"tmpfs","options":["nosuid"]}]})");
    CHECK(read_only_mount_holding(config, "/data/cache") == "/data");
    CHECK(read_only_mount_holding(config, "/data") == "/data");
    CHECK(read_only_mount_holding(config, "/data/rw/cache") == "");
    CHECK(read_only_mount_holding(config, "/flip/x") == "");
    CHECK(read_only_mount_holding(config, "/flop/x") == "/flop");
    CHECK(read_only_mount_holding(config, "/vol/home") == "/vol");
    CHECK(read_only_mount_holding(config, "/database") == "");
    CHECK(read_only_mount_holding(config, "/tmp/x") == "");
    CHECK(read_only_mount_holding(Json::object(), "/x") == "");
}

TEST_CASE("plan_live marks targets inside read-only spec mounts") {
    Policy p;
    p.exclude_paths = {"/data/cache"};
    p.home_path = "/data/home";
    Json config = Json::parse(R"({"root":{"path":"rootfs"},
        "mounts":[{"destination":"/data","type":"bind","options":["rbind","ro"]}]})");
    Plan plan = make_plan(config, p, {});
    LivePlan live = plan_live(1, "/b", apply_to_spec(config, plan), plan);  // as the hook calls it
    CHECK(live.tmpfs[0].read_only_mount == "");
    CHECK(live.tmpfs[1].read_only_mount == "/data");
    CHECK(live.home.read_only_mount == "/data");
}
