// poststop: the container is gone; its record goes too.
//
// Never blocks a removal, so it always exits 0 and reports a failure as one
// line (stderr and syslog). runc runs poststop hooks after it has removed
// the container's state (libcontainer/state_linux.go destroy()), stops at
// the first failing one (configs Hooks.Run returns its error) and only logs
// that error (utils_linux.go destroy()): a non-zero exit here would skip
// the hooks registered after this one. crun runs every poststop hook and
// turns a failure into a warning (src/libcrun/container.c
// run_poststop_hooks, do_hooks with keep_going), then deletes the state.
#include "../records.hpp"
#include "command.hpp"

namespace agenthook {

int run_poststop(const Context& ctx) {
    try {
        // runc leaves the pid out once the process is gone; crun sends 0.
        oci::State state = read_hook_state(false);
        ctx.log.set_container(state.id);
        const std::string state_dir = load_effective_policy(ctx).state_dir;
        // No record is no failure: a start that failed before writing it,
        // or a second poststop entry. Only syslog says so.
        const bool removed = remove_record(state_dir, state.id, state.bundle, ctx.log);
        ctx.log.info(removed ? "record removed" : "no record to remove");
    } catch (const HookError& e) {
        ctx.log.error(e.line() + " (the container's removal goes on)");
    } catch (const std::exception& e) {
        ctx.log.error(std::string("internal error: ") + e.what() + " (the container's removal goes on)");
    }
    return 0;
}

}  // namespace agenthook
