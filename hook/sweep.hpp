#pragma once
// `oci-agent-hook sweep` and the poststop teardown: one directory fd in, one
// summary out. The decision is sweep_plan's (pure), the file work
// sweep_fs's; this file joins them and words the result.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fd.hpp"
#include "policy.hpp"
#include "records.hpp"
#include "sweep_plan.hpp"

namespace agenthook {

struct SweepSummary {
    std::string label;  // "pid 1234", or the host directory
    bool dry_run = false;
    uint64_t entries = 0, bytes = 0, inodes = 0;  // bytes: st_blocks * 512 of the inodes freed
    std::vector<std::string> listing;  // --dry-run: each entry that would go, each top entry kept
    std::vector<std::string> errors;   // one line each; the rest of the sweep went on
};

// The age sweep's rules from the policy, and the teardown's for `uid`.
SweepRules age_rules(const Cleanup& cleanup);
SweepRules teardown_rules(const Cleanup& cleanup, uint32_t uid);

// Sweeps the directory `root` (shown as `where` in messages) under `rules`
// at time `now` (seconds since the epoch); with `dry_run`, removes nothing
// and reports the plan. Throws HookError when the directory cannot be read
// at all; problems with single entries land in the summary's errors.
SweepSummary sweep_dir(const std::string& label, const std::string& where, int root, const SweepRules& rules,
                       int64_t now, bool dry_run);

// sweep_dir on the directory `open` returns; a failure to open or read it
// is the summary's one error, never an exception (one target's failure must
// not stop the others, nor block a poststop).
SweepSummary sweep_target(const std::string& label, const std::string& where, const std::function<Fd()>& open,
                          const SweepRules& rules, int64_t now, bool dry_run);

// PURE: "<label>: N entries, B bytes, I inodes freed" ("would free" for a
// dry run), or "<label>: nothing to remove".
std::string summary_line(const SweepSummary& s);

// PURE: the --dry-run listing of `plan` under `where`.
std::vector<std::string> plan_listing(const SweepPlan& plan, const std::string& where);

// poststop: removes, in each of cleanup.teardown_paths, the matching top
// entries owned by `uid` (the stopped container's uid, mapped to the host)
// and everything in them owned by `uid`, whatever their age. A directory
// that cannot be opened is one error in its summary, never an exception:
// poststop must not block a container's removal.
std::vector<SweepSummary> teardown_paths(const Cleanup& cleanup, uint32_t uid, int64_t now, bool dry_run);

// PURE: why poststop must not tear down for the stopped container `id`,
// whose process ran as host uid `host_uid`, while the containers of the
// records `running` still run; nullopt when it may. Ownership is all that
// tells the stopped container's entries apart, so:
// - host uid 0: root owns far more in a shared host directory than one
//   container's temp dirs (the host's own agent sessions, other root
//   containers); removing them on every stop of a root container is not
//   a cleanup an operator expects;
// - another running container with the same host uid (or one whose record
//   does not say its uid): its live sessions would go too.
std::optional<std::string> teardown_refusal(const std::string& id, uint32_t host_uid,
                                            const std::vector<Record>& running);

}  // namespace agenthook
