#include "bundle_hooks.hpp"

#include "../../oci/json_io.hpp"

namespace agenthook::install {

using oci::Json;

FileChange bundle_install(const std::string& text, const std::string& path, const HookEntry& entry) {
    bool added = false;
    Json doc = register_hook(oci::parse_object(text, path), entry, &added);
    if (!added) return {FileChange::Action::None, path, {}, {}};
    return {FileChange::Action::Update, path, oci::dump(doc), {"+ hooks.createRuntime[] = " + entry.to_json().dump()}};
}

FileChange bundle_uninstall(const std::string& text, const std::string& path, const HookEntry& entry) {
    Json doc = oci::parse_object(text, path);
    FileChange c{FileChange::Action::None, path, {}, {}};
    auto hooks = doc.find("hooks");
    if (hooks == doc.end() || !hooks->is_object()) return c;
    auto stage = hooks->find("createRuntime");
    if (stage == hooks->end() || !stage->is_array()) return c;
    const Json mine = entry.to_json();
    Json kept = Json::array();
    for (const Json& h : *stage)
        if (h == mine) c.diff.push_back("- hooks.createRuntime[] = " + mine.dump());
        else kept.push_back(h);
    if (c.diff.empty()) return c;
    *stage = std::move(kept);
    if (stage->empty()) hooks->erase(stage);
    if (hooks->empty()) doc.erase(hooks);
    c.action = FileChange::Action::Update;
    c.content = oci::dump(doc);
    return c;
}

}  // namespace agenthook::install
