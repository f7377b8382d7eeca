#include <doctest/doctest.h>

#include <cerrno>
#include <sstream>

#include "hook/full_mount.hpp"
#include "hook/log.hpp"
#include "hook/outcome.hpp"
#include "oci/json.hpp"

using namespace agenthook;
using oci::Json;

TEST_CASE("log levels and formats by name") {
    CHECK(parse_log_level("error") == LogLevel::Error);
    CHECK(parse_log_level("debug") == LogLevel::Debug);
    CHECK_FALSE(parse_log_level("Info").has_value());
    CHECK_FALSE(parse_log_level("").has_value());
    CHECK(std::string(log_level_name(LogLevel::Warn)) == "warn");
    CHECK(parse_log_format("json") == LogFormat::Json);
    CHECK_FALSE(parse_log_format("JSON").has_value());
    // The order is the filter: a level lets through itself and the more severe.
    CHECK(LogLevel::Error < LogLevel::Warn);
    CHECK(LogLevel::Info < LogLevel::Debug);
}

TEST_CASE("rfc3339_utc") {
    CHECK(rfc3339_utc(0) == "1970-01-01T00:00:00Z");
    CHECK(rfc3339_utc(1796062360) == "2026-11-30T18:12:40Z");
    CHECK(rfc3339_utc(1796062360, 7) == "2026-11-30T18:12:40.007Z");
}

TEST_CASE("format_log_line: JSON carries every field, one line") {
    LogEntry e{"2026-11-30T18:12:40.007Z", LogLevel::Error, "oci-agent-hook", 42, "createRuntime", "c1",
               "write config.json: /b/config.json: No space left on device\nforged line"};
    const std::string line = format_log_line(LogFormat::Json, e);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    Json j = Json::parse(line);
    CHECK(j["time"] == "2026-11-30T18:12:40.007Z");
    CHECK(j["level"] == "error");
    CHECK(j["program"] == "oci-agent-hook");
    CHECK(j["pid"] == 42);
    CHECK(j["stage"] == "createRuntime");
    CHECK(j["container"] == "c1");
    CHECK(j["message"] == e.message);
    e.container.clear();
    CHECK_FALSE(Json::parse(format_log_line(LogFormat::Json, e)).contains("container"));
    // Bytes that are not UTF-8 (a path's) do not throw.
    e.message = "bad \xff byte";
    CHECK(Json::parse(format_log_line(LogFormat::Json, e))["message"].get<std::string>().find("bad ") == 0);
}

TEST_CASE("format_log_line: text is readable and one line") {
    LogEntry e{"2026-11-30T18:12:40Z", LogLevel::Info, "oci-agent-runtime", 7, "create", "abc",
               "spec rewritten: a\nb"};
    CHECK(format_log_line(LogFormat::Text, e) ==
          "2026-11-30T18:12:40Z info oci-agent-runtime[7] create abc: spec rewritten: a\\nb\n");
    e.container.clear();
    CHECK(format_log_line(LogFormat::Text, e) == "2026-11-30T18:12:40Z info oci-agent-runtime[7] create spec rewritten: a\\nb\n");
}

TEST_CASE("syslog_datagram: RFC 3164 with the daemon facility's priority") {
    std::tm t{};
    t.tm_year = 126, t.tm_mon = 10, t.tm_mday = 3, t.tm_hour = 8, t.tm_min = 5, t.tm_sec = 9;
    CHECK(syslog_datagram(27, t, "oci-agent-hook", 99, "createRuntime: c1: failed\nx") ==
          "<27>Nov  3 08:05:09 oci-agent-hook[99]: createRuntime: c1: failed\\nx");
}

TEST_CASE("Log: stderr gets errors and warnings only, whatever the records say") {
    std::ostringstream err;
    Log log(err, "rewrite", false);
    log.info("not shown");
    log.debug("not shown");
    log.warn("w");
    log.error("e");
    CHECK(err.str() == "oci-agent-hook: rewrite: warning: w\noci-agent-hook: rewrite: e\n");
}

TEST_CASE("contract_summary") {
    Plan p;
    p.tmp.size_bytes = uint64_t{512} << 20;
    p.home.path = "/agent-home";
    CHECK(contract_summary(p) == "/tmp tmpfs 512m, 0 excluded paths, home /agent-home");
    p.excludes.push_back(PlannedTmpfs{"/workspace/node_modules", uint64_t{1} << 30, true, 0});
    CHECK(contract_summary(p) == "/tmp tmpfs 512m, 1 excluded path (/workspace/node_modules), home /agent-home");
    p.excludes.push_back(PlannedTmpfs{"/w/.venv", uint64_t{1} << 30, true, 0});
    CHECK(contract_summary(p) ==
          "/tmp tmpfs 512m, 2 excluded paths (/workspace/node_modules, /w/.venv), home /agent-home");
}

TEST_CASE("spec_label: what names a spec without an id") {
    CHECK(spec_label(Json::parse(R"({"annotations":{"io.kubernetes.cri-o.ContainerID":"f00d",
        "io.kubernetes.cri-o.ContainerName":"k8s_agent"},"hostname":"h"})")) == "f00d");
    CHECK(spec_label(Json::parse(R"({"annotations":{"io.kubernetes.cri.container-name":"agent"},"hostname":"h"})")) ==
          "name agent");
    CHECK(spec_label(Json::parse(R"({"hostname":"3f2a9c1b7d4e"})")) == "host 3f2a9c1b7d4e");
    CHECK(spec_label(Json::parse(R"({"hostname":""})")) == "spec");
    CHECK(spec_label(Json::parse(R"({"annotations":"x","hostname":7})")) == "spec");
    CHECK(spec_label(Json::array()) == "spec");
    // A hostile label is capped.
    CHECK(spec_label(Json{{"hostname", std::string(100000, 'a')}}).size() < 200);
}

namespace {
std::vector<MountInfo> sample_table() {
    return parse_mountinfo(
        "21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "25 21 0:22 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=65536k\n"
        "30 25 0:40 / /run/user/1000 rw shared:9 - tmpfs tmpfs rw\n"
        "31 21 0:41 / /runway rw shared:10 - tmpfs tmpfs rw\n"
        "40 21 0:50 / /mnt rw shared:11 - ext4 /dev/sdb1 rw\n"
        "41 40 0:51 / /mnt rw shared:12 - xfs /dev/sdc1 rw\n");
}
}  // namespace

TEST_CASE("containing_mount: by mount id, else the longest mount point") {
    auto t = sample_table();
    CHECK(containing_mount(t, 25, "/run/user/1000/x")->mount_point == "/run");  // the id wins (a bind mount, say)
    CHECK(containing_mount(t, std::nullopt, "/run/user/1000/x")->mnt_id == 30);
    CHECK(containing_mount(t, std::nullopt, "/run/b/config.json")->mnt_id == 25);
    CHECK(containing_mount(t, std::nullopt, "/run")->mnt_id == 25);
    CHECK(containing_mount(t, std::nullopt, "/runway/x")->mnt_id == 31);  // a prefix is not a parent
    CHECK(containing_mount(t, std::nullopt, "/etc/x")->mnt_id == 21);
    CHECK(containing_mount(t, std::nullopt, "/mnt/f")->mnt_id == 41);   // the one on top
    CHECK(containing_mount(t, 999, "/run/x")->mnt_id == 25);            // an unknown id: by path
    CHECK(containing_mount({}, std::nullopt, "/x") == nullptr);
}

TEST_CASE("no_space_hint: which mount, which resource, quota or disk") {
    auto t = sample_table();
    const MountInfo* run = find_mount(t, 25);
    FsUsage full{4096, 16384, 0, 2048, 120};
    CHECK(no_space_hint(ENOSPC, run, "/run/b/config.json", full) ==
          "the filesystem mounted at /run (tmpfs) is full: 0 of 65536 KiB free, 120 of 2048 inodes free");
    FsUsage no_inodes{4096, 64, 60, 16, 0};
    CHECK(no_space_hint(ENOSPC, run, "/run/b/config.json", no_inodes) ==
          "the filesystem mounted at /run (tmpfs) has no free inodes: 240 of 256 KiB free, 0 of 16 inodes free");
    FsUsage quota{1024, 1000, 500, 0, 0};
    CHECK(no_space_hint(EDQUOT, find_mount(t, 40), "/mnt/x", quota) ==
          "a disk quota on the filesystem mounted at /mnt (ext4) is exhausted, not the disk: 500 of 1000 KiB free, "
          "no inode limit");
    CHECK(no_space_hint(ENOSPC, nullptr, "/x/y", full).find("the filesystem holding /x/y is full") == 0);
    CHECK(no_space_hint(EIO, run, "/run/x", full).empty());
}

TEST_CASE("no_space_hint_for: only ENOSPC and EDQUOT on an absolute path") {
    CHECK(no_space_hint_for("/", EACCES).empty());
    CHECK(no_space_hint_for("config.json (stdin)", ENOSPC).empty());
    // A file that does not exist is looked up through its nearest ancestor.
    const std::string h = no_space_hint_for("/proc/no/such/file", ENOSPC);
    CHECK(h.find("the filesystem mounted at /proc (proc)") == 0);
}
