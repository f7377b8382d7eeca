// doctor and df: the operator's view of running containers. Each container
// is observed once (hook/observe.*); doctor judges the observation, df
// reports its use. A container is named by a label and reached by its pid,
// or found by id in the records hook mode keeps (hook/records.hpp).
#include <ostream>

#include "../df_report.hpp"
#include "../doctor_verdicts.hpp"
#include "../observe.hpp"
#include "../records.hpp"
#include "command.hpp"

namespace agenthook {

DoctorReport doctor_container(const std::string& label, int pid, const Policy& policy,
                              std::optional<uint64_t> applied_tmp_size) {
    DoctorReport report;
    report.observations = observe_container(label, pid, policy, Depth::Full);
    report.results = judge(report.observations, policy, applied_tmp_size);
    return report;
}

int run_doctor(const Context& ctx) {
    Policy policy = load_effective_policy(ctx);
    Target target = ctx.options.targets.at(0);
    std::optional<uint64_t> applied_tmp_size;
    if (target.record_id) {
        std::optional<Record> record = find_record(state_dir_for(ctx), *target.record_id);
        if (!record)
            throw HookError("doctor", *target.record_id, "the container's process is gone (its record was pruned)");
        target.pid = record->pid;
        applied_tmp_size = recorded_tmp_size(*record);
    }
    DoctorReport report = doctor_container(target.label, target.pid, policy, applied_tmp_size);
    if (ctx.options.format == "json") {
        ctx.out << doctor_json(report.observations, report.results).dump(2) << "\n";
    } else {
        for (const auto& r : report.results) ctx.out << format_probe(r) << "\n";
    }
    return doctor_exit_code(report.results);
}

DfRow df_container(const std::string& label, int pid, const Policy& policy) {
    return df_row(observe_container(label, pid, policy, Depth::Mounts));
}

int run_df(const Context& ctx) {
    Policy policy = load_effective_policy(ctx);
    std::vector<Target> targets = ctx.options.targets;
    if (targets.empty()) {
        const std::string state_dir = state_dir_for(ctx);
        for (const Record& r : live_records(state_dir, ctx.log)) targets.push_back({r.id, r.pid, r.id});
        // Said, not left blank; a collector gets an empty file (no series).
        if (targets.empty() && ctx.options.format == "text")
            ctx.out << "no running container recorded in " << state_dir << "\n";
    }
    std::vector<DfRow> rows;
    for (const auto& t : targets) rows.push_back(df_container(t.label, t.pid, policy));
    sort_by_use(rows);
    ctx.out << (ctx.options.format == "prometheus" ? df_prometheus(rows) : df_text(rows));
    // A container that could not be observed is reported on its line and
    // makes the run fail, so a timer or a collector notices.
    for (const auto& r : rows)
        if (!r.error.empty()) return 1;
    return 0;
}

}  // namespace agenthook
