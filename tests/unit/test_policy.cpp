#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "hook/policy.hpp"

using namespace agenthook;
using oci::Json;

namespace {

Policy parse(const std::string& text, Warnings& w) { return parse_policy(Json::parse(text), "policy.json", w); }

std::string first_error(const std::string& text) {
    Warnings w;
    try {
        parse(text, w);
    } catch (const PolicyError& e) {
        return e.what();
    }
    return "";
}

bool any_contains(const Warnings& w, const std::string& needle) {
    for (const auto& s : w)
        if (s.find(needle) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("empty policy gives the documented defaults") {
    Warnings w;
    Policy p = parse("{}", w);
    CHECK(w.empty());
    CHECK(p.tmp_size == 512ull << 20);
    CHECK(p.tmp_max_size == 4ull << 30);
    CHECK(p.tmp_nr_inodes == 0);
    CHECK(p.exclude_paths.empty());
    CHECK(p.exclude_size == 1ull << 30);
    CHECK(p.exclude_max_size == 8ull << 30);
    CHECK(p.home_path == "/agent-home");
    CHECK(p.home_uid == 1000);
    CHECK(p.home_gid == 1000);
    CHECK(p.home_mode == 0755);
    CHECK(p.allow_overrides);
    CHECK(p.exclude_under == std::vector<std::string>{"/workspace"});
}

TEST_CASE("a full policy is read") {
    Warnings w;
    Policy p = parse(R"({"tmp":{"size":"1g","max_size":"2g","nr_inodes":5000},
        "exclude":{"paths":["/workspace/node_modules","/workspace/.pnpm-store/"],"size":"256m","max_size":"512m"},
        "home":{"path":"/home/agent","uid":1001,"gid":1002,"mode":"0700"},
        "annotations":{"allow_overrides":false,"exclude_under":["/srv/cache","/data/"]}})", w);
    CHECK(w.empty());
    CHECK(p.tmp_size == 1ull << 30);
    CHECK(p.tmp_max_size == 2ull << 30);
    CHECK(p.tmp_nr_inodes == 5000);
    CHECK(p.exclude_paths == std::vector<std::string>{"/workspace/node_modules", "/workspace/.pnpm-store"});
    CHECK(p.exclude_size == 256ull << 20);
    CHECK(p.home_path == "/home/agent");
    CHECK(p.home_uid == 1001);
    CHECK(p.home_gid == 1002);
    CHECK(p.home_mode == 0700);
    CHECK_FALSE(p.allow_overrides);
    CHECK(p.exclude_under == std::vector<std::string>{"/srv/cache", "/data"});
}

TEST_CASE("invalid or empty tmp.size falls back to the default with a warning") {
    for (const char* bad : {"", "0", "-1m", "1.5g", "512mb", "50%", "lots"}) {
        CAPTURE(bad);
        Warnings w;
        Policy p = parse(std::string(R"({"tmp":{"size":")") + bad + R"("}})", w);
        CHECK(p.tmp_size == 512ull << 20);
        CHECK(any_contains(w, "tmp.size"));
        CHECK(any_contains(w, "using the default 512m"));
    }
}

TEST_CASE("a size above max_size is clamped with a warning") {
    Warnings w;
    Policy p = parse(R"({"tmp":{"size":"16g"}})", w);
    CHECK(p.tmp_size == 4ull << 30);
    CHECK(any_contains(w, "clamped to 4g"));

    Warnings w2;
    Policy q = parse(R"({"exclude":{"size":"2g","max_size":"1g"}})", w2);
    CHECK(q.exclude_size == 1ull << 30);
    CHECK(any_contains(w2, "clamped to 1g"));
}

TEST_CASE("a default above a lowered max_size is bounded by it") {
    Warnings w;
    Policy p = parse(R"({"tmp":{"max_size":"256m"}})", w);
    CHECK(p.tmp_size == 256ull << 20);
    Policy q = parse(R"({"tmp":{"max_size":"256m","size":"junk"}})", w);
    CHECK(q.tmp_size == 256ull << 20);
}

TEST_CASE("unknown keys are warnings") {
    Warnings w;
    parse(R"({"tmpp":{},"tmp":{"sise":"1g"},"home":{"owner":1}})", w);
    CHECK(any_contains(w, "tmpp: unknown key"));
    CHECK(any_contains(w, "tmp.sise: unknown key"));
    CHECK(any_contains(w, "home.owner: unknown key"));
}

TEST_CASE("wrong types and bad bounds are errors naming the file and JSON path") {
    CHECK(first_error(R"({"tmp":"512m"})") == "validate policy: policy.json: tmp: expected object, got string");
    CHECK(first_error(R"({"tmp":{"size":512}})") == "validate policy: policy.json: tmp.size: expected string, got number");
    CHECK(first_error(R"({"tmp":{"max_size":"huge"}})").find("tmp.max_size: invalid size \"huge\"") != std::string::npos);
    CHECK(first_error(R"({"tmp":{"nr_inodes":-1}})").find("tmp.nr_inodes: out of range") != std::string::npos);
    CHECK(first_error(R"({"tmp":{"nr_inodes":1.5}})").find("tmp.nr_inodes: expected integer") != std::string::npos);
    CHECK(first_error(R"({"exclude":{"paths":"/x"}})").find("exclude.paths: expected array") != std::string::npos);
    CHECK(first_error(R"({"exclude":{"paths":[1]}})").find("exclude.paths[0]: expected string") != std::string::npos);
    CHECK(first_error(R"({"home":{"uid":"1000"}})").find("home.uid: expected integer") != std::string::npos);
    CHECK(first_error(R"({"home":{"uid":4294967295}})").find("home.uid: out of range") != std::string::npos);
    CHECK(first_error(R"({"home":{"mode":"755x"}})").find("home.mode: expected an octal mode") != std::string::npos);
    CHECK(first_error(R"({"home":{"mode":"17777"}})").find("home.mode") != std::string::npos);
    CHECK(first_error(R"({"home":{"path":"relative"}})").find("home.path: \"relative\" must be an absolute path") != std::string::npos);
    CHECK(first_error(R"({"annotations":{"allow_overrides":"yes"}})").find("annotations.allow_overrides: expected boolean") != std::string::npos);
}

TEST_CASE("every problem is collected, the message counts the rest") {
    Warnings w;
    try {
        parse(R"({"tmp":{"size":1,"max_size":2},"home":{"uid":-5}})", w);
        FAIL("expected PolicyError");
    } catch (const PolicyError& e) {
        CHECK(e.problems.size() == 3);
        CHECK(std::string(e.what()).find("(and 2 more: run check-config)") != std::string::npos);
    }
}

TEST_CASE("excluded paths are validated and normalized") {
    struct Case { const char* path; const char* why; };
    const Case bad[] = {
        {"workspace/node_modules", "must be an absolute path"},
        {"", "must be an absolute path"},
        {"/workspace/../etc", "must not contain a \"..\" segment"},
        {"/..", "must not contain a \"..\" segment"},
        {"/", "must not be \"/\""},
        {"//", "must not be \"/\""},
        {"/tmp", "must not be /tmp or under it"},
        {"/tmp/", "must not be /tmp or under it"},
        {"/tmp/cache", "must not be /tmp or under it"},
        {"/tmp/exec-here", "must not be /tmp or under it"},
        {"//tmp//a/./b/", "must not be /tmp or under it"},
        {"/tmp/a/../b", "must not contain a \"..\" segment"},
        {"/proc", "must not be under /proc"},
        {"/proc/sys/kernel", "must not be under /proc"},
        {"/sys/fs", "must not be under /sys"},
        {"/dev/shm", "must not be under /dev"},
    };
    for (const auto& c : bad) {
        CAPTURE(c.path);
        std::string why;
        CHECK_FALSE(validate_target_path(c.path, why).has_value());
        CHECK(why.find(c.why) != std::string::npos);
        CHECK(first_error(std::string(R"({"exclude":{"paths":[")") + c.path + R"("]}})").find(c.why) != std::string::npos);
    }
    std::string why;
    CHECK(validate_target_path("/workspace//node_modules/", why) == "/workspace/node_modules");
    CHECK(validate_target_path("/tmpfoo", why) == "/tmpfoo");
    CHECK(validate_target_path("/tmp.d/cache", why) == "/tmp.d/cache");
    CHECK(validate_target_path("/var/tmp", why) == "/var/tmp");
    CHECK(validate_target_path("/processes", why) == "/processes");
    CHECK(validate_target_path("/devices", why) == "/devices");
}

TEST_CASE("home.path at or under /tmp is an error: the hook mounts /tmp itself") {
    for (const char* path : {"/tmp", "/tmp/home", "/tmp/agent/home/"}) {
        CAPTURE(path);
        CHECK(first_error(std::string(R"({"home":{"path":")") + path + R"("}})") ==
              std::string("validate policy: policy.json: home.path: \"") + path +
                  "\" must not be /tmp or under it (the hook mounts /tmp itself, noexec)");
    }
    Warnings w;
    CHECK(parse(R"({"home":{"path":"/var/tmp/home"}})", w).home_path == "/var/tmp/home");
}

TEST_CASE("an exclude path at or under /tmp is an error naming its JSON path") {
    CHECK(first_error(R"({"exclude":{"paths":["/workspace/node_modules","/tmp/exec-here"]}})") ==
          "validate policy: policy.json: exclude.paths[1]: \"/tmp/exec-here\" must not be /tmp or under it "
          "(the hook mounts /tmp itself, noexec)");
    // Elsewhere, exclude.paths stay the operator's choice.
    Warnings w;
    Policy p = parse(R"({"exclude":{"paths":["/etc/cache","/opt/tools"]}})", w);
    CHECK(p.exclude_paths == std::vector<std::string>{"/etc/cache", "/opt/tools"});
    CHECK(w.empty());
}

TEST_CASE("annotations.exclude_under: default, custom, empty, normalized, deduplicated") {
    Warnings w;
    CHECK(parse(R"({"annotations":{}})", w).exclude_under == std::vector<std::string>{"/workspace"});
    CHECK(parse(R"({"annotations":{"exclude_under":[]}})", w).exclude_under.empty());
    CHECK(parse(R"({"annotations":{"exclude_under":["/data//","/srv/cache","/data"]}})", w).exclude_under ==
          std::vector<std::string>{"/data", "/srv/cache"});
    CHECK(w.empty());  // a known key: no "unknown key" warning
}

TEST_CASE("annotations.exclude_under entries are validated like exclude paths, errors name the entry") {
    struct Case { const char* doc; const char* problem; };
    const Case bad[] = {
        {R"(["/workspace","/tmp"])",
         "annotations.exclude_under[1]: \"/tmp\" must not be /tmp or under it (the hook mounts /tmp itself, noexec)"},
        {R"(["/tmp/cache"])",
         "annotations.exclude_under[0]: \"/tmp/cache\" must not be /tmp or under it (the hook mounts /tmp itself, noexec)"},
        {R"(["/workspace","relative"])", "annotations.exclude_under[1]: \"relative\" must be an absolute path"},
        {R"(["/"])", "annotations.exclude_under[0]: \"/\" must not be \"/\""},
        {R"(["/a/../etc"])", "annotations.exclude_under[0]: \"/a/../etc\" must not contain a \"..\" segment"},
        {R"(["/proc/self"])", "annotations.exclude_under[0]: \"/proc/self\" must not be under /proc"},
        {R"(["/workspace",7])", "annotations.exclude_under[1]: expected string, got number"},
        {R"("/workspace")", "annotations.exclude_under: expected array, got string"},
    };
    for (const auto& c : bad) {
        CAPTURE(c.doc);
        CHECK(first_error(std::string(R"({"annotations":{"exclude_under":)") + c.doc + "}}") ==
              std::string("validate policy: policy.json: ") + c.problem);
    }
}

namespace {

// Accepted: the normalized path; refused: "refused: <why>".
std::string annotation_verdict(const std::string& raw, const Policy& policy) {
    std::string why;
    auto path = validate_annotation_exclude(raw, policy, why);
    return path ? *path : "refused: " + why;
}

}  // namespace

TEST_CASE("annotation excludes: strictly beneath exclude_under, never /tmp, never the home") {
    const std::string not_beneath = "refused: is not beneath annotations.exclude_under (/workspace)";
    const std::string in_tmp = "refused: must not be /tmp or under it (the hook mounts /tmp itself, noexec)";
    const std::string in_home = "refused: is at or under home.path (/agent-home)";
    struct Case { const char* path; std::string verdict; };
    const Case cases[] = {
        {"/workspace/node_modules", "/workspace/node_modules"},
        {"/workspace//node_modules/", "/workspace/node_modules"},
        {"/workspace/./.pnpm-store", "/workspace/.pnpm-store"},
        {"/workspace/a/b/c", "/workspace/a/b/c"},
        {"/etc", not_beneath},
        {"/etc/ssl", not_beneath},
        {"/usr/bin", not_beneath},
        {"/usr/local/bin", not_beneath},
        {"/root", not_beneath},
        {"/bin", not_beneath},
        {"/var/tmp", not_beneath},
        {"/workspace", not_beneath},
        {"/workspace/", not_beneath},
        {"//workspace/.", not_beneath},
        {"/workspacefoo", not_beneath},
        {"/workspacefoo/bar", not_beneath},
        {"/work", not_beneath},
        {"/tmp", in_tmp},
        {"/tmp/", in_tmp},
        {"/tmp/exec-here", in_tmp},
        {"/tmp/.X11-unix/x", in_tmp},
        {"/agent-home", in_home},
        {"/agent-home/", in_home},
        {"/agent-home/bin", in_home},
        {"/", "refused: must not be \"/\""},
        {"relative", "refused: must be an absolute path"},
        {" /workspace/x", "refused: must be an absolute path"},
        {"/workspace/../etc", "refused: must not contain a \"..\" segment"},
        {"/proc/sys", "refused: must not be under /proc"},
        {"/dev/shm", "refused: must not be under /dev"},
    };
    Policy policy;
    for (const auto& c : cases) {
        CAPTURE(c.path);
        CHECK(annotation_verdict(c.path, policy) == c.verdict);
    }
}

TEST_CASE("annotation excludes: the home is refused even beneath exclude_under") {
    Policy policy;
    policy.home_path = "/workspace/home";
    const std::string in_home = "refused: is at or under home.path (/workspace/home)";
    CHECK(annotation_verdict("/workspace/home", policy) == in_home);
    CHECK(annotation_verdict("/workspace/home/.cache", policy) == in_home);
    CHECK(annotation_verdict("/workspace/homework", policy) == "/workspace/homework");
    CHECK(annotation_verdict("/workspace/node_modules", policy) == "/workspace/node_modules");

    policy.home_path = "/home/agent";
    policy.exclude_under = {"/home"};
    CHECK(annotation_verdict("/home/agent/bin", policy) == "refused: is at or under home.path (/home/agent)");
    CHECK(annotation_verdict("/home/other/cache", policy) == "/home/other/cache");
}

TEST_CASE("annotation excludes: a custom exclude_under replaces the default") {
    Warnings w;
    Policy policy = parse(R"({"annotations":{"exclude_under":["/data","/srv/cache"]}})", w);
    const std::string not_beneath = "refused: is not beneath annotations.exclude_under (/data, /srv/cache)";
    CHECK(annotation_verdict("/data/x", policy) == "/data/x");
    CHECK(annotation_verdict("/srv/cache/npm", policy) == "/srv/cache/npm");
    CHECK(annotation_verdict("/workspace/node_modules", policy) == not_beneath);
    CHECK(annotation_verdict("/data", policy) == not_beneath);
    CHECK(annotation_verdict("/srv", policy) == not_beneath);
    CHECK(annotation_verdict("/srv/cachex", policy) == not_beneath);
    CHECK(annotation_verdict("/tmp/x", policy) ==
          "refused: must not be /tmp or under it (the hook mounts /tmp itself, noexec)");
}

TEST_CASE("annotation excludes: an empty exclude_under refuses every path") {
    Warnings w;
    Policy policy = parse(R"({"annotations":{"exclude_under":[]}})", w);
    for (const char* path : {"/workspace/node_modules", "/etc", "/data/x"}) {
        CAPTURE(path);
        CHECK(annotation_verdict(path, policy) == "refused: is not beneath annotations.exclude_under (empty)");
    }
}

TEST_CASE("duplicate excluded paths collapse") {
    Warnings w;
    Policy p = parse(R"({"exclude":{"paths":["/a","/a/","//a","/b"]}})", w);
    CHECK(p.exclude_paths == std::vector<std::string>{"/a", "/b"});
}

TEST_CASE("policy_to_json round-trips through parse_policy") {
    Warnings w;
    Policy p = parse(R"({"tmp":{"size":"1g","nr_inodes":7},"exclude":{"paths":["/w/n"]},"home":{"mode":"0750"},
                         "annotations":{"exclude_under":["/w","/srv/x/"]}})", w);
    Json j = policy_to_json(p);
    CHECK(j["tmp"]["size"] == "1g");
    CHECK(j["home"]["mode"] == "0750");
    CHECK(j["annotations"]["exclude_under"] == Json{"/w", "/srv/x"});
    CHECK(policy_to_json(Policy{})["annotations"] == Json{{"allow_overrides", true}, {"exclude_under", {"/workspace"}}});
    Policy q = parse_policy(j, "again", w);
    CHECK(policy_to_json(q) == j);
    // An empty exclude_under survives the round trip (it is not the default).
    Policy none = parse(R"({"annotations":{"exclude_under":[]}})", w);
    CHECK(parse_policy(policy_to_json(none), "again", w).exclude_under.empty());
}

TEST_CASE("policy source precedence: --config, then environment, then default") {
    auto s = choose_policy_source(std::string("/cli.json"), std::string("/env.json"));
    CHECK(s.path == "/cli.json");
    CHECK(s.explicit_);
    s = choose_policy_source(std::nullopt, std::string("/env.json"));
    CHECK(s.path == "/env.json");
    CHECK(s.explicit_);
    s = choose_policy_source(std::nullopt, std::nullopt);
    CHECK(s.path == kDefaultPolicyPath);
    CHECK_FALSE(s.explicit_);
}

TEST_CASE("load_policy: missing default file means defaults, missing explicit file is an error") {
    Warnings w;
    Policy p = load_policy({"/nonexistent/oci-agent-hook-default.json", false}, w);
    CHECK(p.tmp_size == 512ull << 20);
    try {
        load_policy({"/nonexistent/oci-agent-hook.json", true}, w);
        FAIL("expected HookError");
    } catch (const HookError& e) {
        CHECK(std::string(e.what()) == "load policy: /nonexistent/oci-agent-hook.json: No such file or directory");
    }
}

TEST_CASE("policy_file_problem: root-owned (or the caller's own) and not group- or world-writable") {
    CHECK_FALSE(policy_file_problem(0, S_IFREG | 0644, 0).has_value());
    CHECK_FALSE(policy_file_problem(0, S_IFREG | 0600, 0).has_value());
    CHECK_FALSE(policy_file_problem(0, S_IFREG | 0444, 1000).has_value());
    CHECK_FALSE(policy_file_problem(1000, S_IFREG | 0644, 1000).has_value());
    CHECK(policy_file_problem(1000, S_IFREG | 0644, 0) == "owned by uid 1000, not by root");
    CHECK(policy_file_problem(65534, S_IFREG | 0600, 1000) == "owned by uid 65534, not by root");
    CHECK(policy_file_problem(0, S_IFREG | 0664, 0) == "mode 0664 is group-writable");
    CHECK(policy_file_problem(0, S_IFREG | 0646, 0) == "mode 0646 is world-writable");
    CHECK(policy_file_problem(0, S_IFREG | 0666, 0) == "mode 0666 is world-writable");
    CHECK(policy_file_problem(0, S_IFREG | 01777, 0) == "mode 1777 is world-writable");
}

TEST_CASE("load_policy refuses, naming the file, what it must not trust; a symlink to a good file is fine") {
    namespace fs = std::filesystem;
    char templ[] = "/tmp/oci-agent-hook-policy-XXXXXX";
    REQUIRE(mkdtemp(templ) != nullptr);
    const fs::path dir = templ;
    auto write = [&](const std::string& name, mode_t mode) {
        std::string path = dir / name;
        std::ofstream(path) << R"({"tmp": {"size": "1g"}})";
        REQUIRE(chmod(path.c_str(), mode) == 0);
        return path;
    };
    auto error_of = [](const std::string& path) -> std::string {
        Warnings w;
        try {
            load_policy({path, true}, w);
        } catch (const HookError& e) {
            return e.what();
        }
        return "";
    };
    Warnings w;
    const std::string good = write("good.json", 0644);
    CHECK(load_policy({good, true}, w).tmp_size == 1ull << 30);
    // /etc alternatives and packagers link policy files: what counts is the file opened.
    fs::create_symlink(good, dir / "link.json");
    CHECK(load_policy({(dir / "link.json").string(), true}, w).tmp_size == 1ull << 30);

    const std::string group_w = write("group.json", 0664);
    CHECK(error_of(group_w) == "load policy: " + group_w + ": mode 0664 is group-writable");
    const std::string world_w = write("world.json", 0666);
    CHECK(error_of(world_w) == "load policy: " + world_w + ": mode 0666 is world-writable");
    fs::create_symlink(world_w, dir / "link-world.json");
    CHECK(error_of(dir / "link-world.json") == "load policy: " + (dir / "link-world.json").string() +
                                                   ": mode 0666 is world-writable");
    // Also when it is the default path (a missing default means defaults, a bad one does not).
    Warnings w2;
    CHECK_THROWS_WITH_AS(load_policy({world_w, false}, w2), ("load policy: " + world_w + ": mode 0666 is world-writable").c_str(),
                         HookError);

    CHECK(error_of(dir) == "load policy: " + dir.string() + ": not a regular file");
    // A FIFO is refused at once: reading it would wait for a writer forever.
    const std::string fifo = dir / "fifo.json";
    REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);
    CHECK(error_of(fifo) == "load policy: " + fifo + ": not a regular file");

    if (geteuid() == 0) {
        const std::string other = write("other.json", 0644);
        REQUIRE(chown(other.c_str(), 65534, 65534) == 0);
        CHECK(error_of(other) == "load policy: " + other + ": owned by uid 65534, not by root");
    } else {
        MESSAGE("not root: the owner check of load_policy is covered by policy_file_problem only");
    }
    fs::remove_all(dir);
}

// libstdc++'s std::regex matches by recursion, one level per character:
// "agents-.*" on a 100 KB value overflowed the 8 MiB stack (SIGSEGV), and
// an annotation's value is whatever the container's creator wrote.
TEST_CASE("match.annotations refuses a value too long to match, instead of crashing") {
    Warnings w;
    Policy p = parse_policy(oci::Json::parse(R"({"match":{"annotations":{"kind":"agents-.*"}}})"), "p.json", w);
    const std::string at_limit = "agents-" + std::string(kMaxMatchedAnnotationBytes - 7, 'a');
    CHECK(matches_annotations(p, oci::Json{{"kind", at_limit}}));
    CHECK_THROWS_WITH_AS(matches_annotations(p, oci::Json{{"kind", at_limit + "a"}}),
                         ("match annotations: annotations.kind: the value is " +
                          std::to_string(kMaxMatchedAnnotationBytes + 1) + " bytes, more than the " +
                          std::to_string(kMaxMatchedAnnotationBytes) + " a match.annotations regex is run on")
                             .c_str(),
                         HookError);
    CHECK_THROWS_AS(matches_annotations(p, oci::Json{{"kind", "agents-" + std::string(1 << 20, 'a')}}), HookError);
    // A key the policy does not match on may be as long as it likes.
    CHECK(matches_annotations(p, oci::Json{{"kind", "agents-x"}, {"other", std::string(1 << 20, 'a')}}));
}

TEST_CASE("runtime.path and match.annotations") {
    Warnings w;
    Policy p = parse_policy(oci::Json::parse(R"({"runtime":{"path":"/usr/bin/crun"},
        "match":{"annotations":{"agent.example/kind":"coder|reviewer","team":".*"}}})"), "p.json", w);
    CHECK(w.empty());
    CHECK(p.runtime_path == "/usr/bin/crun");
    CHECK(p.match_annotations.size() == 2);
    CHECK(matches_annotations(p, oci::Json{{"agent.example/kind", "coder"}, {"team", ""}}));
    CHECK_FALSE(matches_annotations(p, oci::Json{{"agent.example/kind", "coders"}, {"team", "x"}}));  // whole value
    CHECK_FALSE(matches_annotations(p, oci::Json{{"agent.example/kind", "coder"}}));                  // missing key
    CHECK(matches_annotations(Policy{}, oci::Json::object()));                                          // empty: all
    CHECK(policy_to_json(p)["runtime"]["path"] == "/usr/bin/crun");
    CHECK(policy_to_json(Policy{})["runtime"]["path"] == "/usr/sbin/runc");

    for (const char* bad : {R"({"runtime":{"path":"runc"}})", R"({"runtime":{"path":"/usr/../bin/runc"}})",
                            R"({"runtime":{"path":7}})", R"({"match":{"annotations":{"k":"(unclosed"}}})",
                            R"({"match":{"annotations":{"k":1}}})", R"({"match":{"annotations":[]}})"}) {
        CAPTURE(bad);
        Warnings ww;
        CHECK_THROWS_AS(parse_policy(oci::Json::parse(bad), "p.json", ww), PolicyError);
    }
    Warnings ww;
    CHECK_THROWS_WITH_AS(parse_policy(oci::Json::parse(R"({"match":{"annotations":{"k":"(x"}}})"), "p.json", ww),
                         doctest::Contains("match.annotations.k: invalid regex \"(x\""), PolicyError);
}

TEST_CASE("match.annotations: numbers std::regex reads as integers are bounded") {
    auto parse_match = [](const std::string& pattern) {
        Warnings w;
        return parse_policy(oci::Json{{"match", {{"annotations", {{"k", pattern}}}}}}, "p.json", w);
    };
    // libstdc++ multiplies these into a long unchecked: refused before std::regex sees them.
    for (const char* bad : {R"((a)\6666666666666666666666)", R"((a)\100000)", R"(a{100000})", R"(a{1,6666666666666666666666})",
                            R"(a{ 123456789012})", R"([x]\99999999999999999999)", R"(((\\\6666666666666666666666)))"}) {
        CAPTURE(bad);
        CHECK_THROWS_WITH_AS(parse_match(bad), doctest::Contains("match.annotations.k: invalid regex"), PolicyError);
    }
    CHECK_THROWS_WITH_AS(parse_match(R"(a{100000})"), doctest::Contains("a repeat count above 99999"), PolicyError);
    CHECK_THROWS_WITH_AS(parse_match(R"((a)\100000)"), doctest::Contains("a back-reference number above 99999"),
                         PolicyError);
    // Digits elsewhere are text: in a bracket, after an escaped brace, plain, or with leading zeros.
    for (const char* good : {R"(v1234567890123456789012)", R"([{12345678901234567890}])", R"(\{12345678901234567890\})",
                             R"((a)\1)", R"(a{2,999})", R"(a{00000000000000000000003})", R"(x\\123456789012)"}) {
        CAPTURE(good);
        CHECK(parse_match(good).match_annotations.at("k") == good);
    }
    Policy p = parse_match(R"(run-(\d+)-\1)");
    CHECK(matches_annotations(p, oci::Json{{"k", "run-42-42"}}));
    CHECK_FALSE(matches_annotations(p, oci::Json{{"k", "run-42-43"}}));
}

TEST_CASE("seccomp.deny_mount") {
    Warnings w;
    CHECK(parse_policy(oci::Json::object(), "p.json", w).seccomp_deny_mount);  // default on
    Policy off = parse_policy(oci::Json::parse(R"({"seccomp":{"deny_mount":false}})"), "p.json", w);
    CHECK(w.empty());
    CHECK_FALSE(off.seccomp_deny_mount);
    CHECK(policy_to_json(off)["seccomp"]["deny_mount"] == false);
    CHECK(policy_to_json(Policy{})["seccomp"]["deny_mount"] == true);

    Warnings unknown;
    parse_policy(oci::Json::parse(R"({"seccomp":{"deny_mount":true,"deny_ptrace":true}})"), "p.json", unknown);
    REQUIRE(unknown.size() == 1);
    CHECK(unknown[0] == "p.json: seccomp.deny_ptrace: unknown key, ignored");
    Warnings ww;
    CHECK_THROWS_WITH_AS(parse_policy(oci::Json::parse(R"({"seccomp":{"deny_mount":"yes"}})"), "p.json", ww),
                         doctest::Contains("seccomp.deny_mount: expected boolean, got string"), PolicyError);
}

TEST_CASE("state_dir: absolute, normalized, no \"..\"; the policy's source is kept") {
    Warnings w;
    Policy def = parse_policy(oci::Json::object(), "p.json", w);
    CHECK(def.state_dir == "/run/oci-agent-hook");
    CHECK(def.source == "p.json");
    CHECK(Policy{}.source == "built-in defaults");
    Policy set = parse_policy(oci::Json::parse(R"({"state_dir":"/var/lib/oah//state/"})"), "p.json", w);
    CHECK(w.empty());
    CHECK(set.state_dir == "/var/lib/oah/state");
    CHECK(policy_to_json(set)["state_dir"] == "/var/lib/oah/state");
    CHECK(parse_policy(policy_to_json(set), "again", w).state_dir == "/var/lib/oah/state");
    for (const char* bad : {R"({"state_dir":"run/x"})", R"({"state_dir":"/run/../etc"})", R"({"state_dir":"/"})",
                            R"({"state_dir":""})"}) {
        Warnings ww;
        CHECK_THROWS_WITH_AS(parse_policy(oci::Json::parse(bad), "p.json", ww),
                             doctest::Contains("state_dir: \""), PolicyError);
    }
    Warnings ww;
    CHECK_THROWS_WITH_AS(parse_policy(oci::Json::parse(R"({"state_dir":7})"), "p.json", ww),
                         doctest::Contains("state_dir: expected string, got number"), PolicyError);
}

// ---- cleanup (oci-agent-hook sweep) ----

TEST_CASE("cleanup: defaults") {
    Warnings w;
    Policy p = parse("{}", w);
    CHECK(w.empty());
    CHECK(p.cleanup.enabled);
    CHECK(p.cleanup.patterns == std::vector<std::string>{"claude-*", "codex-*", "gemini-*"});
    CHECK(p.cleanup.max_age == 72u * 3600);
    CHECK(p.cleanup.min_age == 3600u);
    CHECK(p.cleanup.teardown_paths.empty());
}

TEST_CASE("cleanup: a full section is read, paths normalized") {
    Warnings w;
    Policy p = parse(R"({"cleanup": {"enabled": false, "patterns": ["aider-*", ".cache-?"], "max_age": "7d",
                       "min_age": "30m", "teardown_paths": ["/tmp", "/var/tmp//agents/"]}})",
                     w);
    CHECK(w.empty());
    CHECK(!p.cleanup.enabled);
    CHECK(p.cleanup.patterns == std::vector<std::string>{"aider-*", ".cache-?"});
    CHECK(p.cleanup.max_age == 7u * 86400);
    CHECK(p.cleanup.min_age == 1800u);
    CHECK(p.cleanup.teardown_paths == std::vector<std::string>{"/tmp", "/var/tmp/agents"});
}

TEST_CASE("cleanup: an empty pattern list sweeps nothing") {
    Warnings w;
    CHECK(parse(R"({"cleanup": {"patterns": []}})", w).cleanup.patterns.empty());
}

TEST_CASE("cleanup: bad values are errors naming the JSON path (fail closed)") {
    CHECK(first_error(R"({"cleanup": {"patterns": ["claude-*", ""]}})").find("cleanup.patterns[1]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": ["a/b"]}})").find("without '/'") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": [".."]}})").find("cleanup.patterns[0]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": [7]}})").find("expected string") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": "claude-*"}})").find("expected array") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"max_age": "72"}})").find("cleanup.max_age: invalid age \"72\"") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"min_age": "0h"}})").find("cleanup.min_age") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"max_age": 72}})").find("expected string") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"enabled": "yes"}})").find("cleanup.enabled") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"teardown_paths": ["tmp"]}})").find("cleanup.teardown_paths[0]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"teardown_paths": ["/"]}})").find("cleanup.teardown_paths[0]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"teardown_paths": ["/tmp/../etc"]}})").find("..") != std::string::npos);
}

TEST_CASE("cleanup: min_age must not be more than max_age") {
    CHECK(first_error(R"({"cleanup": {"max_age": "2h", "min_age": "3h"}})")
              .find("cleanup.min_age: 3h is more than cleanup.max_age 2h") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"min_age": "4d"}})").find("more than cleanup.max_age 3d") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"max_age": "1h", "min_age": "60m"}})").empty());
}

TEST_CASE("cleanup: unknown keys warn; policy_to_json round-trips it") {
    Warnings w;
    Policy p = parse(R"({"cleanup": {"maxage": "1h", "max_age": "36h", "teardown_paths": ["/srv/tmp"]}})", w);
    REQUIRE(w.size() == 1);
    CHECK(w[0].find("cleanup.maxage: unknown key") != std::string::npos);
    Json j = policy_to_json(p);
    CHECK(j["cleanup"]["max_age"] == "36h");
    CHECK(j["cleanup"]["min_age"] == "1h");
    Warnings w2;
    Policy back = parse_policy(j, "round trip", w2);
    CHECK(w2.empty());
    CHECK(back.cleanup.max_age == p.cleanup.max_age);
    CHECK(back.cleanup.teardown_paths == p.cleanup.teardown_paths);
    CHECK(back.cleanup.patterns == p.cleanup.patterns);
}

TEST_CASE("log: absent means no file, text, level info") {
    Warnings w;
    Policy p = parse("{}", w);
    CHECK(p.log.file.empty());
    CHECK(p.log.format == LogFormat::Text);
    CHECK(p.log.level == LogLevel::Info);
    CHECK(policy_to_json(p)["log"] == Json{{"format", "text"}, {"level", "info"}});
}

TEST_CASE("log: file, format and level are read and round-trip") {
    Warnings w;
    Policy p = parse(R"({"log":{"file":"/var/log//oci-agent-hook.log","format":"json","level":"debug"}})", w);
    CHECK(w.empty());
    CHECK(p.log.file == "/var/log/oci-agent-hook.log");
    CHECK(p.log.format == LogFormat::Json);
    CHECK(p.log.level == LogLevel::Debug);
    for (const char* level : {"error", "warn", "info", "debug"})
        CHECK(log_level_name(parse(std::string(R"({"log":{"level":")") + level + "\"}}", w).log.level) ==
              std::string(level));
    Policy q = parse_policy(policy_to_json(p), "again", w);
    CHECK(policy_to_json(q) == policy_to_json(p));
}

TEST_CASE("log: bad values are errors naming the JSON path") {
    CHECK(first_error(R"({"log":{"file":"var/log/x.log"}})").find("log.file: \"var/log/x.log\" must be an absolute path") !=
          std::string::npos);
    CHECK(first_error(R"({"log":{"file":"/var/log/../../etc/shadow"}})").find("log.file:") != std::string::npos);
    CHECK(first_error(R"({"log":{"file":"/var/log/"}})").find("log.file:") != std::string::npos);
    CHECK(first_error(R"({"log":{"file":""}})").find("log.file:") != std::string::npos);
    CHECK(first_error(R"({"log":{"file":7}})").find("log.file: expected string, got number") != std::string::npos);
    CHECK(first_error(R"({"log":{"format":"xml"}})").find("log.format: \"xml\" is not one of \"text\", \"json\"") !=
          std::string::npos);
    CHECK(first_error(R"({"log":{"level":"verbose"}})").find("log.level: \"verbose\" is not one of") != std::string::npos);
    CHECK(first_error(R"({"log":{"level":"INFO"}})").find("log.level:") != std::string::npos);
    CHECK(first_error(R"({"log":"/var/log/x.log"})").find("log: expected object, got string") != std::string::npos);
}

TEST_CASE("log: an unknown key warns like every other section's") {
    Warnings w;
    Policy p = parse(R"({"log":{"file":"/l.log","rotate":true}})", w);
    CHECK(p.log.file == "/l.log");
    CHECK(any_contains(w, "policy.json: log.rotate: unknown key, ignored"));
}
