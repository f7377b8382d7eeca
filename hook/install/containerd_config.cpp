#include "containerd_config.hpp"

#include <fnmatch.h>

#include <map>
#include <sstream>
#include <toml.hpp>

#include "../error.hpp"

namespace agenthook::install {

namespace {

// Comments stay attached to their values; a std::map table makes the output
// deterministic (toml11 3.7 has no insertion-ordered table).
using Value = toml::basic_value<toml::preserve_comments, std::map, std::vector>;
using Table = Value::table_type;
using Array = Value::array_type;

constexpr const char* kRuncV2 = "io.containerd.runc.v2";
constexpr const char* kAnnotations = "oci-agent-hook/*";
constexpr const char* kStockRuntime = "runc";  // containerd's default_runtime_name

Value parse(const std::string& text, const std::string& path) {
    std::istringstream in(text);
    try {
        return toml::parse<toml::preserve_comments, std::map, std::vector>(in, path);
    } catch (const toml::exception& e) {
        // what() is several lines ("[error] toml::parse_x: reason" then the
        // excerpt); keep the reason and give the position.
        std::string what = e.what();
        what = what.substr(0, what.find('\n'));
        auto colon = what.find(": ");
        if (what.rfind("[error]", 0) == 0 && colon != std::string::npos) what = what.substr(colon + 2);
        throw HookError("parse TOML", path,
                        "line " + std::to_string(e.location().line()) + ", column " +
                            std::to_string(e.location().column()) + ": " + what);
    }
}

std::string cri_plugin(const Value& doc, const std::string& path) {
    const Table& top = doc.as_table();
    auto v = top.find("version");
    if (v == top.end() || !v->second.is_integer())
        throw HookError("merge", path, "no `version = 2` (or 3): version 1 configs are not supported; convert with `containerd config migrate`");
    auto n = v->second.as_integer();
    if (n == 2) return "io.containerd.grpc.v1.cri";
    if (n == 3) return "io.containerd.cri.v1.runtime";
    throw HookError("merge", path, "version = " + std::to_string(n) + " is not supported (2 or 3)");
}

std::string toml_key(const std::string& key) { return toml::format_key(key); }

std::string show(const Value& v) {
    std::string s = toml::format(v, 1000, 17, true, true);  // inline, no comments
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// Same value, comments aside.
bool same(const Value& a, const Value& b) { return show(a) == show(b); }

// The table at `keys` under `root`, created when missing (and then reported
// as created through `made`). A non-table value on the way is a conflict.
Value* table_at(Value& root, const std::vector<std::string>& keys, const std::string& path, bool create) {
    Value* cur = &root;
    std::string dotted;
    for (const auto& k : keys) {
        dotted += (dotted.empty() ? "" : ".") + toml_key(k);
        Table& t = cur->as_table();
        auto it = t.find(k);
        if (it == t.end()) {
            if (!create) return nullptr;
            it = t.emplace(k, Value(Table{})).first;
        }
        if (!it->second.is_table()) throw HookError("merge", path, dotted + " is not a table");
        cur = &it->second;
    }
    return cur;
}

std::string join(const std::vector<std::string>& keys) {
    std::string s;
    for (const auto& k : keys) s += (s.empty() ? "" : ".") + toml_key(k);
    return s;
}

std::vector<std::string> containerd_keys(const std::string& cri) { return {"plugins", cri, "containerd"}; }

// The leaves install owns in the handler table, relative to it.
std::vector<std::pair<std::vector<std::string>, Value>> handler_leaves(const Target& t) {
    return {{{"runtime_type"}, Value(kRuncV2)},
            {{"pod_annotations"}, Value(Array{Value(kAnnotations)})},
            {{"options", "BinaryName"}, Value(t.wrapper_path)}};
}

Value stock_runtime() { return Value(Table{{"runtime_type", Value(kRuncV2)}}); }

void emit_comments(std::string& out, const Value& v) {
    for (const auto& c : v.comments()) out += "#" + c + "\n";
}

// Plain values first (a header's keys must come before its subtables), then
// each subtable under its own header.
void emit_table(std::string& out, const Table& table, std::vector<std::string>& keys) {
    for (const auto& [k, v] : table) {
        if (v.is_table()) continue;
        emit_comments(out, v);
        out += toml_key(k) + " = " + show(v) + "\n";
    }
    for (const auto& [k, v] : table) {
        if (!v.is_table()) continue;
        keys.push_back(k);
        out += "\n";
        emit_comments(out, v);
        out += "[" + join(keys) + "]\n";
        emit_table(out, v.as_table(), keys);
        keys.pop_back();
    }
}

// toml11's own formatter turns a table that fits its line width into an
// inline table (`cni = {bin_dir = ...}`), which changes the shape of a file
// written with [sections], as containerd's are; here every table keeps a
// header of its own, values are written by toml11.
std::string serialize(const Value& doc) {
    std::string out;
    std::vector<std::string> keys;
    emit_comments(out, doc);
    emit_table(out, doc.as_table(), keys);
    return out;
}

bool empty_table(const Value& v) { return v.is_table() && v.as_table().empty(); }

}  // namespace

FileChange containerd_install(const std::optional<std::string>& existing, const std::string& path, const Target& t) {
    Value doc = existing ? parse(*existing, path) : Value(Table{{"version", Value(2)}});
    FileChange c{FileChange::Action::None, path, {}, {}};
    const auto base = containerd_keys(cri_plugin(doc, path));

    Value* ctrd = table_at(doc, base, path, true);
    auto runtimes_keys = base;
    runtimes_keys.push_back("runtimes");
    bool had_runtimes = ctrd->as_table().count("runtimes") > 0;
    Value* runtimes = table_at(doc, runtimes_keys, path, true);
    if (!had_runtimes) {
        // Our table replaces containerd's default runtimes map: keep runc in it.
        runtimes->as_table()[kStockRuntime] = stock_runtime();
        c.diff.push_back("+ " + join(runtimes_keys) + "." + kStockRuntime + ".runtime_type = \"" + kRuncV2 +
                         "\"  (containerd's default runtime, which a runtimes table replaces)");
    }
    auto handler_keys = runtimes_keys;
    handler_keys.push_back(t.runtime_name);
    for (auto& [rel, want] : handler_leaves(t)) {
        auto keys = handler_keys;
        keys.insert(keys.end(), rel.begin(), rel.end() - 1);
        Value* table = table_at(doc, keys, path, true);
        Table& tab = table->as_table();
        const std::string dotted = join(keys) + "." + toml_key(rel.back());
        auto it = tab.find(rel.back());
        if (it == tab.end()) {
            tab.emplace(rel.back(), want);
            c.diff.push_back("+ " + dotted + " = " + show(want));
        } else if (!same(it->second, want)) {
            throw HookError("merge", path,
                            dotted + " is " + show(it->second) + ", not " + show(want) +
                                ": remove it or choose another --runtime-name");
        }
    }
    if (t.set_as_default) {
        Table& tab = table_at(doc, base, path, false)->as_table();
        const std::string dotted = join(base) + ".default_runtime_name";
        auto it = tab.find("default_runtime_name");
        Value want(t.runtime_name);
        if (it == tab.end()) {
            tab.emplace("default_runtime_name", want);
            c.diff.push_back("+ " + dotted + " = " + show(want));
        } else if (same(it->second, Value(kStockRuntime)) && t.runtime_name != kStockRuntime) {
            // uninstall removes the key, and "runc" is containerd's default
            c.diff.push_back("~ " + dotted + ": " + show(it->second) + " -> " + show(want));
            it->second = want;
        } else if (!same(it->second, want)) {
            throw HookError("merge", path,
                            dotted + " is " + show(it->second) + ", not " + show(want) +
                                ": uninstall could not restore it; remove it first");
        }
    }
    if (c.diff.empty()) return c;
    c.action = existing ? FileChange::Action::Update : FileChange::Action::Create;
    c.content = serialize(doc);
    return c;
}

FileChange containerd_uninstall(const std::optional<std::string>& existing, const std::string& path, const Target& t) {
    FileChange c{FileChange::Action::None, path, {}, {}};
    if (!existing) return c;
    Value doc = parse(*existing, path);
    const auto base = containerd_keys(cri_plugin(doc, path));
    Value* ctrd = table_at(doc, base, path, false);
    if (!ctrd) return c;

    Table& ct = ctrd->as_table();
    auto dr = ct.find("default_runtime_name");
    if (dr != ct.end() && same(dr->second, Value(t.runtime_name)) && t.runtime_name != kStockRuntime) {
        if (!t.set_as_default)
            throw HookError("unmerge", path,
                            join(base) + ".default_runtime_name is \"" + t.runtime_name +
                                "\": uninstall with --set-as-default");
        ct.erase(dr);
        c.diff.push_back("- " + join(base) + ".default_runtime_name");
    }

    auto runtimes_keys = base;
    runtimes_keys.push_back("runtimes");
    auto handler_keys = runtimes_keys;
    handler_keys.push_back(t.runtime_name);
    if (Value* handler = table_at(doc, handler_keys, path, false)) {
        // Only keys holding exactly what install writes go; a handler someone
        // else wrote (another BinaryName) is left alone.
        bool ours = true;
        for (auto& [rel, want] : handler_leaves(t)) {
            const Value* v = handler;
            for (const auto& k : rel) {
                if (!v->is_table() || !v->as_table().count(k)) { v = nullptr; break; }
                v = &v->as_table().at(k);
            }
            if (!v || !same(*v, want)) ours = false;
        }
        if (ours) {
            for (auto& [rel, want] : handler_leaves(t)) {
                auto keys = handler_keys;
                keys.insert(keys.end(), rel.begin(), rel.end() - 1);
                table_at(doc, keys, path, false)->as_table().erase(rel.back());
                c.diff.push_back("- " + join(keys) + "." + toml_key(rel.back()));
            }
            Table& h = handler->as_table();
            auto opts = h.find("options");
            if (opts != h.end() && empty_table(opts->second)) h.erase(opts);
            Table& rt = table_at(doc, runtimes_keys, path, false)->as_table();
            if (h.empty()) rt.erase(t.runtime_name);
            // The default runc install added, alone: containerd's defaults say the same.
            if (rt.size() == 1 && rt.count(kStockRuntime) && same(rt.at(kStockRuntime), stock_runtime())) {
                rt.clear();
                c.diff.push_back("- " + join(runtimes_keys) + "." + kStockRuntime);
            }
        }
    }
    if (c.diff.empty()) return c;
    // Drop the tables left empty, innermost first.
    auto keys = runtimes_keys;
    while (!keys.empty()) {
        auto parent = keys;
        parent.pop_back();
        Value* p = parent.empty() ? &doc : table_at(doc, parent, path, false);
        auto it = p->as_table().find(keys.back());
        if (it == p->as_table().end() || !empty_table(it->second)) break;
        p->as_table().erase(it);
        keys = parent;
    }
    const Table& top = doc.as_table();
    c.action = top.size() == 1 && top.count("version") ? FileChange::Action::Remove : FileChange::Action::Update;
    if (c.action == FileChange::Action::Update) c.content = serialize(doc);
    return c;
}

std::optional<std::string> containerd_dropin(const std::string& text, const std::string& path) {
    Value doc = parse(text, path);
    const std::string cri = cri_plugin(doc, path);
    if (table_at(doc, {"plugins", cri}, path, false)) return std::nullopt;
    const Table& top = doc.as_table();
    auto imports = top.find("imports");
    if (imports == top.end() || !imports->second.is_array()) return std::nullopt;
    for (const Value& v : imports->second.as_array()) {
        if (!v.is_string()) continue;
        const std::string& glob = v.as_string();
        auto slash = glob.rfind('/');
        // containerd globs relative patterns against its working directory: only absolute ones are usable.
        if (glob.empty() || glob[0] != '/' || slash == std::string::npos) continue;
        std::string dir = glob.substr(0, slash), pattern = glob.substr(slash + 1);
        if (dir.find_first_of("*?[") != std::string::npos) continue;
        if (::fnmatch(pattern.c_str(), kDropinName, FNM_PERIOD) == 0) return (dir.empty() ? "" : dir) + "/" + kDropinName;
    }
    return std::nullopt;
}

}  // namespace agenthook::install
