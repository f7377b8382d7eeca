#pragma once
// The thin syscall layer of doctor and df: observes a running container's
// /tmp, excluded paths and home from a child process inside its mount
// namespace (paths resolved beneath its root, never following a link),
// and for doctor also a file written as the agent and the seccomp filter.
#include <string>

#include "observations.hpp"
#include "policy.hpp"

namespace agenthook {

enum class Depth {
    Mounts,  // df: /tmp, the excluded paths, the home
    Full,    // doctor: also agent_home_writable and the seccomp filter
};

// Never throws for the container's sake: what cannot be observed is the
// observation's error (the whole container) or a path's error.
Observations observe_container(const std::string& label, int pid, const Policy& policy, Depth depth);

}  // namespace agenthook
