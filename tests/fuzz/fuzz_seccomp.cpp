// The seccomp mount lockdown merged into an existing profile: the input is
// linux.seccomp (any JSON value), with the machine's libseccomp as the
// syscall table, as the spec writers run it. For every accepted profile:
// - each lockdown syscall the native architecture has is denied
//   unconditionally afterwards: no rule that may let a call through
//   (seccomp_rules.hpp: denies() is false) names it, and either an
//   unconditional denying rule names it or the default action denies;
// - a second lockdown changes nothing (idempotence);
// - describe_seccomp_change (rewrite --dry-run) does not fail on it.
#include <algorithm>

#include "../../hook/error.hpp"
#include "../../hook/seccomp_rules.hpp"
#include "../../hook/syscall_names.hpp"
#include "../../oci/json_parse.hpp"
#include "fuzz_check.hpp"

using namespace agenthook;
using oci::Json;

namespace {

bool names(const Json& rule, const std::string& name) {
    const Json& list = rule.at("names");
    return std::find(list.begin(), list.end(), Json(name)) != list.end();
}

bool without_args(const Json& rule) {
    auto args = rule.find("args");
    return args == rule.end() || args->is_null() || (args->is_array() && args->empty());
}

void require_denied(const Json& seccomp, const std::string& name) {
    bool denied = denies(seccomp.at("defaultAction").get<std::string>());
    for (const Json& rule : seccomp.value("syscalls", Json::array())) {
        if (!names(rule, name)) continue;
        const bool denying = denies(rule.at("action").get<std::string>());
        fuzz::require(denying, "no rule that may allow a lockdown syscall names it", name);
        denied = denied || without_args(rule);
    }
    fuzz::require(denied, "every lockdown syscall is denied unconditionally", name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    Json config;
    try {
        config = Json{{"linux", {{"seccomp", oci::parse_json(fuzz::text_of(data, size), "seccomp")}}}};
    } catch (const HookError&) {
        return 0;
    }
    const LibseccompTable table;
    Json locked;
    try {
        locked = apply_mount_lockdown(config, table, "config.json");
    } catch (const HookError&) {
        return 0;
    }
    const Json& seccomp = locked.at("linux").at("seccomp");
    for (const auto& name : lockdown_syscalls())
        if (table.has("", name).value_or(false)) require_denied(seccomp, name);

    bool changed = true;
    Json again;
    try {
        again = apply_mount_lockdown(locked, table, "config.json", &changed);
    } catch (const HookError& e) {
        fuzz::require(false, "a locked-down profile is accepted again", e.line());
    }
    fuzz::require(!changed && again == locked, "a second lockdown changes nothing", seccomp.dump());
    (void)describe_seccomp_change(config, locked);
    return 0;
}
