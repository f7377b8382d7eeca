#pragma once
// PURE: what `install` / `uninstall` decide for one file, before anything is
// written. Every engine module returns these; commands/install.cpp applies
// them (or prints them for --dry-run).
#include <optional>
#include <string>
#include <vector>

namespace agenthook::install {

enum class Engine { Runc, Crun, Podman, Crio, Containerd, Docker };

std::optional<Engine> parse_engine(const std::string& name);
const char* engine_name(Engine e);

// What install registers, whatever the engine: the same for install and
// uninstall, so uninstall recognises exactly what install wrote.
struct Target {
    std::string runtime_name = "agent";          // containerd handler / Docker runtimes key
    std::string hook_path;                       // absolute path of oci-agent-hook
    std::string wrapper_path;                    // oci-agent-runtime beside it
    std::optional<std::string> policy_path;      // a policy named explicitly, passed on as --config
    bool set_as_default = false;
};

// oci-agent-runtime in the directory of `hook_path`.
std::string wrapper_beside(const std::string& hook_path);

struct FileChange {
    enum class Action { None, Create, Update, Remove };
    Action action = Action::None;
    std::string path;
    std::string content;             // Create/Update: the whole new file
    std::vector<std::string> diff;   // Update: "+ key = value", "- key", "~ key: old -> new"
};

}  // namespace agenthook::install
