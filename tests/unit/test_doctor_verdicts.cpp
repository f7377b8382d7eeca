// doctor's probes judged from observations: every probe passes on a
// conforming container, and each fails (or warns) on its own fault.
#include <doctest/doctest.h>

#include <algorithm>

#include "hook/doctor_verdicts.hpp"

using namespace agenthook;

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

DirObservation tmpfs_dir(const std::string& path, bool noexec, uint64_t size) {
    DirObservation d;
    d.path = path;
    d.found = true;
    d.mode = 040000 | 01777;
    d.is_mount_root = true;
    d.fstype = "tmpfs";
    d.mount_options = noexec ? "rw,nosuid,nodev,noexec,relatime" : "rw,nosuid,nodev,relatime";
    d.statfs_tmpfs = true;
    d.noexec = noexec;
    d.nosuid = d.nodev = true;
    d.size_bytes = size;
    d.used_bytes = 4096;
    d.inodes_total = 1000;
    d.inodes_used = 10;
    return d;
}

Policy sample_policy() {
    Policy p;
    p.exclude_paths = {"/workspace/node_modules"};
    return p;
}

Observations good() {
    Observations o;
    o.label = "c1";
    o.pid = 42;
    o.tmp = tmpfs_dir("/tmp", true, 512 * kMiB);
    o.excludes = {tmpfs_dir("/workspace/node_modules", false, 1024 * kMiB)};
    o.home.path = "/agent-home";
    o.home.found = true;
    o.home.mode = 040755;
    o.home.uid = o.home.gid = 101000;
    o.home_host_uid = o.home_host_gid = 101000;
    o.home_write = {true, true, ""};
    o.seccomp.mode = 2;
    o.seccomp.evaluated = true;
    o.seccomp.syscalls = {{"mount", "ERRNO(1)", true}, {"fsopen", "ERRNO(1)", true}};
    return o;
}

ProbeResult probe(const std::vector<ProbeResult>& rs, const std::string& name) {
    auto it = std::find_if(rs.begin(), rs.end(), [&](const ProbeResult& r) { return r.name == name; });
    REQUIRE_MESSAGE(it != rs.end(), name);
    return *it;
}

Verdict verdict(const Observations& o, const std::string& name, const Policy& p = sample_policy()) {
    return probe(judge(o, p), name).verdict;
}

}  // namespace

TEST_CASE("a conforming container passes every probe, in the documented order") {
    auto rs = judge(good(), sample_policy());
    std::vector<std::string> names;
    for (const auto& r : rs) {
        INFO(format_probe(r));
        CHECK(r.verdict == Verdict::Pass);
        names.push_back(r.name);
    }
    CHECK(names == std::vector<std::string>{"tmp_is_tmpfs", "tmp_noexec", "tmp_nosuid", "tmp_nodev", "tmp_mode_1777",
                                            "tmp_size", "tmp_usage", "exclude_/workspace/node_modules_exec_1777",
                                            "agent_home_exists", "agent_home_owner", "agent_home_writable",
                                            "mount_lockdown"});
    CHECK(doctor_exit_code(rs) == 0);
    CHECK(format_probe(probe(rs, "tmp_mode_1777")) == "PASS tmp_mode_1777 (mode 01777)");
}

TEST_CASE("/tmp on the rootfs (no hook): not a tmpfs, and its flags and mode are reported") {
    Observations o = good();
    o.tmp.is_mount_root = false;
    o.tmp.statfs_tmpfs = false;
    o.tmp.fstype = "overlay";
    o.tmp.mount_options = "rw,relatime";
    o.tmp.noexec = o.tmp.nosuid = o.tmp.nodev = false;
    o.tmp.mode = 041777;
    o.tmp.size_bytes = 100ull << 30;
    auto rs = judge(o, sample_policy());
    const auto& t = probe(rs, "tmp_is_tmpfs");
    CHECK(t.verdict == Verdict::Fail);
    CHECK(format_probe(t) ==
          "FAIL tmp_is_tmpfs: /tmp is not a mount of its own (fstype overlay, own mount no, options rw,relatime)");
    CHECK(probe(rs, "tmp_noexec").verdict == Verdict::Fail);
    CHECK(probe(rs, "tmp_nosuid").verdict == Verdict::Fail);
    CHECK(probe(rs, "tmp_nodev").verdict == Verdict::Fail);
    CHECK(probe(rs, "tmp_mode_1777").verdict == Verdict::Pass);
    CHECK(probe(rs, "tmp_size").verdict == Verdict::Fail);
    CHECK(doctor_exit_code(rs) == 1);
}

TEST_CASE("a tmpfs at /tmp of another kind than the hook's") {
    Observations o = good();
    o.tmp.noexec = false;
    CHECK(verdict(o, "tmp_noexec") == Verdict::Fail);
    o = good();
    o.tmp.mode = 040755;
    CHECK(format_probe(probe(judge(o, sample_policy()), "tmp_mode_1777")) ==
          "FAIL tmp_mode_1777: /tmp is not mode 1777 (mode 0755)");
    o = good();
    o.tmp.fstype = "ramfs";  // mountinfo and statfs must agree
    CHECK(verdict(o, "tmp_is_tmpfs") == Verdict::Fail);
}

TEST_CASE("tmp_size with a record (doctor --id): exactly the size the hook applied") {
    Observations o = good();
    o.tmp.size_bytes = 256 * kMiB;  // an override: passes against the record that applied it
    auto r = probe(judge(o, sample_policy(), 256 * kMiB), "tmp_size");
    CHECK(r.verdict == Verdict::Pass);
    CHECK(r.observed.find("applied by the hook 268435456") != std::string::npos);
    // The policy's size, but the hook applied 256m: /tmp was remounted since.
    o.tmp.size_bytes = 512 * kMiB;
    r = probe(judge(o, sample_policy(), 256 * kMiB), "tmp_size");
    CHECK(r.verdict == Verdict::Fail);
    CHECK(r.reason == "/tmp is not the size the hook applied (remounted since?)");
    // Rounded up to a page, as tmpfs does.
    o.tmp.size_bytes = 4096;
    CHECK(probe(judge(o, sample_policy(), 1000), "tmp_size").verdict == Verdict::Pass);
    // The bounds still come first.
    o.tmp.size_bytes = 0;
    CHECK(probe(judge(o, sample_policy(), 256 * kMiB), "tmp_size").reason == "/tmp is an unbounded tmpfs");
}

TEST_CASE("tmp_size: observed vs policy") {
    Observations o = good();
    CHECK(probe(judge(o, sample_policy()), "tmp_size").observed.find("observed 536870912 bytes, policy tmp.size 536870912") !=
          std::string::npos);
    o.tmp.size_bytes = 0;
    CHECK(probe(judge(o, sample_policy()), "tmp_size").reason == "/tmp is an unbounded tmpfs");
    o.tmp.size_bytes = 5ull << 30;  // above the 4g default tmp.max_size
    CHECK(probe(judge(o, sample_policy()), "tmp_size").reason == "/tmp is larger than tmp.max_size");
    o.tmp.size_bytes = 256 * kMiB;  // an override within bounds
    const auto& r = probe(judge(o, sample_policy()), "tmp_size");
    CHECK(r.verdict == Verdict::Pass);
    CHECK(r.observed.find("an override") != std::string::npos);
    Policy p = sample_policy();
    p.tmp_size = 1000;  // rounded up to a page, as tmpfs does
    o.tmp.size_bytes = 4096;
    CHECK(probe(judge(o, p), "tmp_size").observed.find("override") == std::string::npos);
}

TEST_CASE("tmp_usage: warn at 80%, fail at 95%, bytes or inodes") {
    Observations o = good();
    o.tmp.size_bytes = 1000 * 4096;
    auto at = [&](uint64_t used_bytes, uint64_t used_inodes) {
        o.tmp.used_bytes = used_bytes;
        o.tmp.inodes_used = used_inodes;
        return probe(judge(o, sample_policy()), "tmp_usage");
    };
    CHECK(at(0, 0).verdict == Verdict::Pass);
    CHECK(at(790 * 4096, 10).verdict == Verdict::Pass);
    CHECK(at(800 * 4096, 10).verdict == Verdict::Warn);
    CHECK(at(941 * 4096, 10).verdict == Verdict::Fail);  // 94.1% rounds up to 95, as df shows it
    CHECK(at(940 * 4096, 10).verdict == Verdict::Warn);
    const auto full = at(1000 * 4096, 10);
    CHECK(full.verdict == Verdict::Fail);
    CHECK(format_probe(full) ==
          "FAIL tmp_usage: /tmp is 100% full (bytes), fail at 95% (bytes 4096000 of 4096000 (100%), inodes 10 of 1000 (1%))");
    const auto inodes = at(10, 960);
    CHECK(inodes.verdict == Verdict::Fail);
    CHECK(inodes.reason.find("(inodes)") != std::string::npos);
    CHECK(at(10, 850).verdict == Verdict::Warn);
    CHECK(format_probe(at(10, 850)).rfind("WARN tmp_usage: /tmp is 85% full (inodes), warn at 80%", 0) == 0);
    // A warning is not a pass: doctor exits 1.
    o.tmp.used_bytes = 0;
    o.tmp.inodes_used = 850;
    CHECK(doctor_exit_code(judge(o, sample_policy())) == 1);
}

TEST_CASE("excluded paths: exec tmpfs of mode 1777, each named by its path") {
    const std::string name = "exclude_/workspace/node_modules_exec_1777";
    Observations o = good();
    o.excludes[0].noexec = true;
    CHECK(probe(judge(o, sample_policy()), name).reason == "/workspace/node_modules is noexec");
    o = good();
    o.excludes[0].mode = 040755;
    CHECK(verdict(o, name) == Verdict::Fail);
    o = good();
    o.excludes[0].is_mount_root = false;
    CHECK(verdict(o, name) == Verdict::Fail);
    o = good();
    o.excludes[0].found = false;
    o.excludes[0].error = "does not exist (/workspace is missing)";
    CHECK(format_probe(probe(judge(o, sample_policy()), name)) ==
          "FAIL " + name + ": /workspace/node_modules: does not exist (/workspace is missing)");
    o = good();
    o.excludes.clear();
    CHECK(verdict(o, name) == Verdict::Fail);
    Policy two = sample_policy();
    two.exclude_paths.push_back("/workspace/.venv");
    o = good();
    CHECK(judge(o, two).size() == judge(o, sample_policy()).size() + 1);
    CHECK(verdict(o, "exclude_/workspace/.venv_exec_1777", two) == Verdict::Fail);
}

TEST_CASE("/tmp reached through a symlink is never judged by what it points at") {
    Observations o = good();
    o.tmp = DirObservation{};
    o.tmp.path = "/tmp";
    o.tmp.error = "open in rootfs: /tmp: is a symlink (refused: the hook never follows links inside the rootfs)";
    auto rs = judge(o, sample_policy());
    for (const char* name : {"tmp_is_tmpfs", "tmp_noexec", "tmp_nosuid", "tmp_nodev", "tmp_mode_1777", "tmp_size",
                             "tmp_usage"}) {
        CHECK(probe(rs, name).verdict == Verdict::Fail);
        CHECK(probe(rs, name).reason.find("is a symlink") != std::string::npos);
    }
}

TEST_CASE("the agent's home: exists, owner through the uid map, writable") {
    Observations o = good();
    o.home.found = false;
    o.home.error = "does not exist (/agent-home is missing)";
    o.home_write = {false, false, ""};
    auto rs = judge(o, sample_policy());
    CHECK(probe(rs, "agent_home_exists").verdict == Verdict::Fail);
    CHECK(probe(rs, "agent_home_owner").verdict == Verdict::Fail);
    CHECK(probe(rs, "agent_home_writable").verdict == Verdict::Fail);

    o = good();
    o.home.uid = 1000;  // the container's id, not the mapped host id
    const auto& owner = probe(judge(o, sample_policy()), "agent_home_owner");
    CHECK(owner.verdict == Verdict::Fail);
    CHECK(owner.reason == "/agent-home is not owned by the agent 1000:1000 (host 101000:101000)");

    o = good();
    o.home_host_uid.reset();
    CHECK(probe(judge(o, sample_policy()), "agent_home_owner").reason.find("no mapping") != std::string::npos);

    o = good();
    o.home_write = {true, false, "create a file as the agent: /agent-home/.x: Permission denied"};
    CHECK(format_probe(probe(judge(o, sample_policy()), "agent_home_writable")) ==
          "FAIL agent_home_writable: as 1000:1000: create a file as the agent: /agent-home/.x: Permission denied");
}

TEST_CASE("mount_lockdown: judged from the real filter, never a silent pass") {
    Observations o = good();
    o.seccomp = {};
    o.seccomp.mode = 0;
    CHECK(format_probe(probe(judge(o, sample_policy()), "mount_lockdown")) ==
          "FAIL mount_lockdown: the container has no seccomp filter (Seccomp: 0)");
    o.seccomp.mode = 2;
    o.seccomp.error = "dump seccomp filter: pid 42: Operation not permitted";
    CHECK(probe(judge(o, sample_policy()), "mount_lockdown").reason ==
          "unknown: dump seccomp filter: pid 42: Operation not permitted");
    o.seccomp = {};
    o.seccomp.error = "read seccomp mode: /proc/42/status: No such file or directory";
    CHECK(probe(judge(o, sample_policy()), "mount_lockdown").reason.rfind("unknown: ", 0) == 0);
    o = good();
    o.seccomp.syscalls[1] = {"fsopen", "ALLOW", false};
    const auto& r = probe(judge(o, sample_policy()), "mount_lockdown");
    CHECK(r.verdict == Verdict::Fail);
    CHECK(r.reason == "the seccomp filter lets through fsopen");
    CHECK(r.observed == "mount ERRNO(1), fsopen ALLOW");
    o.seccomp.syscalls.clear();
    CHECK(verdict(o, "mount_lockdown") == Verdict::Fail);
    o.seccomp.mode = 1;
    CHECK(verdict(o, "mount_lockdown") == Verdict::Pass);
}

TEST_CASE("a container that could not be observed is one FAIL, and JSON carries every probe") {
    Observations o;
    o.label = "gone";
    o.error = "enter mount namespace: pid 9: process 9 is gone";
    auto rs = judge(o, sample_policy());
    REQUIRE(rs.size() == 1);
    CHECK(format_probe(rs[0]) == "FAIL observe: enter mount namespace: pid 9: process 9 is gone");

    auto j = doctor_json(good(), judge(good(), sample_policy()));
    CHECK(j["container"] == "c1");
    CHECK(j["pid"] == 42);
    CHECK(j["ok"] == true);
    CHECK(j["probes"].size() == 12);
    CHECK(j["probes"][0]["verdict"] == "pass");
    Observations bad = good();
    bad.tmp.used_bytes = bad.tmp.size_bytes;
    auto jb = doctor_json(bad, judge(bad, sample_policy()));
    CHECK(jb["ok"] == false);
    CHECK(jb["probes"][6]["verdict"] == "fail");
}

TEST_CASE("usage_percent rounds up like df") {
    CHECK(usage_percent(0, 100) == 0);
    CHECK(usage_percent(1, 100) == 1);
    CHECK(usage_percent(1, 1000) == 1);
    CHECK(usage_percent(100, 100) == 100);
    CHECK(usage_percent(5, 0) == 0);
    CHECK(usage_percent(UINT64_MAX, UINT64_MAX) == 100);
}
