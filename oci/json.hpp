#pragma once
// The OCI documents are handled as whole ordered JSON documents, so that
// unknown fields, vendor extensions and key order survive a rewrite.
#include <nlohmann/json.hpp>

#include <string>
#include <utility>

namespace oci {
using Json = nlohmann::ordered_json;

// object[key], the key added (null) at the end when missing, without the
// deep copy of nlohmann's operator[] on an ordered object that has to grow:
// its members are pair<const std::string, Json>, whose move is not
// noexcept (the const key is copied), so a growing std::vector copies every
// member, and adding "hooks" to a config.json copied all its mounts
// (a quarter of precreate's instructions at 10,000 mounts). Here the
// members move to a larger vector. `object` must be a JSON object.
inline Json& member(Json& object, const std::string& key) {
    auto& map = static_cast<Json::object_t::Container&>(object.get_ref<Json::object_t&>());
    for (auto& [name, value] : map)
        if (name == key) return value;
    if (map.size() == map.capacity()) {
        Json::object_t::Container grown;
        grown.reserve(2 * map.size() + 1);
        for (auto& [name, value] : map) grown.emplace_back(name, std::move(value));
        map.swap(grown);
    }
    return map.emplace_back(key, Json()).second;
}
}  // namespace oci
