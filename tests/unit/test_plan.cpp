#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "hook/plan.hpp"
#include "oci/config.hpp"
#include "oci/json_io.hpp"
#include "oci/mount.hpp"

using namespace agenthook;
using oci::Json;

namespace {

Json config_with(Json mounts, Json extra = Json::object()) {
    Json c = {{"ociVersion", "1.0.2"}, {"root", {{"path", "rootfs"}}}, {"mounts", std::move(mounts)}};
    for (auto& [k, v] : extra.items()) c[k] = v;
    return c;
}

Json bind(const std::string& dest) {
    return {{"destination", dest}, {"type", "bind"}, {"source", "/host" + dest}, {"options", {"rbind"}}};
}

std::vector<std::string> destinations(const Json& config) {
    std::vector<std::string> out;
    for (const auto& m : config["mounts"]) out.push_back(m["destination"]);
    return out;
}

const Json& mount_at(const Json& config, const std::string& dest) {
    for (const auto& m : config["mounts"])
        if (m["destination"] == dest) return m;
    FAIL("no mount at " << dest);
    static Json none;
    return none;
}

Json rewrite(const Json& config, const Policy& policy = {}, Overrides o = {}) {
    return apply_to_spec(config, make_plan(config, policy, o));
}

Json load_fixture(const std::string& name) {
    std::string path = std::string(FIXTURES_DIR) + "/" + name;
    return oci::parse_object(oci::read_file_bounded(path), path);
}

}  // namespace

TEST_CASE("the /tmp tmpfs has exactly the fixed options") {
    Json out = rewrite(config_with(Json::array()));
    const Json& tmp = mount_at(out, "/tmp");
    CHECK(tmp == Json{{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                      {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=512m"}}});
}

TEST_CASE("nr_inodes is added when configured") {
    Policy p;
    p.tmp_nr_inodes = 10000;
    Json out = rewrite(config_with(Json::array()), p);
    CHECK(mount_at(out, "/tmp")["options"].back() == "nr_inodes=10000");
}

TEST_CASE("every mount at /tmp, however written, is replaced by one tmpfs") {
    Json mounts = Json::array({bind("/proc"), bind("/tmp"), bind("tmp"), bind("/tmp/"), bind("//tmp/./"),
                               {{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                {"options", {"rw", "nosuid", "nodev", "exec", "size=100m"}}}});
    Json out = rewrite(config_with(mounts));
    CHECK(destinations(out) == std::vector<std::string>{"/proc", "/tmp"});
    CHECK(mount_at(out, "/tmp")["options"] == Json{"nosuid", "noexec", "nodev", "mode=1777", "size=512m"});
}

TEST_CASE("a Docker-style exec /tmp is replaced, not merged, in its place") {
    Json mounts = Json::array({bind("/proc"),
                               {{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"},
                                {"options", {"rw", "nosuid", "nodev", "exec", "size=100m"}}},
                               bind("/data")});
    Json out = rewrite(config_with(mounts));
    CHECK(destinations(out) == std::vector<std::string>{"/proc", "/tmp", "/data"});
    for (const auto& o : mount_at(out, "/tmp")["options"]) CHECK(o != "exec");
}

TEST_CASE("excluded paths become exec tmpfs mounts after their containing bind") {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules", "/workspace/.pnpm-store"};
    Json out = rewrite(config_with(Json::array({bind("/proc"), bind("/workspace")})), p);
    CHECK(destinations(out) ==
          std::vector<std::string>{"/proc", "/workspace", "/tmp", "/workspace/node_modules", "/workspace/.pnpm-store"});
    CHECK(mount_at(out, "/workspace/node_modules")["options"] ==
          Json{"nosuid", "nodev", "exec", "mode=1777", "size=1g"});
}

TEST_CASE("an existing mount at an excluded path is replaced in place, then ordered after its parent") {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules"};
    Json mounts = Json::array({bind("/workspace/node_modules"), bind("/proc"), bind("/workspace")});
    Json out = rewrite(config_with(mounts), p);
    CHECK(destinations(out) == std::vector<std::string>{"/proc", "/workspace", "/workspace/node_modules", "/tmp"});
    CHECK(mount_at(out, "/workspace/node_modules")["type"] == "tmpfs");
}

TEST_CASE("the /tmp tmpfs comes before a bind inside /tmp") {
    Json mounts = Json::array({bind("/tmp/.X11-unix"), bind("/proc"),
                               {{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"}}});
    Json out = rewrite(config_with(mounts));
    CHECK(destinations(out) == std::vector<std::string>{"/proc", "/tmp", "/tmp/.X11-unix"});
}

TEST_CASE("parent_first_order is stable and puts ancestors first") {
    using V = std::vector<std::string>;
    auto order = [](const V& d) {
        V out;
        for (auto i : parent_first_order(d)) out.push_back(d[i]);
        return out;
    };
    CHECK(order({"/a", "/b", "/c"}) == V{"/a", "/b", "/c"});
    CHECK(order({"/c", "/b", "/a"}) == V{"/c", "/b", "/a"});
    CHECK(order({"/a/b/c", "/a/b", "/a"}) == V{"/a", "/a/b", "/a/b/c"});
    CHECK(order({"/x", "/a/b", "/y", "/a"}) == V{"/x", "/y", "/a", "/a/b"});
    CHECK(order({"/a/b", "/", "/a"}) == V{"/", "/a", "/a/b"});
    CHECK(order({"/ab", "/a"}) == V{"/ab", "/a"});
    CHECK(order({"/a/b", "/a", "/a"}) == V{"/a", "/a", "/a/b"});
    CHECK(order({}).empty());
}

TEST_CASE("everything else survives unchanged") {
    Json config = config_with(Json::array({bind("/proc")}),
                              {{"annotations", {{"x", "y"}}},
                               {"hooks", {{"prestart", {{{"path", "/bin/true"}}}}}},
                               {"org.vendor.ext", {{"f", 1.5}, {"g", nullptr}, {"big", 18446744073709551615ull}}},
                               {"process", {{"args", {"sh"}}, {"terminal", false}}}});
    Json out = rewrite(config);
    for (const auto& [k, v] : config.items()) {
        CAPTURE(k);
        if (k != "mounts") CHECK(out[k] == v);
    }
    CHECK(out["org.vendor.ext"]["big"].is_number_unsigned());
    CHECK(out["org.vendor.ext"]["f"].is_number_float());
    // Unknown fields inside a mount survive too.
    Json m = bind("/data");
    m["uidMappings"] = Json::array();
    m["x-extra"] = "kept";
    CHECK(mount_at(rewrite(config_with(Json::array({m}))), "/data") == m);
}

TEST_CASE("key order survives") {
    Json config = Json::parse(R"({"zeta":1,"ociVersion":"1.0.2","alpha":2,"mounts":[],"root":{"path":"r"}})");
    Json out = rewrite(config);
    std::vector<std::string> keys;
    for (auto& [k, v] : out.items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"zeta", "ociVersion", "alpha", "mounts", "root"});
}

TEST_CASE("a config without mounts gets them") {
    Json out = rewrite(Json{{"ociVersion", "1.0.2"}});
    CHECK(destinations(out) == std::vector<std::string>{"/tmp"});
}

TEST_CASE("rewriting a rewritten config is byte-identical") {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules", "/workspace/.cache"};
    Json mounts = Json::array({bind("/tmp/.X11-unix"), bind("/workspace"), bind("/proc")});
    Json once = rewrite(config_with(mounts), p);
    Json twice = rewrite(once, p);
    CHECK(oci::dump(once) == oci::dump(twice));
    for (const char* fixture : {"runc-spec.json", "crun-spec.json", "docker-tmp-exec.json"}) {
        CAPTURE(fixture);
        Json a = rewrite(load_fixture(fixture), p);
        CHECK(oci::dump(rewrite(a, p)) == oci::dump(a));
    }
}

TEST_CASE("overrides: annotation beats environment beats policy; each validated and clamped") {
    Policy p;
    Json annotated = config_with(Json::array(), {{"annotations", {{kTmpSizeAnnotation, "2g"}}}});
    CHECK(make_plan(annotated, p, {std::string("1g")}).tmp.size_bytes == 2ull << 30);
    CHECK(make_plan(config_with(Json::array()), p, {std::string("1g")}).tmp.size_bytes == 1ull << 30);
    CHECK(make_plan(config_with(Json::array()), p, {}).tmp.size_bytes == 512ull << 20);

    Json too_big = config_with(Json::array(), {{"annotations", {{kTmpSizeAnnotation, "64g"}}}});
    Plan clamped = make_plan(too_big, p, {});
    CHECK(clamped.tmp.size_bytes == 4ull << 30);
    REQUIRE(clamped.warnings.size() == 1);
    CHECK(clamped.warnings[0].find("clamped to 4g") != std::string::npos);

    Json invalid = config_with(Json::array(), {{"annotations", {{kTmpSizeAnnotation, "lots"}}}});
    Plan fell_through = make_plan(invalid, p, {std::string("768m")});
    CHECK(fell_through.tmp.size_bytes == 768ull << 20);
    CHECK(fell_through.warnings.at(0).find("annotation oci-agent-hook/tmp-size: invalid size \"lots\"") != std::string::npos);

    Plan env_invalid = make_plan(config_with(Json::array()), p, {std::string("")});
    CHECK(env_invalid.tmp.size_bytes == 512ull << 20);
    CHECK(env_invalid.warnings.at(0).find("environment AGENT_TMP_SIZE") != std::string::npos);

    p.allow_overrides = false;
    CHECK(make_plan(annotated, p, {std::string("1g")}).tmp.size_bytes == 1ull << 30);
}

namespace {

Json with_exclude_annotation(const std::string& list) {
    return config_with(Json::array(), {{"annotations", {{kExcludeAnnotation, list}}}});
}

std::vector<std::string> excluded(const Plan& plan) {
    std::vector<std::string> paths;
    for (const auto& e : plan.excludes) paths.push_back(e.destination);
    return paths;
}

}  // namespace

TEST_CASE("annotation exclude list adds validated paths, warns on bad ones") {
    Policy p;
    p.exclude_paths = {"/workspace/a"};
    Json config = with_exclude_annotation(
        "/workspace/b, /workspace/c,/workspace/a,,relative,/workspace/x/../etc,/proc/x,/workspace/d/");
    Plan plan = make_plan(config, p, {});
    CHECK(excluded(plan) == std::vector<std::string>{"/workspace/a", "/workspace/b", "/workspace/d"});
    // " /workspace/c" with a leading space is not absolute: a warning, not a silent trim.
    CHECK(plan.warnings.size() == 4);
    p.allow_overrides = false;
    CHECK(make_plan(config, p, {}).excludes.size() == 1);
}

TEST_CASE("annotation excludes cannot put an exec tmpfs over system paths, /tmp or the home") {
    Policy p;
    Json config = with_exclude_annotation(
        "/etc,/usr/bin,/root,/tmp/exec-here,/tmp,/workspace,/workspacefoo,/agent-home,/agent-home/bin,/workspace/ok");
    Plan plan = make_plan(config, p, {});
    CHECK(excluded(plan) == std::vector<std::string>{"/workspace/ok"});
    const std::string a = "annotation oci-agent-hook/exclude: ";
    CHECK(plan.warnings == Warnings{
        a + "\"/etc\" is not beneath annotations.exclude_under (/workspace), ignored",
        a + "\"/usr/bin\" is not beneath annotations.exclude_under (/workspace), ignored",
        a + "\"/root\" is not beneath annotations.exclude_under (/workspace), ignored",
        a + "\"/tmp/exec-here\" must not be /tmp or under it (the hook mounts /tmp itself, noexec), ignored",
        a + "\"/tmp\" must not be /tmp or under it (the hook mounts /tmp itself, noexec), ignored",
        a + "\"/workspace\" is not beneath annotations.exclude_under (/workspace), ignored",
        a + "\"/workspacefoo\" is not beneath annotations.exclude_under (/workspace), ignored",
        a + "\"/agent-home\" is at or under home.path (/agent-home), ignored",
        a + "\"/agent-home/bin\" is at or under home.path (/agent-home), ignored",
    });
    // The rewritten config has the /tmp tmpfs (noexec) and /workspace/ok, nothing else.
    Json out = apply_to_spec(config, plan);
    CHECK(destinations(out) == std::vector<std::string>{"/tmp", "/workspace/ok"});
    CHECK(mount_at(out, "/tmp")["options"] == Json{"nosuid", "noexec", "nodev", "mode=1777", "size=512m"});
}

TEST_CASE("annotation excludes follow a custom or empty exclude_under; none without allow_overrides") {
    Json config = with_exclude_annotation("/workspace/node_modules,/data/cache,/srv/npm/x");
    Policy custom;
    custom.exclude_under = {"/data", "/srv/npm"};
    Plan plan = make_plan(config, custom, {});
    CHECK(excluded(plan) == std::vector<std::string>{"/data/cache", "/srv/npm/x"});
    CHECK(plan.warnings == Warnings{"annotation oci-agent-hook/exclude: \"/workspace/node_modules\" is not beneath "
                                    "annotations.exclude_under (/data, /srv/npm), ignored"});

    Policy empty;
    empty.exclude_under.clear();
    Plan none = make_plan(config, empty, {});
    CHECK(none.excludes.empty());
    REQUIRE(none.warnings.size() == 3);
    for (const auto& w : none.warnings)
        CHECK(w.find("is not beneath annotations.exclude_under (empty), ignored") != std::string::npos);

    Policy locked;
    locked.allow_overrides = false;
    Plan ignored = make_plan(with_exclude_annotation("/workspace/node_modules,/etc"), locked, {});
    CHECK(ignored.excludes.empty());
    CHECK(ignored.warnings.empty());
}

TEST_CASE("the policy's own exclude paths are the operator's choice, not bounded by exclude_under") {
    Policy p;
    p.exclude_paths = {"/opt/cache"};
    p.exclude_under.clear();
    Plan plan = make_plan(with_exclude_annotation("/opt/cache"), p, {});
    CHECK(excluded(plan) == std::vector<std::string>{"/opt/cache"});
    // The annotation's own copy is still refused (and said so); the policy's stays.
    CHECK(plan.warnings.size() == 1);
}

TEST_CASE("memory limit below the tmpfs total is a warning, not a failure") {
    Policy p;
    p.exclude_paths = {"/w/n"};
    Json config = config_with(Json::array(), {{"linux", {{"resources", {{"memory", {{"limit", 1073741824}}}}}}}});
    Plan plan = make_plan(config, p, {});
    REQUIRE(plan.warnings.size() == 1);
    CHECK(plan.warnings[0].find("exceed linux.resources.memory.limit") != std::string::npos);
    Json roomy = config_with(Json::array(), {{"linux", {{"resources", {{"memory", {{"limit", 8589934592}}}}}}}});
    CHECK(make_plan(roomy, p, {}).warnings.empty());
}

TEST_CASE("describe_mount_changes lists removals, additions and moves") {
    Json before = config_with(Json::array({bind("/workspace/node_modules"), bind("/workspace"),
                                           {{"destination", "/tmp"}, {"type", "tmpfs"}, {"options", {"exec"}}}}));
    Json after = rewrite(before);
    auto lines = describe_mount_changes(before, after);
    std::string all;
    for (auto& l : lines) all += l + "\n";
    CHECK(all.find("- remove /tmp (tmpfs: exec)") != std::string::npos);
    CHECK(all.find("+ add /tmp (tmpfs: nosuid,noexec,nodev,mode=1777,size=512m)") != std::string::npos);
    CHECK(all.find("~ move /workspace (bind: rbind) to position 1 of the kept mounts") != std::string::npos);
    CHECK(describe_mount_changes(after, after).empty());
}

TEST_CASE("fixtures: runc spec, crun spec and a Docker-style config") {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules"};
    for (const char* fixture : {"runc-spec.json", "crun-spec.json", "docker-tmp-exec.json"}) {
        CAPTURE(fixture);
        Json config = load_fixture(fixture);
        oci::validate_config(config, fixture);
        Json out = rewrite(config, p);
        int tmp_count = 0;
        for (const auto& m : out["mounts"])
            if (oci::normalize_destination(m["destination"].get<std::string>()) == "/tmp") ++tmp_count;
        CHECK(tmp_count == 1);
        CHECK(mount_at(out, "/tmp")["options"] == Json{"nosuid", "noexec", "nodev", "mode=1777", "size=512m"});
        auto dests = destinations(out);
        auto pos = [&](const std::string& d) { return std::find(dests.begin(), dests.end(), d) - dests.begin(); };
        for (std::size_t i = 0; i < dests.size(); ++i)
            for (std::size_t j = 0; j < dests.size(); ++j)
                if (oci::is_strict_ancestor(oci::normalize_destination(dests[i]), oci::normalize_destination(dests[j])))
                    CHECK(pos(dests[i]) < pos(dests[j]));
        // Everything but the mounts is untouched.
        Json a = config, b = out;
        a.erase("mounts");
        b.erase("mounts");
        CHECK(a == b);
    }
}

TEST_CASE("apply_to_spec says whether anything changed") {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules"};
    Json config = config_with(Json::array({bind("/workspace/node_modules"), bind("/workspace")}));
    bool changed = false;
    Json once = apply_to_spec(config, make_plan(config, p, {}), &changed);
    CHECK(changed);
    Json twice = apply_to_spec(once, make_plan(once, p, {}), &changed);
    CHECK_FALSE(changed);
    CHECK(twice == once);

    // Each way a config can differ: a duplicate /tmp, a reorder, no mounts key.
    Json dup = once;
    dup["mounts"].push_back(PlannedTmpfs{"/tmp", 512ull << 20, false, 0}.to_mount());
    apply_to_spec(dup, make_plan(dup, p, {}), &changed);
    CHECK(changed);
    Json swapped = once;
    std::swap(swapped["mounts"][0], swapped["mounts"][1]);
    apply_to_spec(swapped, make_plan(swapped, p, {}), &changed);
    CHECK(changed);
    Json no_mounts = {{"ociVersion", "1.0.2"}};
    apply_to_spec(no_mounts, make_plan(no_mounts, p, {}), &changed);
    CHECK(changed);
}

TEST_CASE("describe_mount_changes counts duplicates") {
    Json before = config_with(Json::array({bind("/a"), bind("/a"), bind("/b")}));
    Json after = config_with(Json::array({bind("/b"), bind("/a")}));
    auto lines = describe_mount_changes(before, after);
    REQUIRE(lines.size() == 2);  // one copy of /a removed; of /b and /a, one moved
    CHECK(lines[0] == "- remove /a (bind: rbind)");
    CHECK(lines[1] == "~ move /b (bind: rbind) to position 1 of the kept mounts");
}

TEST_CASE("describe_mount_changes reports only the mounts that moved") {
    Json before = config_with(Json::array({bind("/a"), bind("/b"), bind("/c"), bind("/d"), bind("/e")}));
    Json after = config_with(Json::array({bind("/e"), bind("/a"), bind("/b"), bind("/c"), bind("/d")}));
    auto lines = describe_mount_changes(before, after);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "~ move /e (bind: rbind) to position 1 of the kept mounts");
}
