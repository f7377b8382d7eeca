#include <unistd.h>

#include <chrono>

#include "../../oci/config.hpp"
#include "../../oci/json_io.hpp"
#include "../syscall_names.hpp"
#include "command.hpp"

namespace agenthook {

namespace {
constexpr std::size_t kMaxStateBytes = std::size_t{1} << 20;
constexpr std::chrono::milliseconds kStateDeadline{5000};
}  // namespace

oci::State read_hook_state(bool pid_required) {
    // From the descriptor: an istream cannot wait with a deadline.
    return oci::parse_state(
        oci::parse_object(oci::read_fd_bounded(STDIN_FILENO, kStateName, kMaxStateBytes, kStateDeadline), kStateName),
        kStateName, pid_required);
}

Policy load_effective_policy(const Context& ctx) {
    Warnings warnings;
    Policy policy = load_policy(choose_policy_source(ctx.options.config_path, ctx.env.policy_path), warnings);
    // Before any warning: a log file the policy names gets them too. Hook
    // mode gets here before it enters its sandbox (the file is opened now).
    ctx.log.configure(policy.log);
    for (const auto& w : warnings) ctx.log.warn(w);
    ctx.log.debug("policy: " + policy.source);
    return policy;
}

Rewrite plan_rewrite(const Context& ctx, oci::Json config, const std::string& name, const Policy& policy,
                     Registration registration) {
    oci::validate_config(config, name);
    Plan plan = make_plan(config, policy, Overrides{ctx.env.tmp_size});
    for (const auto& w : plan.warnings) ctx.log.warn(w);
    bool changed = false, added = false;
    oci::Json rewritten = apply_to_spec(std::move(config), plan, &changed);
    if (registration == Registration::Self) rewritten = register_hooks(std::move(rewritten), self_hooks(ctx), &added);
    // Only a spec writer: the runtime has not loaded the seccomp filter yet.
    // In hook mode the filter is already set, so rules added to the bundle's
    // config.json would record a lockdown the container does not have.
    bool locked = false;
    if (registration == Registration::Self && policy.seccomp_deny_mount)
        rewritten = apply_mount_lockdown(std::move(rewritten), LibseccompTable(), name, &locked);
    return {std::move(rewritten), std::move(plan), changed || added || locked};
}

std::vector<HookEntry> self_hooks(const Context& ctx) {
    PolicySource source = choose_policy_source(ctx.options.config_path, ctx.env.policy_path);
    return self_hook_entries(ctx.env.self_path,
                             source.explicit_ ? std::optional<std::string>(source.path) : std::nullopt, ctx.env.tmp_size);
}

std::string state_dir_for(const Context& ctx) {
    if (ctx.options.state_dir) return *ctx.options.state_dir;
    return load_effective_policy(ctx).state_dir;
}

void refuse_if_precreate_refused(const oci::Json& config, const std::string& name) {
    auto annotations = config.find("annotations");
    if (annotations == config.end() || !annotations->is_object()) return;
    auto refused = annotations->find(kRefusedAnnotation);
    if (refused == annotations->end()) return;
    throw HookError("precreate refused the spec", name + ": annotations." + kRefusedAnnotation,
                    refused->is_string() ? refused->get<std::string>() : refused->dump());
}

}  // namespace agenthook
