#pragma once
// PURE: what hook mode must do inside a live container, as data.
// Built from the OCI state, the config.json the runtime read and the Plan;
// run by apply() through the Sys seam. Ids here are the container's own:
// apply() maps them through the user namespace the kernel reports.
#include <cstdint>
#include <string>
#include <vector>

namespace agenthook {

// One entry of the spec's mounts as the runtime made it, with the flags the
// runtime gives it (some only after the hooks: crun applies "ro" and a
// bind's nosuid/nodev/noexec after createRuntime).
struct SpecMount {
    std::string destination;          // normalized
    std::string type;                 // as written ("bind", "tmpfs", ...; may be empty)
    std::string source;               // binds: absolute host path (relative ones resolved against the bundle)
    bool bind = false;                // type "bind", or a "bind"/"rbind" option
    bool recursive = false;           // "rbind"
    bool read_only = false;           // last of "ro"/"rw"
    bool recursive_read_only = false; // last of "rro"/"rrw"
    bool nosuid = false, nodev = false, noexec = false;  // last of each pair wins
    bool slave = false;               // "slave"/"rslave" propagation
    bool is_tmpfs() const { return !bind && type == "tmpfs"; }
};

struct TmpfsOp {
    std::string target;          // normalized absolute path inside the rootfs, e.g. "/tmp"
    uint64_t size_bytes = 0;     // always set: no unbounded tmpfs
    uint32_t mode = 01777;       // always set
    bool exec = false;           // false: noexec (/tmp); true: exec (excluded paths)
    uint64_t nr_inodes = 0;      // 0: kernel default
    std::string selinux_context; // from linux.mountLabel; empty: none
};

struct HomeOp {
    std::string path;            // normalized absolute path inside the rootfs
    uint32_t uid = 1000;         // container ids
    uint32_t gid = 1000;
    uint32_t mode = 0755;
};

struct LivePlan {
    int pid = 0;                 // container process (host pid) whose mount namespace we enter
    std::string rootfs;          // absolute host path of root.path
    std::vector<TmpfsOp> tmpfs;  // in mount order: parents before children
    HomeOp home;
    std::vector<SpecMount> spec_mounts;  // the mounts the runtime made, in spec order
};

}  // namespace agenthook

#include "../oci/json.hpp"
#include "plan.hpp"

namespace agenthook {

// PURE. `config` is the config.json the runtime read (before the rewrite):
// hook mode meets the mounts the runtime made from it. Resolves root.path
// and relative bind sources against the bundle, orders the tmpfs mounts
// parents first and carries linux.mountLabel. Throws HookError for a
// missing root.path and for a spec mount at a tmpfs target that the spec
// makes read-only: runc and crun remount it read-only after the hooks, on
// top of whatever the hook put there.
LivePlan plan_live(int pid, const std::string& bundle, const oci::Json& config, const Plan& plan);

// PURE: one spec mount entry (validated by oci::validate_config).
SpecMount spec_mount(const oci::Json& entry, const std::string& bundle);

}  // namespace agenthook
