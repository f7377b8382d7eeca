#pragma once
// PURE: what hook mode must do inside a live container, as data.
// Built from the OCI state, the container's config.json and the Plan; run by
// apply() through the Sys seam. Ids here are host ids (already mapped
// through the container's user namespace).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agenthook {

struct TmpfsOp {
    std::string target;          // normalized absolute path inside the rootfs, e.g. "/tmp"
    uint64_t size_bytes = 0;     // always set: no unbounded tmpfs
    uint32_t mode = 01777;       // always set
    bool exec = false;           // false: noexec (/tmp); true: exec (excluded paths)
    uint64_t nr_inodes = 0;      // 0: kernel default
    std::optional<uint32_t> uid; // owner of the tmpfs root (host id of the container's root)
    std::optional<uint32_t> gid;
    std::string selinux_context; // from linux.mountLabel; empty: none
    std::string read_only_mount; // the spec's "ro" mount holding the target, or ""
};

struct HomeOp {
    std::string path;            // normalized absolute path inside the rootfs
    uint32_t uid = 1000;         // host ids
    uint32_t gid = 1000;
    uint32_t mode = 0755;
    std::string read_only_mount; // the spec's "ro" mount holding the home, or ""
};

struct LivePlan {
    int pid = 0;                 // container process (host pid) whose mount namespace we enter
    std::string rootfs;          // absolute host path of root.path
    std::vector<TmpfsOp> tmpfs;  // in mount order: parents before children
    HomeOp home;
};

}  // namespace agenthook

#include "../oci/json.hpp"
#include "plan.hpp"

namespace agenthook {

// PURE. `config` is the rewritten config.json (apply_to_spec's output), the
// mounts the container will have. Resolves root.path against the bundle,
// maps the home owner and the tmpfs owner (the container's root) through
// linux.uidMappings/gidMappings when the container has a user namespace,
// orders the tmpfs mounts parents first, carries linux.mountLabel, and
// notes which targets lie in a mount the spec makes read-only (crun applies
// "ro" only after createRuntime, so the hook itself must not write there).
// Throws HookError for an id with no mapping or a missing root.path.
LivePlan plan_live(int pid, const std::string& bundle, const oci::Json& config, const Plan& plan);

// PURE: the destination of the deepest mount in `config` at or above `path`
// whose options make it read-only (the last of "ro"/"rw" wins), or "".
std::string read_only_mount_holding(const oci::Json& config, const std::string& path);

}  // namespace agenthook
