// oci-agent-runtime: what containerd's runc shim (BinaryName) and Docker
// (daemon.json runtimes) call instead of runc. runc reads config.json
// before any hook runs, so the spec is rewritten here, before the real
// runtime starts; the hook registers itself at createRuntime in it, so hook
// mode then fixes modes and creates the home. Every command line goes to
// the real runtime unchanged.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "../../oci/config.hpp"
#include "../../oci/json_io.hpp"
#include "../fd.hpp"
#include "../outcome.hpp"
#include "../runtime_args.hpp"
#include "command.hpp"

namespace agenthook {

namespace {

constexpr const char* kContainerType = "io.kubernetes.cri.container-type";

// Rewrites the bundle's config.json, unless the container is one to leave
// alone: a CRI pod sandbox, or one the policy's match.annotations rejects.
void prepare_bundle(const Context& ctx, const RuntimeCall& call, const Policy& policy) {
    const std::string path = call.bundle.value_or(".") + "/config.json";
    oci::Json config = oci::parse_object(oci::read_file_bounded(path), path);
    oci::validate_config(config, path);
    const oci::Json& annotations = oci::annotations_of(config);
    if (oci::annotation(config, kContainerType) == "sandbox") {
        ctx.log.info(path + ": a CRI pod sandbox, left alone");
        return;
    }
    if (!matches_annotations(policy, annotations)) {
        ctx.log.info(path + ": annotations do not match the policy's match.annotations, left alone");
        return;
    }
    Rewrite r = plan_rewrite(ctx, std::move(config), path, policy, Registration::Self);
    if (r.changed) oci::write_file_atomic(path, oci::dump(r.config));
    ctx.log.info("spec rewritten: " + contract_summary(r.plan));
}

// The real runtime: OCI_AGENT_RUNTIME, else the policy's runtime.path;
// never this binary, whatever links lead to it.
std::string real_runtime(const Context& ctx, const Policy& policy) {
    const char* step = "find runtime";
    std::string path = ctx.env.runtime && !ctx.env.runtime->empty() ? *ctx.env.runtime : policy.runtime_path;
    if (path.empty() || path[0] != '/')
        throw HookError(step, path, "not an absolute path", 0, "set runtime.path in the policy, or OCI_AGENT_RUNTIME");
    struct stat real{}, self{};
    if (stat(path.c_str(), &real) < 0)
        throw sys_error(step, path, errno, "set runtime.path in the policy, or OCI_AGENT_RUNTIME");
    if (stat(ctx.env.self_path.c_str(), &self) == 0 && real.st_dev == self.st_dev && real.st_ino == self.st_ino)
        throw HookError(step, path, "is oci-agent-runtime itself", 0,
                        "refused: it would call itself forever; point runtime.path at runc or crun");
    return path;
}

// runc's callers show a failing runc's --log lines, not its stderr.
void report(const Context& ctx, const RuntimeCall& call, const std::string& message) {
    ctx.log.error(message);
    if (!call.log_file) return;
    Fd log(::open(call.log_file->c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    if (log.valid())
        write_fully(log.get(), runtime_log_line(call.log_format, ctx.log.line(message), rfc3339_utc(std::time(nullptr))));
}

}  // namespace

int run_runtime_wrapper(const Context& ctx, const std::vector<std::string>& args) {
    RuntimeCall call = parse_runtime_call({args.begin() + (args.empty() ? 0 : 1), args.end()});
    if (call.id) ctx.log.set_container(*call.id);
    std::string real;
    try {
        Policy policy;
        if (call.creates()) {
            policy = load_effective_policy(ctx);
            prepare_bundle(ctx, call, policy);
        } else {
            // No work for any other command, and a broken policy must not
            // stop a kill or delete: only runtime.path is wanted here.
            try {
                policy = load_effective_policy(ctx);
            } catch (const HookError& e) {
                ctx.log.warn(e.line() + " (using " + policy.runtime_path + ")");
            }
        }
        real = real_runtime(ctx, policy);
    } catch (const HookError& e) {
        report(ctx, call, e.line());
        return 1;
    }

    std::vector<char*> argv;
    argv.push_back(real.data());
    for (std::size_t i = 1; i < args.size(); ++i) argv.push_back(const_cast<char*>(args[i].c_str()));
    argv.push_back(nullptr);
    ::execv(real.c_str(), argv.data());
    report(ctx, call, sys_error("exec runtime", real, errno).line());
    return 1;
}

}  // namespace agenthook
