#pragma once
// The seccomp filter a running process really has: read with
// PTRACE_SECCOMP_GET_FILTER and judged with the cBPF evaluator (cbpf.hpp).
#include <vector>

#include "cbpf.hpp"
#include "observations.hpp"

namespace agenthook {

// Every filter of process `pid`, most recently installed first (index 0,
// as the kernel numbers them). Needs CAP_SYS_ADMIN and a tracer without a
// seccomp filter of its own: the process is seized (PTRACE_SEIZE),
// interrupted, read and detached, so it only pauses. Throws HookError
// ("dump seccomp filter", "pid N", reason).
std::vector<std::vector<BpfInsn>> dump_seccomp_filters(int pid);

// PURE: what the filters do with each of `names` called on the native
// architecture with all arguments 0 (the stack's most restrictive action);
// a program the evaluator cannot run gives evaluated = false and the reason.
// `numbers[i]` is the native syscall number of `names[i]`; `arch` the
// native AUDIT_ARCH value.
SeccompObservation judge_filters(const std::vector<std::vector<BpfInsn>>& filters,
                                 const std::vector<std::string>& names, const std::vector<int>& numbers,
                                 uint32_t arch);

// /proc/<pid>/status's Seccomp: mode, and with a filter (mode 2) the
// verdict of the real filter on every mount-lockdown syscall the native
// architecture has. Never throws: a failure is the observation's error.
SeccompObservation observe_seccomp(int pid);

}  // namespace agenthook
