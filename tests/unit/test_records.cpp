#include <doctest/doctest.h>

#include "hook/error.hpp"
#include "hook/plan.hpp"
#include "hook/records.hpp"

using namespace agenthook;
using oci::Json;

namespace {

Plan sample_plan() {
    Plan p;
    p.tmp = {"/tmp", uint64_t{512} << 20, false, 0};
    p.excludes.push_back({"/workspace/node_modules", uint64_t{1} << 30, true, 0});
    p.home = {"/agent-home", 1000, 1000, 0755};
    return p;
}

Record sample_record() {
    return make_record("oah-1", 4242, "/var/tmp/b", "/var/tmp/b/rootfs", sample_plan(), "/etc/oci-agent-hook/config.json",
                       1796049480, 123456, 101000);
}

}  // namespace

TEST_CASE("container ids: OCI's form only; never a path") {
    CHECK_FALSE(container_id_problem("oah-1"));
    CHECK_FALSE(container_id_problem("a_b.c-D9"));
    CHECK_FALSE(container_id_problem(std::string(1024, 'a')));
    CHECK(container_id_problem(std::string(1025, 'a')));
    for (const char* bad : {"", "..", ".hidden", "-x", "_x", "a/b", "../etc/passwd", "a b", "a\nb", "é"})
        CHECK_MESSAGE(container_id_problem(bad), bad);
    CHECK(record_path("/run/oci-agent-hook", "oah-1", "s") == "/run/oci-agent-hook/oah-1.json");
    CHECK_THROWS_WITH_AS(record_path("/run/oci-agent-hook", "../x", "write record"),
                         doctest::Contains("write record: /run/oci-agent-hook: container id \"../x\" must begin"), HookError);
}

TEST_CASE("make_record: the applied mounts, the home, the policy and the time") {
    Record r = sample_record();
    CHECK(r.version == 1);
    CHECK(r.id == "oah-1");
    CHECK(r.pid == 4242);
    CHECK(r.rootfs == "/var/tmp/b/rootfs");
    REQUIRE(r.mounts.size() == 2);
    CHECK(r.mounts[0].destination == "/tmp");
    CHECK(r.mounts[0].type == "tmpfs");
    CHECK(r.mounts[0].size_bytes == uint64_t{512} << 20);
    CHECK(r.mounts[0].options == sample_plan().tmp.to_mount()["options"].get<std::vector<std::string>>());
    CHECK(r.mounts[1].destination == "/workspace/node_modules");
    REQUIRE(r.home);
    CHECK(r.home->uid == 1000);
    CHECK(r.policy == "/etc/oci-agent-hook/config.json");
    CHECK(r.time == "2026-11-30T14:38:00Z");
    CHECK(r.pid_start_time == 123456);
    CHECK(r.host_uid == std::optional<uint32_t>(101000));
}

TEST_CASE("recorded_tmp_size: the /tmp mount's size, when the hook applied one") {
    CHECK(recorded_tmp_size(sample_record()) == std::optional<uint64_t>(uint64_t{512} << 20));
    Record r = sample_record();
    r.mounts.erase(r.mounts.begin());  // only the excluded path
    CHECK_FALSE(recorded_tmp_size(r));
}

TEST_CASE("record JSON: the documented shape, and back") {
    Record r = sample_record();
    Json j = record_to_json(r);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"version", "id", "pid", "bundle", "rootfs", "mounts", "home", "policy", "time",
                                           "pid_start_time", "host_uid"});
    CHECK(j["host_uid"] == 101000);
    CHECK(j["home"] == Json{{"path", "/agent-home"}, {"uid", 1000}, {"gid", 1000}});
    CHECK(j["mounts"][0]["size_bytes"] == uint64_t{512} << 20);
    Record back = record_from_json(j, "r.json");
    CHECK(record_to_json(back) == j);

    r.home.reset();
    CHECK(record_to_json(r)["home"].is_null());
    CHECK_FALSE(record_from_json(record_to_json(r), "r.json").home);
}

TEST_CASE("record JSON: host_uid is optional (records of an older hook still read)") {
    Record r = sample_record();
    r.host_uid.reset();
    Json j = record_to_json(r);
    CHECK_FALSE(j.contains("host_uid"));
    CHECK_FALSE(record_from_json(j, "r.json").host_uid);
    j["host_uid"] = nullptr;
    CHECK_FALSE(record_from_json(j, "r.json").host_uid);
    j["host_uid"] = 0;
    CHECK(record_from_json(j, "r.json").host_uid == std::optional<uint32_t>(0));
    j["host_uid"] = 4294967294u;
    CHECK(record_from_json(j, "r.json").host_uid == std::optional<uint32_t>(4294967294u));
}

TEST_CASE("record_from_json: anything else is refused, naming the file and field") {
    Json good = record_to_json(sample_record());
    auto refused = [&](const char* key, Json value, const char* why) {
        Json bad = good;
        if (value.is_discarded()) bad.erase(key);
        else bad[key] = value;
        CHECK_THROWS_WITH_AS(record_from_json(bad, "/run/x/oah-1.json"),
                             doctest::Contains((std::string("read record: /run/x/oah-1.json: ") + key + ": " + why).c_str()), HookError);
    };
    refused("version", 2, "unsupported record version 2");
    refused("id", "../../etc", "must begin with a letter or digit");
    refused("pid", -1, "out of range");
    refused("pid", "1", "expected integer, got string");
    refused("bundle", "relative", "must be an absolute path");
    refused("home", Json::value_t::discarded, "missing");
    refused("home", 3, "expected object or null, got number");
    refused("time", "yesterday", "expected YYYY-MM-DDTHH:MM:SSZ");
    refused("mounts", Json::object(), "expected array, got object");
    refused("host_uid", -1, "out of range");
    refused("host_uid", 4294967295u, "out of range");
    refused("host_uid", "1000", "expected integer, got string");
    Json bad = good;
    bad["mounts"][0]["options"] = Json::array({1});
    CHECK_THROWS_WITH_AS(record_from_json(bad, "f"), doctest::Contains("f: mounts[0].options: expected strings"), HookError);
}

TEST_CASE("RFC 3339 UTC: written and read back exactly") {
    CHECK(rfc3339_utc(0) == "1970-01-01T00:00:00Z");
    CHECK(parse_rfc3339_utc("2026-11-30T14:38:00Z") == std::optional<std::time_t>(1796049480));
    for (const char* bad : {"2026-11-30T14:38:00", "2026-11-30 14:38:00Z", "2026-13-30T14:38:00Z", "2026-11-30T14:38:00Zx", ""})
        CHECK_FALSE_MESSAGE(parse_rfc3339_utc(bad), bad);
}

TEST_CASE("/proc/<pid>/stat: field 22, whatever the command name holds") {
    const std::string tail = " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 19 20 21";
    CHECK(parse_stat_start_time("42 (sh)" + tail) == std::optional<uint64_t>(987654));
    CHECK(parse_stat_start_time("42 (a) b (c) 1 2)" + tail) == std::optional<uint64_t>(987654));
    CHECK_FALSE(parse_stat_start_time("42 (sh) S 1 2 3"));
    CHECK_FALSE(parse_stat_start_time("42 (sh) Z" + tail.substr(2)));  // a zombie is gone
    CHECK(parse_stat_start_time("42 (sh) R" + tail.substr(2)) == std::optional<uint64_t>(987654));
    CHECK_FALSE(parse_stat_start_time("no parenthesis"));
    CHECK_FALSE(parse_stat_start_time("42 (sh) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x7 19"));
}

TEST_CASE("record_is_live: the same process, not a reused pid") {
    Record r = sample_record();
    CHECK(record_is_live(r, uint64_t{123456}));
    CHECK_FALSE(record_is_live(r, std::nullopt));         // no such process
    CHECK_FALSE(record_is_live(r, uint64_t{123457}));     // another process with that pid
    r.pid = 1;
    CHECK_FALSE(record_is_live(r, uint64_t{123456}));     // never the host's init
}

TEST_CASE("ps output: aligned text with a header; JSON with the age") {
    Record a = sample_record();
    Record b = sample_record();
    b.id = "a-much-longer-id";
    b.pid = 7;
    b.mounts.clear();
    const std::time_t now = 1796049480 + 3 * 3600 + 4 * 60;
    CHECK(format_ps_text({a, b}, now) ==
          "ID                PID   BUNDLE      TMP_SIZE  AGE\n"
          "oah-1             4242  /var/tmp/b  512m      3h4m\n"
          "a-much-longer-id  7     /var/tmp/b  -         3h4m\n");
    CHECK(format_ps_text({}, now) == "ID  PID  BUNDLE  TMP_SIZE  AGE\n");
    Json j = format_ps_json({a}, now);
    REQUIRE(j.size() == 1);
    CHECK(j[0]["age_seconds"] == 3 * 3600 + 4 * 60);
    CHECK(j[0]["id"] == "oah-1");
    CHECK(format_age(59) == "59s");
    CHECK(format_age(61) == "1m");
    CHECK(format_age(2 * 86400 + 5 * 3600 + 7) == "2d5h");
    CHECK(format_age(-5) == "0s");
}
