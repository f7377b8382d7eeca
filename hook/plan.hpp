#pragma once
// PURE: policy + config.json (+ overrides) -> the mounts and home to apply,
// and the rewritten config.json that records them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"
#include "policy.hpp"

namespace agenthook {

inline constexpr const char* kTmpSizeAnnotation = "oci-agent-hook/tmp-size";
inline constexpr const char* kExcludeAnnotation = "oci-agent-hook/exclude";

struct PlannedTmpfs {
    std::string destination;  // normalized
    uint64_t size_bytes = 0;
    bool exec = false;        // /tmp: noexec; excluded paths: exec
    uint64_t nr_inodes = 0;

    // The OCI mount object: type and source "tmpfs", options exactly
    // nosuid,(noexec|nodev...),mode=1777,size=...[,nr_inodes=N].
    oci::Json to_mount() const;
};

struct PlannedHome {
    std::string path;
    uint32_t uid = 1000, gid = 1000;  // container ids
    uint32_t mode = 0755;
};

struct Plan {
    PlannedTmpfs tmp;
    std::vector<PlannedTmpfs> excludes;  // validated, deduplicated, in policy order
    PlannedHome home;
    Warnings warnings;
};

// Overrides that come from outside the policy file and the config.
struct Overrides {
    std::optional<std::string> env_tmp_size;  // AGENT_TMP_SIZE
};

// `config` must have passed oci::validate_config.
Plan make_plan(const oci::Json& config, const Policy& policy, const Overrides& overrides);

// The new config.json: every mount at /tmp or at an excluded path replaced by
// the planned tmpfs (in place of the first one it replaces, else appended),
// then mounts stably ordered so that each follows the mounts at its
// ancestors. Everything else is kept as it was.
// `changed` (optional) is set to whether the result differs from `config`.
oci::Json apply_to_spec(oci::Json config, const Plan& plan, bool* changed = nullptr);

// Stable order in which each mount comes after every mount whose destination
// is an ancestor of its own; returns the permutation (indices into `mounts`).
std::vector<std::size_t> parent_first_order(const std::vector<std::string>& destinations);

// Human-readable differences between two mounts arrays, for --dry-run:
// lines "- remove ...", "+ add ...", then "~ move ..." for the fewest kept
// mounts whose moves explain the new order. Empty when equal.
std::vector<std::string> describe_mount_changes(const oci::Json& before, const oci::Json& after);

}  // namespace agenthook
