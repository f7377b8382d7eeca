// rewrite --bundle DIR: the spec-only path for anything that runs before the
// runtime reads config.json (a runtime wrapper, a manual step).
#include <ostream>

#include "../../oci/json_io.hpp"
#include "../seccomp_rules.hpp"
#include "command.hpp"

namespace agenthook {

int run_rewrite(const Context& ctx) {
    const std::string path = ctx.options.bundle + "/config.json";
    Policy policy = load_effective_policy(ctx);
    oci::Json config = oci::parse_object(oci::read_file_bounded(path), path);
    oci::Json before = ctx.options.dry_run ? config : oci::Json();
    Rewrite r = plan_rewrite(ctx, std::move(config), path, policy, Registration::Self);

    if (ctx.options.dry_run) {
        auto changes = describe_mount_changes(before, r.config);
        if (auto line = describe_seccomp_change(before, r.config)) changes.push_back(*line);
        if (changes.empty()) ctx.out << path << ": no change\n";
        for (const auto& line : changes) ctx.out << line << "\n";
        return 0;
    }
    // An already rewritten config is left alone: no write, no new inode.
    if (r.changed) oci::write_file_atomic(path, oci::dump(r.config));
    return 0;
}

}  // namespace agenthook
