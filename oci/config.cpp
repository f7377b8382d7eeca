#include "config.hpp"

#include <initializer_list>

#include "../hook/error.hpp"

using agenthook::HookError;

namespace oci {

namespace {

[[noreturn]] void invalid(const std::string& name, const std::string& json_path,
                          const std::string& reason) {
    throw HookError("validate config", name + ": " + json_path, reason);
}

void expect_type(const Json& parent, const char* key, Json::value_t type, const char* type_name,
                 const std::string& name, const std::string& json_path) {
    auto it = parent.find(key);
    if (it == parent.end()) return;
    bool ok = it->type() == type ||
              (type == Json::value_t::number_unsigned && it->is_number_integer() && *it >= 0);
    if (!ok) invalid(name, json_path, std::string("expected ") + type_name + ", got " + it->type_name());
}

void validate_mappings(const Json& linux_section, const char* key, const std::string& name) {
    auto it = linux_section.find(key);
    if (it == linux_section.end()) return;
    std::string base = std::string("linux.") + key;
    if (!it->is_array()) invalid(name, base, std::string("expected array, got ") + it->type_name());
    for (std::size_t i = 0; i < it->size(); ++i) {
        const Json& m = (*it)[i];
        std::string at = base + "[" + std::to_string(i) + "]";
        if (!m.is_object()) invalid(name, at, std::string("expected object, got ") + m.type_name());
        for (const char* field : {"containerID", "hostID", "size"}) {
            auto f = m.find(field);
            if (f == m.end() || !f->is_number_integer() || *f < 0 || *f > 0xffffffffLL)
                invalid(name, at + "." + field, "expected an id (integer 0..4294967295)");
        }
    }
}

std::vector<IdMapping> mappings(const Json& config, const char* key) {
    std::vector<IdMapping> out;
    auto lx = config.find("linux");
    if (lx == config.end() || !lx->is_object()) return out;
    auto it = lx->find(key);
    if (it == lx->end() || !it->is_array()) return out;
    for (const Json& m : *it)
        out.push_back({m.at("containerID").get<uint64_t>(), m.at("hostID").get<uint64_t>(),
                       m.at("size").get<uint64_t>()});
    return out;
}

}  // namespace

void validate_config(const Json& config, const std::string& name) {
    expect_type(config, "mounts", Json::value_t::array, "array", name, "mounts");
    if (auto it = config.find("mounts"); it != config.end()) {
        for (std::size_t i = 0; i < it->size(); ++i) {
            const Json& m = (*it)[i];
            std::string at = "mounts[" + std::to_string(i) + "]";
            if (!m.is_object()) invalid(name, at, std::string("expected object, got ") + m.type_name());
            auto d = m.find("destination");
            if (d == m.end()) invalid(name, at + ".destination", "missing");
            if (!d->is_string()) invalid(name, at + ".destination", std::string("expected string, got ") + d->type_name());
            if (d->get_ref<const std::string&>().empty()) invalid(name, at + ".destination", "empty");
            expect_type(m, "options", Json::value_t::array, "array", name, at + ".options");
        }
    }
    expect_type(config, "root", Json::value_t::object, "object", name, "root");
    if (auto r = config.find("root"); r != config.end())
        expect_type(*r, "path", Json::value_t::string, "string", name, "root.path");
    expect_type(config, "annotations", Json::value_t::object, "object", name, "annotations");
    expect_type(config, "hooks", Json::value_t::object, "object", name, "hooks");
    if (auto h = config.find("hooks"); h != config.end())
        expect_type(*h, "createRuntime", Json::value_t::array, "array", name, "hooks.createRuntime");
    expect_type(config, "linux", Json::value_t::object, "object", name, "linux");
    if (auto lx = config.find("linux"); lx != config.end()) {
        validate_mappings(*lx, "uidMappings", name);
        validate_mappings(*lx, "gidMappings", name);
        expect_type(*lx, "namespaces", Json::value_t::array, "array", name, "linux.namespaces");
        expect_type(*lx, "mountLabel", Json::value_t::string, "string", name, "linux.mountLabel");
    }
}

const Json& annotations_of(const Json& config) {
    static const Json empty = Json::object();
    auto it = config.find("annotations");
    return it != config.end() && it->is_object() ? *it : empty;
}

std::optional<std::string> annotation(const Json& config, const std::string& key) {
    const Json& a = annotations_of(config);
    auto it = a.find(key);
    if (it == a.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::string root_path(const Json& config) {
    auto r = config.find("root");
    if (r == config.end() || !r->is_object()) return "";
    auto p = r->find("path");
    return p != r->end() && p->is_string() ? p->get<std::string>() : "";
}

namespace {
// The value at the path of object keys `keys`, or nullptr.
const Json* find_path(const Json& config, std::initializer_list<const char*> keys) {
    const Json* node = &config;
    for (const char* key : keys) {
        if (!node->is_object()) return nullptr;
        auto it = node->find(key);
        if (it == node->end()) return nullptr;
        node = &*it;
    }
    return node;
}
}  // namespace

std::optional<uint64_t> memory_limit(const Json& config) {
    const Json* node = find_path(config, {"linux", "resources", "memory", "limit"});
    if (!node || !node->is_number_integer() || *node <= 0) return std::nullopt;
    return node->get<uint64_t>();
}

std::optional<uint32_t> process_uid(const Json& config) {
    const Json* node = find_path(config, {"process", "user", "uid"});
    // (uid_t)-1 is no uid: chown(2) reads it as "leave unchanged".
    if (!node || !node->is_number_integer() || *node < 0 || node->get<uint64_t>() > 0xfffffffeu) return std::nullopt;
    return node->get<uint32_t>();
}

std::string mount_label(const Json& config) {
    auto lx = config.find("linux");
    if (lx == config.end() || !lx->is_object()) return "";
    auto l = lx->find("mountLabel");
    return l != lx->end() && l->is_string() ? l->get<std::string>() : "";
}

bool has_user_namespace(const Json& config) {
    auto lx = config.find("linux");
    if (lx == config.end() || !lx->is_object()) return false;
    auto ns = lx->find("namespaces");
    if (ns == lx->end() || !ns->is_array()) return false;
    for (const Json& n : *ns)
        if (n.is_object() && n.value("type", "") == "user") return true;
    return false;
}

std::vector<IdMapping> uid_mappings(const Json& config) { return mappings(config, "uidMappings"); }
std::vector<IdMapping> gid_mappings(const Json& config) { return mappings(config, "gidMappings"); }

std::optional<uint32_t> map_to_host(const std::vector<IdMapping>& maps, uint32_t container_id) {
    for (const auto& m : maps) {
        if (container_id >= m.container_id && container_id - m.container_id < m.size) {
            uint64_t host = m.host_id + (container_id - m.container_id);
            if (host > 0xfffffffeULL) return std::nullopt;
            return static_cast<uint32_t>(host);
        }
    }
    return std::nullopt;
}

}  // namespace oci
