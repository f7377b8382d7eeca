// podman/CRI-O precreate: the runtime has not read the spec yet, so the
// rewritten spec is the whole job. stdout carries nothing but the JSON.
//
// podman throws a precreate hook's stderr away: its user would see only
// "exit status 1". So when the spec cannot be planned (a bad policy file,
// say), precreate hands the spec on unchanged but for its own createRuntime
// entry and its error line (kRefusedAnnotation), and that stage, whose
// message runc prints, fails closed with the reason.
#include <unistd.h>

#include <chrono>
#include <ostream>
#include <utility>

#include "../../oci/config.hpp"
#include "../../oci/json_io.hpp"
#include "../outcome.hpp"
#include "../sandbox.hpp"
#include "command.hpp"

namespace agenthook {

namespace {
constexpr const char* kHookStderrAnnotation = "run.oci.hooks.stderr";
// podman and CRI-O write the spec into the pipe and close it at once; a
// pipe still open after this is a broken caller, not a slow one.
constexpr std::chrono::milliseconds kSpecDeadline{10000};

// The written spec is left for the process's exit to reclaim: freeing a
// document node by node was a fifth of precreate's instructions at 10,000
// mounts (issue 11), and precreate exits right after writing it. Kept
// reachable, so leak checkers do not report it.
void keep_until_exit(oci::Json&& spec) {
    static oci::Json* kept = nullptr;
    delete kept;  // precreate runs once per process; a second call frees the first
    kept = new oci::Json(std::move(spec));
}
}  // namespace

int run_precreate(const Context& ctx) {
    const std::string name = "config.json (stdin)";
    const std::string text = oci::read_fd_bounded(STDIN_FILENO, name, oci::kMaxDocumentBytes, kSpecDeadline);
    oci::Json out;
    try {
        oci::Json config = oci::parse_object(text, name);
        ctx.log.set_container(spec_label(config));
        Policy policy = load_effective_policy(ctx);
        Rewrite r = plan_rewrite(ctx, std::move(config), name, policy, Registration::Self);
        out = std::move(r.config);
        ctx.log.info("spec rewritten: " + contract_summary(r.plan));
    } catch (const HookError& e) {
        // Parsed again rather than copied up front: the failure path pays, not every start.
        oci::Json config = oci::parse_object(text, name);
        ctx.log.set_container(spec_label(config));
        oci::validate_config(config, name);  // a spec that cannot carry the hook entry fails here
        ctx.log.error(e.line() + " (the spec goes on unchanged; the createRuntime stage refuses the container)");
        // crun shows a failing hook only by its exit code, and writes the
        // hook's stderr to the file this annotation names: its own stderr,
        // which podman shows. runc ignores it (it prints the stderr itself).
        oci::Json& annotations = oci::member(config, "annotations");
        if (!annotations.is_object()) annotations = oci::Json::object();
        if (!annotations.contains(kHookStderrAnnotation)) annotations[kHookStderrAnnotation] = "/dev/stderr";
        annotations[kRefusedAnnotation] = e.line();
        out = register_hooks(std::move(config), self_hooks(ctx));
    }
    // Planned: what is left is writing stdout (and syslog on an error).
    enter_sandbox(SandboxProfile::Precreate);
    oci::dump_to(ctx.out, out);
    ctx.out.flush();
    keep_until_exit(std::move(out));
    if (!ctx.out) throw HookError("write", "stdout", "write failed");
    return 0;
}

}  // namespace agenthook
