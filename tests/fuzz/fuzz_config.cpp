// The config.json planner as the spec writers run it (precreate, rewrite,
// oci-agent-runtime): parse_object, then plan_rewrite (validate, plan,
// rewrite mounts, register the hook, the seccomp mount lockdown), and as
// hook mode runs it (no registration, no lockdown). For every accepted
// input:
// - the rewritten config parses again (the runtime and the next spec writer
//   read it);
// - it holds the planned /tmp and excluded-path tmpfs mounts;
// - rewriting it again changes nothing (idempotence: a second spec writer,
//   or precreate followed by the wrapper, must not stack changes).
// Two policies: the defaults, and one with excluded paths, an inode limit,
// another home, AGENT_TMP_SIZE and no lockdown.
#include <algorithm>
#include <sstream>

#include "../../hook/commands/command.hpp"
#include "../../hook/error.hpp"
#include "../../oci/json_io.hpp"
#include "fuzz_check.hpp"

using namespace agenthook;

namespace {

struct Setup {
    Policy policy;
    std::optional<std::string> env_tmp_size;
};

const std::vector<Setup>& setups() {
    static const std::vector<Setup> all = [] {
        Setup other;
        other.policy.exclude_paths = {"/workspace/node_modules", "/workspace/.cache"};
        other.policy.tmp_nr_inodes = 4096;
        other.policy.home_path = "/home/agent";
        other.policy.seccomp_deny_mount = false;
        other.env_tmp_size = "2g";
        return std::vector<Setup>{Setup{}, other};
    }();
    return all;
}

bool has_mount(const oci::Json& config, const oci::Json& mount) {
    const oci::Json& mounts = config.at("mounts");
    return std::find(mounts.begin(), mounts.end(), mount) != mounts.end();
}

void check(const oci::Json& config, const Setup& setup, Registration registration) {
    std::ostringstream out, err;
    Log log(err, "fuzz", false);
    Environment env{std::nullopt, setup.env_tmp_size, std::nullopt, "/usr/bin/oci-agent-hook"};
    Context ctx{Options{}, env, out, err, log};

    Rewrite first;
    try {
        first = plan_rewrite(ctx, config, "config.json", setup.policy, registration);
    } catch (const HookError&) {
        return;  // refused with a message: fine
    }
    const std::string written = oci::dump(first.config);
    oci::Json reread;
    try {
        reread = oci::parse_object(written, "rewritten config.json");
    } catch (const HookError& e) {
        fuzz::require(false, "the rewritten config.json parses", e.line());
    }
    fuzz::require(has_mount(reread, first.plan.tmp.to_mount()), "the rewritten config has the planned /tmp");
    for (const auto& exclude : first.plan.excludes)
        fuzz::require(has_mount(reread, exclude.to_mount()), "the rewritten config has each planned exclude",
                      exclude.destination);

    Rewrite second;
    try {
        second = plan_rewrite(ctx, reread, "rewritten config.json", setup.policy, registration);
    } catch (const HookError& e) {
        fuzz::require(false, "a rewritten config.json is accepted again", e.line());
    }
    fuzz::require(!second.changed, "a second rewrite reports no change");
    fuzz::require(oci::dump(second.config) == written, "a second rewrite is byte-identical");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    oci::Json config;
    try {
        config = oci::parse_object(fuzz::text_of(data, size), "config.json");
    } catch (const HookError&) {
        return 0;
    }
    for (const auto& setup : setups())
        for (auto registration : {Registration::Self, Registration::None}) check(config, setup, registration);
    return 0;
}
