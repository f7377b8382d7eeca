// sweep: keeps agent temp dirs bounded (hook/sweep.hpp). Each target is
// swept on its own: a failure on one is reported and the others still run
// (exit 1 at the end).
#include <ctime>
#include <functional>
#include <ostream>

#include "../records.hpp"
#include "../sweep.hpp"
#include "../sweep_fs.hpp"
#include "command.hpp"

namespace agenthook {

namespace {

struct SweepTarget {
    std::string label;  // the summary line's name
    std::string where;  // the directory as messages show it
    std::function<Fd()> open;
};

SweepTarget container_tmp(const std::string& label, int pid) {
    // Through /proc/<pid>/root (sweep_fs.hpp says why).
    return {label, "/proc/" + std::to_string(pid) + "/root/tmp", [pid] { return open_container_tmp(pid); }};
}

std::vector<SweepTarget> targets_of(const Context& ctx, const Cleanup& cleanup) {
    const Options& o = ctx.options;
    std::vector<SweepTarget> targets;
    for (int pid : o.sweep_pids) targets.push_back(container_tmp("pid " + std::to_string(pid), pid));
    // Neither --pid nor --path: every running container hook mode recorded.
    if (!o.teardown && o.sweep_pids.empty() && o.sweep_paths.empty())
        for (const Record& r : live_records(state_dir_for(ctx), ctx.log)) targets.push_back(container_tmp(r.id, r.pid));
    const std::vector<std::string>& paths =
        o.teardown && o.sweep_paths.empty() ? cleanup.teardown_paths : o.sweep_paths;
    for (const auto& path : paths) targets.push_back({path, path, [path] { return open_host_dir(path); }});
    return targets;
}

}  // namespace

int run_sweep(const Context& ctx) {
    const Options& o = ctx.options;
    const Policy policy = load_effective_policy(ctx);
    if (!policy.cleanup.enabled) {
        ctx.out << "sweep: cleanup.enabled is false in the policy: nothing done\n";
        return 0;
    }
    const std::vector<SweepTarget> targets = targets_of(ctx, policy.cleanup);
    if (targets.empty()) {
        ctx.out << (o.teardown ? "sweep: nothing to tear down: no --path given and cleanup.teardown_paths is empty\n"
                               : "sweep: nothing to sweep: no --pid or --path given, and no running container is "
                                 "recorded in " + state_dir_for(ctx) + "\n");
        return 0;
    }
    const SweepRules rules =
        o.teardown ? teardown_rules(policy.cleanup, *o.teardown_uid) : age_rules(policy.cleanup);
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    bool failed = false;
    for (const auto& t : targets) {
        const SweepSummary s = sweep_target(t.label, t.where, t.open, rules, now, o.dry_run);
        for (const auto& line : s.listing) ctx.out << line << "\n";
        for (const auto& e : s.errors) ctx.log.error(e);
        failed = failed || !s.errors.empty();
        // A target that could not be read at all has no summary to give.
        if (s.errors.empty() || s.entries > 0 || !s.listing.empty()) {
            ctx.out << summary_line(s) << "\n";
            ctx.log.info(summary_line(s));
        }
    }
    return failed ? 1 : 0;
}

}  // namespace agenthook
