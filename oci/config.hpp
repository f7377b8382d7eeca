#pragma once
// PURE: typed, validated views into a config.json held as a whole document.
// Validation errors name the file and the JSON path.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"

namespace oci {

// Checks the parts of config.json the hook reads or rewrites: `mounts` is an
// array of objects each with a string `destination`; `root.path`,
// `annotations`, `linux.uidMappings`/`gidMappings` have the right types.
// Throws HookError("validate config", "<name>: <json path>", reason).
void validate_config(const Json& config, const std::string& name);

// The container's annotations (empty object when absent).
const Json& annotations_of(const Json& config);

// annotations[key] when it is a string.
std::optional<std::string> annotation(const Json& config, const std::string& key);

// root.path, or "" when absent.
std::string root_path(const Json& config);

// linux.resources.memory.limit when set and positive.
std::optional<uint64_t> memory_limit(const Json& config);

// linux.mountLabel, or "".
std::string mount_label(const Json& config);

// process.user.uid when it is an integer a uid can hold (0 .. 2^32-2).
std::optional<uint32_t> process_uid(const Json& config);

struct IdMapping {
    uint64_t container_id = 0;
    uint64_t host_id = 0;
    uint64_t size = 0;
};

// True when linux.namespaces holds a "user" namespace.
bool has_user_namespace(const Json& config);
std::vector<IdMapping> uid_mappings(const Json& config);
std::vector<IdMapping> gid_mappings(const Json& config);

// Maps a container id to the host id through `mappings`; nullopt when no
// mapping covers it.
std::optional<uint32_t> map_to_host(const std::vector<IdMapping>& mappings, uint32_t container_id);

}  // namespace oci
