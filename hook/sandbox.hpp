#pragma once
// The hook sandboxes itself: once its inputs are read and validated, and
// before it touches a container, it sets PR_SET_NO_NEW_PRIVS and loads the
// seccomp allow-list of hook/sandbox_profile.hpp on itself. A thread
// created after inherits both, so the worker that enters the container runs
// under them too.
//
// Fail closed: when either cannot be set, enter_sandbox throws and the hook
// refuses the container. Every kernel the hook runs on has seccomp filters
// (3.5; the hook already needs pidfd_open, 5.3), and the program is built
// into the binary (hook/sandbox_bpf.hpp), so a failure means something is
// wrong on the host (a supervisor's filter that denies seccomp() to the
// runtime): a root process that meets a host it does not expect stops
// rather than run unconfined.
//
// Not for the runtime wrapper (oci-agent-runtime): it execs runc, and both
// no_new_privs and the filter would pass through execve to runc and on to
// the container's workload.
#include "sandbox_profile.hpp"

namespace agenthook {

// Throws HookError (step "sandbox") naming what failed and why.
void enter_sandbox(SandboxProfile profile);

}  // namespace agenthook
