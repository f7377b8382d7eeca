#include "../../oci/config.hpp"
#include "command.hpp"

namespace agenthook {

Policy load_effective_policy(const Context& ctx) {
    Warnings warnings;
    Policy policy = load_policy(choose_policy_source(ctx.options.config_path, ctx.env.policy_path), warnings);
    for (const auto& w : warnings) ctx.log.warn(w);
    return policy;
}

Rewrite plan_rewrite(const Context& ctx, oci::Json config, const std::string& name, const Policy& policy) {
    oci::validate_config(config, name);
    Plan plan = make_plan(config, policy, Overrides{ctx.env.tmp_size});
    for (const auto& w : plan.warnings) ctx.log.warn(w);
    bool changed = false;
    oci::Json rewritten = apply_to_spec(std::move(config), plan, &changed);
    return {std::move(rewritten), std::move(plan), changed};
}

}  // namespace agenthook
