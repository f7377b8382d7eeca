// check-config [FILE]: the operator's dry run of a policy file.
#include <ostream>

#include "command.hpp"

namespace agenthook {

int run_check_config(const Context& ctx) {
    PolicySource source = ctx.options.check_file
                              ? PolicySource{*ctx.options.check_file, true}
                              : choose_policy_source(ctx.options.config_path, ctx.env.policy_path);
    Warnings warnings;
    Policy policy;
    try {
        policy = load_policy(source, warnings);
    } catch (const PolicyError& e) {
        for (const auto& w : warnings) ctx.log.warn(w);
        for (const auto& problem : e.problems) ctx.log.error(source.path + ": " + problem);
        return 1;
    }
    for (const auto& w : warnings) ctx.log.warn(w);
    ctx.out << policy_to_json(policy).dump(2) << "\n";
    return 0;
}

}  // namespace agenthook
