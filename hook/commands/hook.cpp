// createRuntime / prestart: runc and crun have already read config.json, so
// the plan is applied inside the live container's mount namespace, verified,
// and only then recorded in the bundle's config.json.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <memory>

#include "../../oci/config.hpp"
#include "../../oci/json_io.hpp"
#include "../../oci/state.hpp"
#include "../id_map.hpp"
#include "../in_container.hpp"
#include "../live_plan.hpp"
#include "../outcome.hpp"
#include "../records.hpp"
#include "../sandbox.hpp"
#include "../sys_linux.hpp"
#include "command.hpp"

namespace agenthook {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
// The whole hook ends within this, whatever hangs: runc and crun wait for a
// hook forever unless the spec gives it a timeout, and where there is one
// the hook should fail with its own message first. Reading, parsing and
// planning are bounded by the input caps; the time goes to two waits:
// the state on stdin (read_hook_state, at most kStateDeadline) and the
// worker, which only resolves, mounts and chowns a few directories (far
// longer means it is stuck, on a hung FUSE mount in the rootfs, say).
constexpr milliseconds kHookDeadline{10000};

// Last step: the record of what was enforced (hook/records.hpp), for ps,
// doctor, df and sweep. The contract already holds in the container, so a
// record that cannot be written is a warning, not a failed start.
constexpr const char* kNoRecord = " (the container starts; ps, doctor, df and sweep will not see it)";

// The container process's uid as the host sees it, for the record: the
// poststop teardown removes that uid's entries, when the process is long
// gone. Mapped through the kernel's uid_map, not the spec's mappings (a
// container that joins a user namespace by path has none); without a user
// namespace the map is the identity. Read before the sandbox, which needs
// no opening of /proc files after it. nullopt, with a warning, when it
// cannot be known: the container starts, only its teardown is off.
std::optional<uint32_t> process_host_uid(const Context& ctx, int pid, const oci::Json& config,
                                         const std::string& config_path) {
    const std::string uid_map = "/proc/" + std::to_string(pid) + "/uid_map";
    try {
        auto uid = oci::process_uid(config);
        if (!uid) throw HookError("map process uid", config_path + ": process.user.uid", "missing or not a uid");
        // A uid_map has at most 340 lines (user_namespaces(7)).
        return host_id_of(parse_proc_id_map(oci::read_file_bounded(uid_map, 64 << 10), uid_map), *uid, uid_map,
                          "process uid");
    } catch (const HookError& e) {
        ctx.log.warn(e.line() + " (the container starts; its record has no host uid, so no teardown)");
    }
    return std::nullopt;
}

void record_enforced(const Context& ctx, const oci::State& state, const LivePlan& live, const Plan& plan,
                     const Policy& policy, std::optional<uint32_t> host_uid) {
    try {
        auto start_time = pid_start_time(state.pid);
        if (!start_time)
            throw HookError("write record", "/proc/" + std::to_string(state.pid) + "/stat", "the container process is gone");
        write_record(policy.state_dir,
                     make_record(state.id, state.pid, state.bundle, live.rootfs, plan, policy.source, std::time(nullptr),
                                 *start_time, host_uid));
    } catch (const HookError& e) {
        ctx.log.warn(e.line() + kNoRecord);
    } catch (const std::exception& e) {
        ctx.log.warn(std::string("write record: ") + e.what() + kNoRecord);
    }
}
}  // namespace

int run_hook(const Context& ctx) {
    const auto deadline = Clock::now() + kHookDeadline;
    const std::string state_name = kStateName;
    oci::State state = read_hook_state(true);
    ctx.log.set_container(state.id);  // every later line, the failure included, names it
    // createContainer and later stages carry pid 0 (crun) or 1 (runc: the
    // host's init), neither of them the container's process.
    if (state.pid <= 1)
        throw HookError("read state", state_name + ": pid",
                        "no container process (pid " + std::to_string(state.pid) +
                            "); register the hook at createRuntime or prestart");

    const std::string config_path = state.bundle + "/config.json";
    oci::Json read_by_runtime = oci::parse_object(oci::read_file_bounded(config_path), config_path);
    Policy policy = load_effective_policy(ctx);
    // Hook mode meets the mounts the runtime made from the config it read,
    // so the live plan is judged against that one, not the rewrite.
    oci::Json mounts_made = read_by_runtime;
    Rewrite r = plan_rewrite(ctx, std::move(read_by_runtime), config_path, policy, Registration::None);
    // After this stage's own checks, so that a reason both stages meet (a
    // bad policy) reads as this stage's; before anything touches the container.
    refuse_if_precreate_refused(mounts_made, config_path);

    LivePlan live = plan_live(state.pid, state.bundle, mounts_made, r.plan);
    const std::optional<uint32_t> host_uid = process_host_uid(ctx, state.pid, mounts_made, config_path);
    // Every input is read and checked (plan_live is pure): from here on the
    // hook, and the worker thread that pins and enters the container, can
    // make only the calls the rest of the run needs.
    enter_sandbox(SandboxProfile::Hook);
    // The worker gets what is left of the hook's deadline.
    const auto worker_deadline = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    auto actions = apply_in_worker(live, [] { return std::make_unique<LinuxSys>(); }, worker_deadline);
    for (const auto& a : actions) ctx.log.debug(a);

    // Only when the record adds something (a restart of a container whose
    // config already records the contract writes nothing), and without
    // fsync: the runtime read this file before the hook ran and the
    // container dies with the machine, so only readers' atomicity matters.
    if (r.changed) oci::write_file_atomic(config_path, oci::dump(r.config), oci::Durability::UntilReboot);
    record_enforced(ctx, state, live, r.plan, policy, host_uid);
    ctx.log.info("contract applied: " + contract_summary(r.plan));
    return 0;
}

}  // namespace agenthook
