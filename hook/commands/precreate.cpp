// podman/CRI-O precreate: the runtime has not read the spec yet, so the
// rewritten spec is the whole job. stdout carries nothing but the JSON.
#include <istream>
#include <ostream>

#include "../../oci/json_io.hpp"
#include "command.hpp"

namespace agenthook {

int run_precreate(const Context& ctx) {
    const std::string name = "config.json (stdin)";
    Policy policy = load_effective_policy(ctx);
    oci::Json config = oci::parse_object(oci::read_bounded(ctx.in, name), name);
    Rewrite r = plan_rewrite(ctx, std::move(config), name, policy);
    ctx.out << oci::dump(r.config);
    ctx.out.flush();
    if (!ctx.out) throw HookError("write", "stdout", "write failed");
    return 0;
}

}  // namespace agenthook
