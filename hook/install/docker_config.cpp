#include "docker_config.hpp"

#include "../../oci/json_io.hpp"
#include "../error.hpp"

namespace agenthook::install {

using oci::Json;

namespace {

// dockerd's built-in default: replacing it is undone by removing the key.
constexpr const char* kStockRuntime = "runc";

Json entry(const Target& t) { return Json{{"path", t.wrapper_path}}; }

Json parse(const std::string& text, const std::string& path) {
    Json doc = oci::parse_object(text, path);
    auto rt = doc.find("runtimes");
    if (rt != doc.end() && !rt->is_object())
        throw HookError("merge", path, std::string("\"runtimes\" is a JSON ") + rt->type_name() + ", not an object");
    return doc;
}

}  // namespace

FileChange docker_install(const std::optional<std::string>& existing, const std::string& path, const Target& t) {
    Json doc = existing ? parse(*existing, path) : Json::object();
    FileChange c{FileChange::Action::None, path, {}, {}};
    const std::string key = "runtimes." + t.runtime_name;

    Json& runtimes = doc["runtimes"];
    if (runtimes.is_null()) runtimes = Json::object();
    auto current = runtimes.find(t.runtime_name);
    if (current == runtimes.end()) {
        runtimes[t.runtime_name] = entry(t);
        c.diff.push_back("+ " + key + " = " + entry(t).dump());
    } else if (*current != entry(t)) {
        throw HookError("merge", path,
                        key + " is " + current->dump() + ", not " + entry(t).dump() +
                            ": remove it or choose another --runtime-name");
    }

    if (t.set_as_default) {
        auto dr = doc.find("default-runtime");
        if (dr == doc.end()) {
            doc["default-runtime"] = t.runtime_name;
            c.diff.push_back("+ default-runtime = \"" + t.runtime_name + "\"");
        } else if (*dr == kStockRuntime && t.runtime_name != kStockRuntime) {
            c.diff.push_back("~ default-runtime: " + dr->dump() + " -> \"" + t.runtime_name + "\"");
            *dr = t.runtime_name;
        } else if (*dr != t.runtime_name) {
            throw HookError("merge", path,
                            "default-runtime is " + dr->dump() + ", not \"" + t.runtime_name +
                                "\": uninstall could not restore it; remove it first");
        }
    }

    if (c.diff.empty()) return c;
    c.action = existing ? FileChange::Action::Update : FileChange::Action::Create;
    c.content = oci::dump(doc);
    return c;
}

FileChange docker_uninstall(const std::optional<std::string>& existing, const std::string& path, const Target& t) {
    FileChange c{FileChange::Action::None, path, {}, {}};
    if (!existing) return c;
    Json doc = parse(*existing, path);

    auto dr = doc.find("default-runtime");
    if (dr != doc.end() && *dr == t.runtime_name && t.runtime_name != kStockRuntime) {
        if (!t.set_as_default)
            throw HookError("unmerge", path,
                            "default-runtime is \"" + t.runtime_name +
                                "\": uninstall with --set-as-default (Docker would have no default runtime)");
        doc.erase("default-runtime");  // back to dockerd's default, runc
        c.diff.push_back("- default-runtime");
    }
    auto rt = doc.find("runtimes");
    if (rt != doc.end()) {
        auto mine = rt->find(t.runtime_name);
        if (mine != rt->end() && *mine == entry(t)) {  // only what install writes
            rt->erase(mine);
            c.diff.push_back("- runtimes." + t.runtime_name);
            if (rt->empty()) doc.erase(rt);
        }
    }

    if (c.diff.empty()) return c;
    // A daemon.json holding nothing else is what install created: remove it.
    c.action = doc.empty() ? FileChange::Action::Remove : FileChange::Action::Update;
    if (!doc.empty()) c.content = oci::dump(doc);
    return c;
}

}  // namespace agenthook::install
