#pragma once
// PURE: the hook registering itself at createRuntime in a spec it writes.
// A spec alone cannot make a directory, and runc 1.1.5 ignores mode= on a
// spec tmpfs, so every spec-writing entry point (precreate, the runtime
// wrapper, rewrite) also makes hook mode run on the container it creates.
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"

namespace agenthook {

struct HookEntry {
    std::string path;               // absolute path of this binary
    std::vector<std::string> args;  // argv, args[0] first
    std::vector<std::string> env;   // explicit: hook mode reads nothing else
    oci::Json to_json() const;
};

// The createRuntime entry for this binary at `self_path`: the policy file
// named explicitly (--config or OCI_AGENT_HOOK_CONFIG) is passed on as
// --config, and AGENT_TMP_SIZE as env, so hook mode plans exactly what the
// spec writer planned.
HookEntry self_hook_entry(const std::string& self_path, const std::optional<std::string>& explicit_policy,
                          const std::optional<std::string>& tmp_size);

// True when hooks.createRuntime already runs this hook: an entry whose path
// is `entry.path` or ends in "/oci-agent-hook", with "createRuntime" as its
// last argument (a hooks.d entry podman copied in counts).
bool registered(const oci::Json& config, const HookEntry& entry);

// `config` with `entry` appended to hooks.createRuntime unless registered();
// `changed` (optional) is set when it was added.
oci::Json register_hook(oci::Json config, const HookEntry& entry, bool* changed = nullptr);

}  // namespace agenthook
