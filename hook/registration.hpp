#pragma once
// PURE: the hook registering itself in a spec it writes: at createRuntime
// (a spec alone cannot make a directory, and runc 1.1.5 ignores mode= on a
// spec tmpfs, so every spec-writing entry point (precreate, the runtime
// wrapper, rewrite) also makes hook mode run on the container it creates)
// and at poststop (which removes the container's record, hook/records.hpp).
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"

namespace agenthook {

inline constexpr const char* kCreateRuntimeStage = "createRuntime";
inline constexpr const char* kPoststopStage = "poststop";

struct HookEntry {
    std::string path;               // absolute path of this binary
    std::vector<std::string> args;  // argv, args[0] first, the stage last
    std::vector<std::string> env;   // explicit: hook mode reads nothing else
    oci::Json to_json() const;
};

// The entry for this binary at `self_path` at `stage`: the policy file
// named explicitly (--config or OCI_AGENT_HOOK_CONFIG) is passed on as
// --config, and AGENT_TMP_SIZE as env (createRuntime only), so hook mode
// plans exactly what the spec writer planned and poststop finds the
// policy's state_dir.
HookEntry self_hook_entry(const std::string& self_path, const std::optional<std::string>& explicit_policy,
                          const std::optional<std::string>& tmp_size, const std::string& stage = kCreateRuntimeStage);

// Every entry a spec writer registers: createRuntime, then poststop.
std::vector<HookEntry> self_hook_entries(const std::string& self_path, const std::optional<std::string>& explicit_policy,
                                         const std::optional<std::string>& tmp_size);

// The stage an entry registers at: its last argument.
const std::string& entry_stage(const HookEntry& entry);

// True when hooks.<stage> (entry_stage) already runs this hook: an entry
// whose path is `entry.path` or ends in "/oci-agent-hook", with the stage
// as its last argument (a hooks.d entry podman copied in counts).
bool registered(const oci::Json& config, const HookEntry& entry);

// `config` with `entry` appended to hooks.<stage> unless registered();
// `changed` (optional) is set when it was added.
oci::Json register_hook(oci::Json config, const HookEntry& entry, bool* changed = nullptr);
// register_hook for each of `entries`; `changed` is set when any was added.
oci::Json register_hooks(oci::Json config, const std::vector<HookEntry>& entries, bool* changed = nullptr);

}  // namespace agenthook
