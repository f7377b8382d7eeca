#pragma once
// What doctor and df observe in a running container, as plain data: the
// syscall layer (hook/observe.*) fills it in, the pure verdicts
// (hook/doctor_verdicts.*) and reports (hook/df_report.*) read it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"

namespace agenthook {

// One directory of the container (/tmp, an excluded path, the home),
// resolved inside the container's mount namespace without following links.
struct DirObservation {
    std::string path;              // in-container path
    bool found = false;            // resolved to a directory
    std::string error;             // why not (missing, a symlink, ...), when !found
    uint32_t mode = 0;             // st_mode
    uint32_t uid = 0, gid = 0;     // host ids (as the host's kernel reports them)
    bool is_mount_root = false;    // a mount point of its own
    std::string fstype;            // from the mountinfo line of its mount ("" if none)
    std::string mount_options;     // that line's per-mount options ("rw,nosuid,...")
    bool statfs_tmpfs = false;     // fstatfs f_type == TMPFS_MAGIC
    bool noexec = false, nosuid = false, nodev = false;  // fstatfs f_flags
    uint64_t size_bytes = 0;       // f_blocks * f_bsize; 0: unbounded
    uint64_t used_bytes = 0;       // (f_blocks - f_bfree) * f_bsize
    uint64_t inodes_total = 0;     // f_files
    uint64_t inodes_used = 0;      // f_files - f_ffree
};

// agent_home_writable: a file created and removed as the agent user.
struct WriteObservation {
    bool attempted = false;
    bool ok = false;
    std::string error;  // the step and errno text when !ok
};

// mount_lockdown: the container's real seccomp filter.
struct SeccompObservation {
    std::optional<int> mode;        // /proc/<pid>/status Seccomp: 0, 1 or 2
    bool evaluated = false;         // the filter was dumped and run
    std::string error;              // why not ("unknown": the reason)
    // Per syscall name: the filter's action ("ERRNO(1)", "ALLOW", ...) and
    // whether it keeps the call from running.
    struct Verdict {
        std::string name;
        std::string action;
        bool denied = false;
    };
    std::vector<Verdict> syscalls;
};

struct Observations {
    std::string label;  // the container's name in reports (its id, or the pid)
    int pid = 0;
    std::string error;  // the container could not be observed at all
    uint64_t page_size = 4096;
    DirObservation tmp;
    std::vector<DirObservation> excludes;  // one per policy exclude path, in policy order
    DirObservation home;
    std::optional<uint32_t> home_host_uid, home_host_gid;  // the agent ids mapped to the host
    WriteObservation home_write;
    SeccompObservation seccomp;
};

// The mount observations as JSON and back: the wire between the worker
// that observes inside the container's namespace and the parent.
oci::Json dir_to_json(const DirObservation& d);
DirObservation dir_from_json(const oci::Json& j);

}  // namespace agenthook
