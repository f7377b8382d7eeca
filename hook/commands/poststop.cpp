// poststop: the container is gone; its entries in cleanup.teardown_paths
// (owned by its host uid, from its record) go, then its record.
//
// Never blocks a removal, so it always exits 0 and reports a failure as one
// line (stderr and syslog). runc runs poststop hooks after it has removed
// the container's state (libcontainer/state_linux.go destroy()), stops at
// the first failing one (configs Hooks.Run returns its error) and only logs
// that error (utils_linux.go destroy()): a non-zero exit here would skip
// the hooks registered after this one. crun runs every poststop hook and
// turns a failure into a warning (src/libcrun/container.c
// run_poststop_hooks, do_hooks with keep_going), then deletes the state.
// Each step below therefore catches its own failures: a teardown that
// fails still lets the record go, and the other way round.
#include <ctime>

#include "../records.hpp"
#include "../sweep.hpp"
#include "command.hpp"

namespace agenthook {

namespace {

constexpr const char* kGoesOn = " (the container's removal goes on)";

// Runs `step`, turning any failure into one logged line.
template <typename F>
void guarded(const Context& ctx, const std::string& suffix, F&& step) {
    try {
        step();
    } catch (const HookError& e) {
        ctx.log.error(e.line() + suffix);
    } catch (const std::exception& e) {
        ctx.log.error(std::string("internal error: ") + e.what() + suffix);
    }
}

// The stopped container's record, read before it is removed: the only
// place its host uid is left (the process is gone). nullopt, logged, when
// there is none or it is another container's.
std::optional<Record> record_for_teardown(const Context& ctx, const oci::State& state, const std::string& state_dir) {
    std::optional<Record> r;
    guarded(ctx, " (no teardown)" + std::string(kGoesOn), [&] { r = read_record(state_dir, state.id); });
    if (!r) {
        ctx.log.info("no record, so no host uid: teardown skipped, nothing removed");
        return std::nullopt;
    }
    if (r->bundle != state.bundle) {
        ctx.log.warn("the record is for bundle " + r->bundle + ", not " + state.bundle +
                     ": teardown skipped, nothing removed");
        return std::nullopt;
    }
    if (!r->host_uid) {
        ctx.log.warn("the record has no host uid (written by an older hook, or the uid could not be "
                                "read at start): teardown skipped, nothing removed");
        return std::nullopt;
    }
    return r;
}

// cleanup.teardown_paths for the stopped container's host uid; one line
// per directory (syslog), each error a line of its own.
void tear_down(const Context& ctx, const oci::State& state, const Policy& policy, const Record& r) {
    const uint32_t uid = *r.host_uid;
    // Read after this container's record is gone: live_records prunes the
    // records of stopped containers, this one's included.
    if (auto why = teardown_refusal(state.id, uid, live_records(policy.state_dir, ctx.log))) {
        ctx.log.warn("teardown refused: " + *why + "; nothing removed");
        return;
    }
    for (const SweepSummary& s : teardown_paths(policy.cleanup, uid, std::time(nullptr), false)) {
        ctx.log.info("teardown (host uid " + std::to_string(uid) + ") " + summary_line(s));
        for (const auto& e : s.errors) ctx.log.error("teardown: " + e);
    }
}

}  // namespace

int run_poststop(const Context& ctx) {
    oci::State state;
    Policy policy;
    bool read = false;
    guarded(ctx, kGoesOn, [&] {
        // runc leaves the pid out once the process is gone; crun sends 0.
        state = read_hook_state(false);
        ctx.log.set_container(state.id);
        policy = load_effective_policy(ctx);
        read = true;
    });
    if (!read) return 0;
    const bool teardown = policy.cleanup.enabled && !policy.cleanup.teardown_paths.empty();
    std::optional<Record> record = teardown ? record_for_teardown(ctx, state, policy.state_dir) : std::nullopt;
    guarded(ctx, kGoesOn, [&] {
        // No record is no failure: a start that failed before writing it,
        // or a second poststop entry. Only syslog says so.
        const bool removed = remove_record(policy.state_dir, state.id, state.bundle, ctx.log);
        ctx.log.info(removed ? "record removed" : "no record to remove");
    });
    if (record) guarded(ctx, kGoesOn, [&] { tear_down(ctx, state, policy, *record); });
    return 0;
}

}  // namespace agenthook
