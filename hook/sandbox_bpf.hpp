#pragma once
// The hook's own seccomp programs, built at build time from
// hook/sandbox_profile.cpp by hook/tools/sandbox_bpf_gen.cpp (the
// definitions are generated into the build directory, sandbox_bpf.cpp).
// The build machine's architecture: a cross build is refused at configure.
#include <linux/filter.h>

#include <span>

#include "sandbox_profile.hpp"

namespace agenthook {

// The embedded BPF program of `profile`.
std::span<const sock_filter> sandbox_bpf(SandboxProfile profile);

}  // namespace agenthook
