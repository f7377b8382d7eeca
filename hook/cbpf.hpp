#pragma once
// PURE: a classic BPF evaluator for seccomp filters, to judge what a running
// container's real filter (dumped with PTRACE_SECCOMP_GET_FILTER) does with
// one syscall, rather than trusting the spec that asked for it.
// Implements the instruction subset the kernel's seccomp checker accepts
// (seccomp_check_filter in kernel/seccomp.c): loads from seccomp_data
// (32-bit, aligned, in bounds), immediates, scratch memory, ALU, forward
// jumps, TAX/TXA and returns.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agenthook {

struct BpfInsn {  // struct sock_filter
    uint16_t code = 0;
    uint8_t jt = 0;
    uint8_t jf = 0;
    uint32_t k = 0;
};

struct SeccompInput {  // struct seccomp_data
    int32_t nr = 0;
    uint32_t arch = 0;
    uint64_t instruction_pointer = 0;
    uint64_t args[6] = {0, 0, 0, 0, 0, 0};
};

struct BpfResult {
    std::optional<uint32_t> value;  // the program's return value
    std::string error;              // why the program could not be run to a return
};

// Runs `program` on `input`. An instruction outside the seccomp subset, a
// load out of bounds or unaligned, a jump past the end or running off the
// end give an error, never a guess.
BpfResult run_bpf(const std::vector<BpfInsn>& program, const SeccompInput& input);

// The kernel's verdict over stacked filters: the most restrictive action
// wins (lowest signed action value; KILL_PROCESS first, ALLOW last).
uint32_t most_restrictive(uint32_t a, uint32_t b);

// Whether a seccomp return value keeps the syscall from running: KILL_*,
// TRAP, ERRNO. USER_NOTIF, TRACE, LOG and ALLOW (and unknown ones) may let it run.
bool seccomp_denies(uint32_t ret);

// "ERRNO(1)", "ALLOW", "KILL_PROCESS", "USER_NOTIF", ...
std::string seccomp_action_name(uint32_t ret);

// The `Seccomp:` field of /proc/<pid>/status: 0 none, 1 strict, 2 filter;
// nullopt when the field is absent (a kernel without seccomp).
std::optional<int> parse_status_seccomp(const std::string& status_text);

}  // namespace agenthook
