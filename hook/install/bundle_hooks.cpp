#include "bundle_hooks.hpp"

#include "../../oci/json_io.hpp"

namespace agenthook::install {

using oci::Json;

FileChange bundle_install(const std::string& text, const std::string& path, const std::vector<HookEntry>& entries) {
    Json doc = oci::parse_object(text, path);
    FileChange c{FileChange::Action::None, path, {}, {}};
    for (const auto& entry : entries) {
        bool added = false;
        doc = register_hook(std::move(doc), entry, &added);
        if (added) c.diff.push_back("+ hooks." + entry_stage(entry) + "[] = " + entry.to_json().dump());
    }
    if (c.diff.empty()) return c;
    c.action = FileChange::Action::Update;
    c.content = oci::dump(doc);
    return c;
}

FileChange bundle_uninstall(const std::string& text, const std::string& path, const std::vector<HookEntry>& entries) {
    Json doc = oci::parse_object(text, path);
    FileChange c{FileChange::Action::None, path, {}, {}};
    auto hooks = doc.find("hooks");
    if (hooks == doc.end() || !hooks->is_object()) return c;
    for (const auto& entry : entries) {
        const std::string& name = entry_stage(entry);
        auto stage = hooks->find(name);
        if (stage == hooks->end() || !stage->is_array()) continue;
        const Json mine = entry.to_json();
        Json kept = Json::array();
        for (const Json& h : *stage)
            if (h == mine) c.diff.push_back("- hooks." + name + "[] = " + mine.dump());
            else kept.push_back(h);
        *stage = std::move(kept);
        if (stage->empty()) hooks->erase(stage);
    }
    if (c.diff.empty()) return c;
    if (hooks->empty()) doc.erase(hooks);
    c.action = FileChange::Action::Update;
    c.content = oci::dump(doc);
    return c;
}

}  // namespace agenthook::install
