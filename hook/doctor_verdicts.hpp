#pragma once
// PURE: the doctor's probes, judged from what was observed in a running
// container (hook/observations.hpp) against the policy. No syscalls here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"
#include "observations.hpp"
#include "policy.hpp"

namespace agenthook {

enum class Verdict { Pass, Warn, Fail };

struct ProbeResult {
    std::string name;      // "tmp_is_tmpfs", "exclude_/workspace/node_modules_exec_1777", ...
    Verdict verdict = Verdict::Fail;
    std::string reason;    // why it failed or warns ("" for a pass)
    std::string observed;  // the observed values
};

// /tmp usage thresholds (percent of bytes or of inodes, whichever is higher).
inline constexpr unsigned kUsageWarnPercent = 80;
inline constexpr unsigned kUsageFailPercent = 95;

// used/total in percent, rounded up as df(1) does (0 when total is 0).
unsigned usage_percent(uint64_t used, uint64_t total);

// Every probe, in a fixed order: tmp_is_tmpfs, tmp_noexec, tmp_nosuid,
// tmp_nodev, tmp_mode_1777, tmp_size, tmp_usage, one
// exclude_<path>_exec_1777 per policy exclude path, agent_home_exists,
// agent_home_owner, agent_home_writable, mount_lockdown. A container that
// could not be observed at all gives one FAIL "observe".
// `applied_tmp_size` is the /tmp size hook mode's record says it applied
// (doctor --id): then tmp_size holds /tmp to exactly that size, which an
// override may have set, and a /tmp remounted since fails. Without it
// (doctor --pid) any size within tmp.max_size passes.
std::vector<ProbeResult> judge(const Observations& obs, const Policy& policy,
                               std::optional<uint64_t> applied_tmp_size = std::nullopt);

// 0 when every probe passes, 1 otherwise (a warning too: never silent).
int doctor_exit_code(const std::vector<ProbeResult>& results);

// "PASS name (observed)" / "WARN name: reason (observed)" / "FAIL name: reason (observed)".
std::string format_probe(const ProbeResult& r);

// {"container": label, "pid": N, "ok": bool, "probes": [{"name", "verdict", "reason", "observed"}]}
oci::Json doctor_json(const Observations& obs, const std::vector<ProbeResult>& results);

}  // namespace agenthook
