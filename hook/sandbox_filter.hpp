#pragma once
// The hook's own seccomp sandbox (hook/sandbox_profile.hpp) translated into
// a BPF program with libseccomp. This runs at BUILD time: the generator
// (hook/tools/sandbox_bpf_gen.cpp) embeds each profile's program in the
// binary (hook/sandbox_bpf.hpp), so a start loads a finished program
// instead of building one (libseccomp took about 0.8 ms of CPU per start).
// The unit tests build it again and compare, so a stale embedded program
// fails a test.
#include <linux/filter.h>

#include <vector>

#include "sandbox_profile.hpp"

namespace agenthook {

// The BPF program of `profile` for the build machine's architecture,
// exactly what seccomp_load would hand to the kernel. Throws HookError
// (step "sandbox") naming the libseccomp call that failed.
std::vector<sock_filter> build_filter(SandboxProfile profile);

}  // namespace agenthook
