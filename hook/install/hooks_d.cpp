#include "hooks_d.hpp"

#include "../../oci/json_io.hpp"
#include "../error.hpp"
#include "hooks_d_files.hpp"

namespace agenthook::install {

using oci::Json;

std::vector<HooksDFile> hooks_d_files(const Target& t) {
    std::vector<HooksDFile> out;
    for (const auto& [name, text] : kHooksDTemplates) {
        Json doc = oci::parse_object(text, std::string("embedded scripts/hooks.d/") + name);
        Json& hook = doc["hook"];
        hook["path"] = t.hook_path;
        if (t.policy_path) {
            Json& args = hook["args"];
            if (!args.is_array() || args.empty())
                throw HookError("template", std::string("scripts/hooks.d/") + name, "hook.args is not a non-empty array");
            args.insert(args.end() - 1, {"--config", *t.policy_path});
        }
        out.push_back({name, oci::dump(doc)});
    }
    return out;
}

FileChange hooks_d_install(const std::optional<std::string>& existing, const std::string& path, const std::string& content) {
    if (!existing) return {FileChange::Action::Create, path, content, {}};
    if (*existing == content) return {FileChange::Action::None, path, {}, {}};
    throw HookError("install", path, "exists with other content (another --hook-path or --config?): remove it first");
}

FileChange hooks_d_uninstall(const std::optional<std::string>& existing, const std::string& path, const std::string& content) {
    if (!existing) return {FileChange::Action::None, path, {}, {}};
    if (*existing == content) return {FileChange::Action::Remove, path, {}, {}};
    throw HookError("uninstall", path, "differs from what install writes (edited since, or another --hook-path or --config): not removed");
}

std::optional<std::string> crio_hooks_dir_note(const std::string& dir) {
    std::string d = dir;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    if (d == kCrioDefaultHooksDir) return std::nullopt;
    return std::string("CRI-O reads only the directories in crio.conf's hooks_dir (default ") + kCrioDefaultHooksDir +
           "): add " + d + " to it and restart crio, or install with --config-dir " + kCrioDefaultHooksDir;
}

}  // namespace agenthook::install
