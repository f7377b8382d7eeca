#include "doctor_verdicts.hpp"

#include <algorithm>
#include <charconv>

#include "size.hpp"

namespace agenthook {

namespace {

std::string octal(uint32_t v) {
    char buf[16];
    auto r = std::to_chars(buf, buf + sizeof buf, v, 8);
    return "0" + std::string(buf, r.ptr);
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

ProbeResult pass(std::string name, std::string observed) {
    return {std::move(name), Verdict::Pass, "", std::move(observed)};
}
ProbeResult fail(std::string name, std::string reason, std::string observed = "") {
    return {std::move(name), Verdict::Fail, std::move(reason), std::move(observed)};
}
ProbeResult check(std::string name, bool ok, std::string reason, std::string observed) {
    return ok ? pass(std::move(name), std::move(observed)) : fail(std::move(name), std::move(reason), std::move(observed));
}

// What the mount at a path is, for the observed values of every mount probe.
std::string mount_facts(const DirObservation& d) {
    return "fstype " + (d.fstype.empty() ? std::string("unknown") : d.fstype) +
           ", own mount " + yes_no(d.is_mount_root) + ", options " +
           (d.mount_options.empty() ? std::string("unknown") : d.mount_options);
}

bool is_tmpfs_mount(const DirObservation& d) { return d.found && d.is_mount_root && d.statfs_tmpfs && d.fstype == "tmpfs"; }

bool mode_1777(const DirObservation& d) { return (d.mode & 07777) == 01777; }

}  // namespace

unsigned usage_percent(uint64_t used, uint64_t total) {
    if (total == 0) return 0;
    // Rounded up: 94.1% full reads 95%, as df shows it.
    const unsigned __int128 scaled = static_cast<unsigned __int128>(used) * 100;
    return static_cast<unsigned>((scaled + total - 1) / total);
}

std::vector<ProbeResult> judge(const Observations& obs, const Policy& policy, std::optional<uint64_t> applied_tmp_size) {
    std::vector<ProbeResult> out;
    if (!obs.error.empty()) {
        out.push_back(fail("observe", obs.error));
        return out;
    }

    // ---- /tmp ---------------------------------------------------------------
    const DirObservation& t = obs.tmp;
    if (!t.found) {
        for (const char* name : {"tmp_is_tmpfs", "tmp_noexec", "tmp_nosuid", "tmp_nodev", "tmp_mode_1777", "tmp_size",
                                 "tmp_usage"})
            out.push_back(fail(name, t.path + ": " + t.error));
    } else {
        const std::string facts = mount_facts(t);
        const bool tmpfs = is_tmpfs_mount(t);
        out.push_back(check("tmp_is_tmpfs", tmpfs,
                            !t.is_mount_root ? "/tmp is not a mount of its own" : "/tmp is not a tmpfs", facts));
        out.push_back(check("tmp_noexec", t.noexec, "/tmp allows exec", facts));
        out.push_back(check("tmp_nosuid", t.nosuid, "/tmp allows setuid", facts));
        out.push_back(check("tmp_nodev", t.nodev, "/tmp allows device files", facts));
        out.push_back(check("tmp_mode_1777", mode_1777(t), "/tmp is not mode 1777", "mode " + octal(t.mode & 07777)));

        const uint64_t want = page_rounded(policy.tmp_size, obs.page_size);
        const std::string sizes = "observed " + std::to_string(t.size_bytes) + " bytes, policy tmp.size " +
                                  std::to_string(want) + ", tmp.max_size " + std::to_string(policy.tmp_max_size);
        if (!tmpfs) out.push_back(fail("tmp_size", "/tmp is not a tmpfs: its size is not bounded by the policy", sizes));
        else if (t.size_bytes == 0) out.push_back(fail("tmp_size", "/tmp is an unbounded tmpfs", sizes));
        else if (t.size_bytes > page_rounded(policy.tmp_max_size, obs.page_size))
            out.push_back(fail("tmp_size", "/tmp is larger than tmp.max_size", sizes));
        else if (applied_tmp_size) {
            const uint64_t applied = page_rounded(*applied_tmp_size, obs.page_size);
            const std::string recorded = sizes + ", applied by the hook " + std::to_string(applied);
            out.push_back(check("tmp_size", t.size_bytes == applied,
                                "/tmp is not the size the hook applied (remounted since?)", recorded));
        } else
            out.push_back(pass("tmp_size", t.size_bytes == want ? sizes
                                                                : sizes + "; differs from tmp.size: an override "
                                                                          "(AGENT_TMP_SIZE or the tmp-size annotation)?"));

        const unsigned bytes_pct = usage_percent(t.used_bytes, t.size_bytes);
        const unsigned inodes_pct = usage_percent(t.inodes_used, t.inodes_total);
        const unsigned worst = std::max(bytes_pct, inodes_pct);
        const std::string usage = "bytes " + std::to_string(t.used_bytes) + " of " + std::to_string(t.size_bytes) +
                                  " (" + std::to_string(bytes_pct) + "%), inodes " + std::to_string(t.inodes_used) +
                                  " of " + std::to_string(t.inodes_total) + " (" + std::to_string(inodes_pct) + "%)";
        const std::string what = bytes_pct >= inodes_pct ? "bytes" : "inodes";
        if (t.size_bytes == 0) out.push_back(fail("tmp_usage", "/tmp has no size limit to measure use against", usage));
        else if (worst >= kUsageFailPercent)
            out.push_back(fail("tmp_usage", "/tmp is " + std::to_string(worst) + "% full (" + what + "), fail at " +
                                                std::to_string(kUsageFailPercent) + "%",
                               usage));
        else if (worst >= kUsageWarnPercent)
            out.push_back({"tmp_usage", Verdict::Warn,
                           "/tmp is " + std::to_string(worst) + "% full (" + what + "), warn at " +
                               std::to_string(kUsageWarnPercent) + "%",
                           usage});
        else out.push_back(pass("tmp_usage", usage));
    }

    // ---- excluded paths -----------------------------------------------------
    for (const auto& path : policy.exclude_paths) {
        const std::string name = "exclude_" + path + "_exec_1777";
        auto it = std::find_if(obs.excludes.begin(), obs.excludes.end(),
                               [&](const DirObservation& d) { return d.path == path; });
        if (it == obs.excludes.end()) {
            out.push_back(fail(name, path + ": not observed"));
            continue;
        }
        const DirObservation& d = *it;
        if (!d.found) {
            out.push_back(fail(name, path + ": " + d.error));
            continue;
        }
        const std::string facts = mount_facts(d) + ", mode " + octal(d.mode & 07777);
        if (!is_tmpfs_mount(d)) out.push_back(fail(name, path + " is not a tmpfs mount of its own", facts));
        else if (d.noexec) out.push_back(fail(name, path + " is noexec", facts));
        else if (!mode_1777(d)) out.push_back(fail(name, path + " is not mode 1777", facts));
        else out.push_back(pass(name, facts));
    }

    // ---- the agent's home ----------------------------------------------------
    const DirObservation& h = obs.home;
    out.push_back(check("agent_home_exists", h.found, h.path + ": " + h.error, h.found ? "directory " + h.path : ""));
    const std::string owner = "owner " + std::to_string(h.uid) + ":" + std::to_string(h.gid) + " (host ids), mode " +
                              octal(h.mode & 07777);
    const std::string agent = std::to_string(policy.home_uid) + ":" + std::to_string(policy.home_gid);
    if (!h.found) out.push_back(fail("agent_home_owner", h.path + ": " + h.error));
    else if (!obs.home_host_uid || !obs.home_host_gid)
        out.push_back(fail("agent_home_owner",
                           "the agent ids " + agent + " have no mapping in the container's user namespace", owner));
    else {
        const std::string expected = std::to_string(*obs.home_host_uid) + ":" + std::to_string(*obs.home_host_gid);
        out.push_back(check("agent_home_owner", h.uid == *obs.home_host_uid && h.gid == *obs.home_host_gid,
                            h.path + " is not owned by the agent " + agent + " (host " + expected + ")",
                            owner + ", agent " + agent + " is host " + expected));
    }
    const WriteObservation& w = obs.home_write;
    if (!w.attempted) out.push_back(fail("agent_home_writable", "not tried: " + (w.error.empty() ? "no home" : w.error)));
    else if (!w.ok) out.push_back(fail("agent_home_writable", "as " + agent + ": " + w.error));
    else out.push_back(pass("agent_home_writable", "created and removed a file in " + h.path + " as " + agent));

    // ---- the seccomp mount lockdown -----------------------------------------
    const SeccompObservation& s = obs.seccomp;
    if (!s.mode) out.push_back(fail("mount_lockdown", "unknown: " + (s.error.empty() ? "no Seccomp: field" : s.error)));
    else if (*s.mode == 0) out.push_back(fail("mount_lockdown", "the container has no seccomp filter", "Seccomp: 0"));
    else if (*s.mode == 1) out.push_back(pass("mount_lockdown", "Seccomp: 1 (strict mode: only read, write, exit)"));
    else if (!s.evaluated) out.push_back(fail("mount_lockdown", "unknown: " + s.error, "Seccomp: " + std::to_string(*s.mode)));
    else {
        std::string actions, allowed;
        for (const auto& v : s.syscalls) {
            actions += (actions.empty() ? "" : ", ") + v.name + " " + v.action;
            if (!v.denied) allowed += (allowed.empty() ? "" : ", ") + v.name;
        }
        if (s.syscalls.empty()) out.push_back(fail("mount_lockdown", "unknown: no syscall was evaluated"));
        else out.push_back(check("mount_lockdown", allowed.empty(), "the seccomp filter lets through " + allowed, actions));
    }
    return out;
}

int doctor_exit_code(const std::vector<ProbeResult>& results) {
    for (const auto& r : results)
        if (r.verdict != Verdict::Pass) return 1;
    return 0;
}

std::string format_probe(const ProbeResult& r) {
    const std::string observed = r.observed.empty() ? "" : " (" + r.observed + ")";
    switch (r.verdict) {
        case Verdict::Pass: return "PASS " + r.name + observed;
        case Verdict::Warn: return "WARN " + r.name + ": " + r.reason + observed;
        case Verdict::Fail: break;
    }
    return "FAIL " + r.name + ": " + r.reason + observed;
}

oci::Json doctor_json(const Observations& obs, const std::vector<ProbeResult>& results) {
    oci::Json probes = oci::Json::array();
    for (const auto& r : results)
        probes.push_back({{"name", r.name},
                          {"verdict", r.verdict == Verdict::Pass ? "pass" : r.verdict == Verdict::Warn ? "warn" : "fail"},
                          {"reason", r.reason},
                          {"observed", r.observed}});
    return {{"container", obs.label}, {"pid", obs.pid}, {"ok", doctor_exit_code(results) == 0}, {"probes", probes}};
}

}  // namespace agenthook
