#include "registration.hpp"

namespace agenthook {

using oci::Json;

namespace {
constexpr const char* kName = "oci-agent-hook";

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

Json HookEntry::to_json() const { return Json{{"path", path}, {"args", args}, {"env", env}}; }

HookEntry self_hook_entry(const std::string& self_path, const std::optional<std::string>& explicit_policy,
                          const std::optional<std::string>& tmp_size, const std::string& stage) {
    HookEntry e{self_path, {kName}, {}};
    if (explicit_policy) {
        e.args.push_back("--config");
        e.args.push_back(*explicit_policy);
    }
    e.args.push_back(stage);
    // poststop plans nothing: the size would only make the entry differ.
    if (tmp_size && stage != kPoststopStage) e.env.push_back("AGENT_TMP_SIZE=" + *tmp_size);
    return e;
}

std::vector<HookEntry> self_hook_entries(const std::string& self_path, const std::optional<std::string>& explicit_policy,
                                         const std::optional<std::string>& tmp_size) {
    return {self_hook_entry(self_path, explicit_policy, tmp_size, kCreateRuntimeStage),
            self_hook_entry(self_path, explicit_policy, tmp_size, kPoststopStage)};
}

const std::string& entry_stage(const HookEntry& entry) { return entry.args.back(); }

bool registered(const Json& config, const HookEntry& entry) {
    auto hooks = config.find("hooks");
    if (hooks == config.end() || !hooks->is_object()) return false;
    const std::string& name = entry_stage(entry);
    auto stage = hooks->find(name);
    if (stage == hooks->end() || !stage->is_array()) return false;
    for (const Json& h : *stage) {
        if (!h.is_object()) continue;
        auto path = h.find("path");
        auto args = h.find("args");
        if (path == h.end() || !path->is_string() || args == h.end() || !args->is_array() || args->empty()) continue;
        const std::string& p = path->get_ref<const std::string&>();
        bool ours = p == entry.path || ends_with(p, std::string("/") + kName);
        if (ours && args->back() == name) return true;
    }
    return false;
}

Json register_hook(Json config, const HookEntry& entry, bool* changed) {
    bool add = !registered(config, entry);
    if (add) {
        Json& hooks = oci::member(config, "hooks");
        if (!hooks.is_object()) hooks = Json::object();
        Json& stage = oci::member(hooks, entry_stage(entry));
        if (!stage.is_array()) stage = Json::array();
        stage.push_back(entry.to_json());
    }
    if (changed) *changed = add;
    return config;
}

Json register_hooks(Json config, const std::vector<HookEntry>& entries, bool* changed) {
    bool any = false;
    for (const auto& e : entries) {
        bool added = false;
        config = register_hook(std::move(config), e, &added);
        any = any || added;
    }
    if (changed) *changed = any;
    return config;
}

}  // namespace agenthook
