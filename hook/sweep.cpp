#include "sweep.hpp"

#include "error.hpp"
#include "fd.hpp"
#include "sweep_fs.hpp"

namespace agenthook {

SweepRules age_rules(const Cleanup& cleanup) {
    return {cleanup.patterns, cleanup.max_age, cleanup.min_age, std::nullopt};
}

SweepRules teardown_rules(const Cleanup& cleanup, uint32_t uid) {
    return {cleanup.patterns, cleanup.max_age, cleanup.min_age, uid};
}

std::vector<std::string> plan_listing(const SweepPlan& plan, const std::string& where) {
    std::vector<std::string> lines;
    for (const auto& k : plan.kept) lines.push_back("keep " + where + "/" + k.name + ": " + k.why);
    for (const auto& r : plan.removals)
        lines.push_back("would remove " + where + "/" + r.path + (r.is_dir ? "/" : "") + " (" + std::to_string(r.bytes) +
                        " bytes)");
    return lines;
}

SweepSummary sweep_dir(const std::string& label, const std::string& where, int root, const SweepRules& rules,
                       int64_t now, bool dry_run) {
    SweepSummary s;
    s.label = label;
    s.dry_run = dry_run;
    const std::vector<SweepNode> tops = scan_sweep_root(root, rules.patterns, where, s.errors);
    const SweepPlan plan = plan_sweep(tops, rules, now);
    if (dry_run) {
        s.listing = plan_listing(plan, where);
        s.entries = plan.removals.size();
        s.bytes = plan.bytes;
        s.inodes = plan.inodes;
        return s;
    }
    const SweepDone done = carry_out(root, plan, where, s.errors);
    s.entries = done.entries;
    s.bytes = done.bytes;
    s.inodes = done.inodes;
    return s;
}

std::string summary_line(const SweepSummary& s) {
    if (s.entries == 0) return s.label + ": nothing to remove";
    return s.label + ": " + std::to_string(s.entries) + " entries, " + std::to_string(s.bytes) + " bytes, " +
           std::to_string(s.inodes) + " inodes " + (s.dry_run ? "would free" : "freed");
}

SweepSummary sweep_target(const std::string& label, const std::string& where, const std::function<Fd()>& open,
                          const SweepRules& rules, int64_t now, bool dry_run) {
    try {
        Fd root = open();
        return sweep_dir(label, where, root.get(), rules, now, dry_run);
    } catch (const HookError& e) {
        SweepSummary failed;
        failed.label = label;
        failed.dry_run = dry_run;
        failed.errors.push_back(e.line());
        return failed;
    }
}

std::vector<SweepSummary> teardown_paths(const Cleanup& cleanup, uint32_t uid, int64_t now, bool dry_run) {
    std::vector<SweepSummary> out;
    for (const auto& path : cleanup.teardown_paths)
        out.push_back(sweep_target(path, path, [&path] { return open_host_dir(path); }, teardown_rules(cleanup, uid),
                                   now, dry_run));
    return out;
}

std::optional<std::string> teardown_refusal(const std::string& id, uint32_t host_uid,
                                            const std::vector<Record>& running) {
    if (host_uid == 0)
        return "the container ran as host uid 0 (root): root's entries in a shared directory are not only this "
               "container's";
    const std::string uid = std::to_string(host_uid);
    for (const auto& r : running) {
        if (r.id == id) continue;
        if (!r.host_uid)
            return "running container " + r.id + " has a record without its host uid (written by an older hook): "
                   "it may be uid " + uid + " too";
        if (*r.host_uid == host_uid)
            return "running container " + r.id + " is host uid " + uid + " too: its entries cannot be told apart";
    }
    return std::nullopt;
}

}  // namespace agenthook
