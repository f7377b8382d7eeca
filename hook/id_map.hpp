#pragma once
// PURE: the user-namespace id maps the kernel reports for a process
// (/proc/<pid>/uid_map and gid_map), and mapping ids both ways through them.
// The kernel's maps are the truth: a container that joins a user namespace
// by path has no mappings in its spec at all.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../oci/config.hpp"

namespace agenthook {

struct IdMaps {
    std::vector<oci::IdMapping> uid;
    std::vector<oci::IdMapping> gid;
};

// Parses the text of a uid_map or gid_map file: lines "inside outside count".
// Throws HookError("read id map", name, ...) on a malformed line.
std::vector<oci::IdMapping> parse_proc_id_map(std::string_view text, const std::string& name);

// The container id that host id `host_id` is inside, or nullopt (the
// container sees it as the overflow id, 65534).
std::optional<uint32_t> map_to_container(const std::vector<oci::IdMapping>& maps, uint32_t host_id);

// The host id of container id `id`; throws HookError("map ids", name, ...)
// naming `what` when the namespace has no mapping for it.
uint32_t host_id_of(const std::vector<oci::IdMapping>& maps, uint32_t id, const std::string& name,
                    const std::string& what);

}  // namespace agenthook
