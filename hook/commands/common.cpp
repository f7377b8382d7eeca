#include "../../oci/config.hpp"
#include "../syscall_names.hpp"
#include "command.hpp"

namespace agenthook {

Policy load_effective_policy(const Context& ctx) {
    Warnings warnings;
    Policy policy = load_policy(choose_policy_source(ctx.options.config_path, ctx.env.policy_path), warnings);
    for (const auto& w : warnings) ctx.log.warn(w);
    return policy;
}

Rewrite plan_rewrite(const Context& ctx, oci::Json config, const std::string& name, const Policy& policy,
                     Registration registration) {
    oci::validate_config(config, name);
    Plan plan = make_plan(config, policy, Overrides{ctx.env.tmp_size});
    for (const auto& w : plan.warnings) ctx.log.warn(w);
    bool changed = false, added = false;
    oci::Json rewritten = apply_to_spec(std::move(config), plan, &changed);
    if (registration == Registration::Self) rewritten = register_hook(std::move(rewritten), self_hook(ctx), &added);
    // Only a spec writer: the runtime has not loaded the seccomp filter yet.
    // In hook mode the filter is already set, so rules added to the bundle's
    // config.json would record a lockdown the container does not have.
    bool locked = false;
    if (registration == Registration::Self && policy.seccomp_deny_mount)
        rewritten = apply_mount_lockdown(std::move(rewritten), LibseccompTable(), name, &locked);
    return {std::move(rewritten), std::move(plan), changed || added || locked};
}

HookEntry self_hook(const Context& ctx) {
    PolicySource source = choose_policy_source(ctx.options.config_path, ctx.env.policy_path);
    return self_hook_entry(ctx.env.self_path, source.explicit_ ? std::optional<std::string>(source.path) : std::nullopt,
                           ctx.env.tmp_size);
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
