#include "sandbox.hpp"

#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "error.hpp"
#include "sandbox_bpf.hpp"

namespace agenthook {

namespace {

constexpr const char* kStep = "sandbox";

}  // namespace

void enter_sandbox(SandboxProfile profile) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw sys_error(kStep, "prctl PR_SET_NO_NEW_PRIVS", errno);
#ifdef OCI_AGENT_HOOK_SANITIZED
    // A sanitizer build (scripts/sanitize.sh, -DOCI_AGENT_HOOK_SANITIZE):
    // the ASan and UBSan runtimes read /proc/self/exe, probe memory through
    // a pipe and ptrace the process at exit, calls the filter refuses, so
    // every report would turn into a false one. The filter itself is tested
    // on the real build (sandbox_probe_*, tests/e2e/test_sandbox.sh).
    (void)profile;
    return;
#endif

    // The program was built from hook/sandbox_profile.cpp with libseccomp at
    // build time (hook/sandbox_filter.hpp says why); loading it is one
    // system call, with the flags seccomp_load uses by default (none).
    const std::span<const sock_filter> program = sandbox_bpf(profile);
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.size());
    prog.filter = const_cast<sock_filter*>(program.data());  // the kernel only reads it
    if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        throw sys_error(kStep, "seccomp SECCOMP_SET_MODE_FILTER", errno);
}

}  // namespace agenthook
