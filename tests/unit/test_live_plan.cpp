#include <doctest/doctest.h>

#include "hook/error.hpp"
#include "hook/live_plan.hpp"

using namespace agenthook;
using oci::Json;

namespace {
Plan sample() {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules", "/workspace/.cache"};
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
    CHECK(live.tmpfs[2].target == "/workspace/.cache");
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

TEST_CASE("plan_live: missing root.path") {
    CHECK_THROWS_WITH_AS(plan_live(1, "/b", Json::object(), sample()), "read config: /b/config.json: root.path: missing",
                         HookError);
}

TEST_CASE("spec_mount reads the flags the runtime gives a mount; later options win") {
    auto parse = [](const char* text) { return spec_mount(Json::parse(text), "/bundle"); };
    SpecMount m = parse(R"({"destination":"/data/","type":"bind","source":"vol","options":["rbind","ro","nosuid"]})");
    CHECK(m.destination == "/data");
    CHECK(m.bind);
    CHECK(m.recursive);
    CHECK(m.read_only);
    CHECK(m.nosuid);
    CHECK_FALSE(m.nodev);
    CHECK(m.source == "/bundle/vol");
    CHECK_FALSE(m.is_tmpfs());

    CHECK_FALSE(parse(R"({"destination":"/a","type":"bind","source":"/s","options":["ro","rw"]})").read_only);
    CHECK(parse(R"({"destination":"/a","type":"bind","source":"/s","options":["rw","ro"]})").read_only);
    CHECK(parse(R"({"destination":"/a","type":"bind","source":"/s","options":["rro"]})").recursive_read_only);
    CHECK_FALSE(parse(R"({"destination":"/a","type":"bind","source":"/s","options":["rro","rrw"]})").recursive_read_only);
    CHECK_FALSE(parse(R"({"destination":"/a","type":"bind","source":"/s","options":["bind"]})").recursive);
    CHECK(parse(R"({"destination":"/a","type":"none","source":"/s","options":["rbind"]})").bind);  // podman's shape
    CHECK(parse(R"({"destination":"/a","source":"/s","options":["rslave"]})").slave);
    SpecMount suid = parse(R"({"destination":"/a","type":"bind","source":"/s","options":["nosuid","suid","noexec","exec","dev"]})");
    CHECK_FALSE(suid.nosuid);
    CHECK_FALSE(suid.noexec);
    CHECK_FALSE(suid.nodev);
    SpecMount t = parse(R"({"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid"]})");
    CHECK(t.is_tmpfs());
    CHECK(t.source.empty());
}

TEST_CASE("plan_live refuses a spec mount at a tmpfs target that the spec makes read-only") {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules"};
    for (const char* opts : {R"(["ro"])", R"(["rw","ro"])", R"(["rro"])"}) {
        CAPTURE(opts);
        Json config = Json::parse(std::string(R"({"root":{"path":"rootfs"},"mounts":[
            {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":)") + opts + "}]}");
        CHECK_THROWS_WITH_AS(plan_live(1, "/b", config, make_plan(config, p, {})),
                             doctest::Contains("plan: /tmp: the spec mounts /tmp read-only"), HookError);
    }
    Json nm = Json::parse(R"({"root":{"path":"rootfs"},"mounts":[
        {"destination":"/workspace/node_modules/","type":"bind","source":"/v","options":["rbind","ro"]}]})");
    CHECK_THROWS_WITH_AS(plan_live(1, "/b", nm, make_plan(nm, p, {})),
                         doctest::Contains("the spec mounts /workspace/node_modules read-only"), HookError);
    // Read-only elsewhere, or read-write at the target, is fine.
    Json fine = Json::parse(R"({"root":{"path":"rootfs"},"mounts":[
        {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["ro","rw"]},
        {"destination":"/data","type":"bind","source":"/v","options":["rbind","ro"]}]})");
    LivePlan live = plan_live(1, "/b", fine, make_plan(fine, p, {}));
    CHECK(live.spec_mounts.size() == 2);
    CHECK(live.spec_mounts[1].read_only);
}
