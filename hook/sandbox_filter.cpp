#include "sandbox_filter.hpp"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "error.hpp"
#include "fd.hpp"

namespace agenthook {

namespace {

constexpr const char* kStep = "sandbox";

struct ReleaseFilter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterPtr = std::unique_ptr<void, ReleaseFilter>;

// libseccomp returns -errno.
void check(int rc, const std::string& what) {
    if (rc < 0) throw sys_error(kStep, what, -rc);
}

// clone(2) takes its flags in the first argument, except on s390x.
#if defined(__s390x__) || defined(__s390__)
constexpr unsigned kCloneFlagsArg = 1;
#else
constexpr unsigned kCloneFlagsArg = 0;
#endif

void add_rule(scmp_filter_ctx ctx, const SandboxRule& rule) {
    const std::string name(rule.name);
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr < 0) return;  // not a syscall of this architecture (x86_64's rename on aarch64)
    const std::string what = "seccomp_rule_add " + name;
    switch (rule.rule) {
        case ArgRule::Any: check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0), what); break;
        case ArgRule::UnixSocketOnly:
            check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX)), what);
            break;
        case ArgRule::ThreadOnly: {
            const scmp_arg_cmp flags{kCloneFlagsArg, SCMP_CMP_MASKED_EQ,
                                     sandbox_clone_namespace_flags() | CLONE_THREAD, CLONE_THREAD};
            check(seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &flags), what);
            break;
        }
        case ArgRule::FsOnly:
            check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, CLONE_FS)), what);
            break;
        case ArgRule::NoExec:
            check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)), what);
            break;
        case ArgRule::TcgetsOnly:
            check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_EQ, TCGETS)), what);
            break;
        case ArgRule::FdFlagsOnly:
            check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_EQ, F_DUPFD_CLOEXEC)), what);
            check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_EQ, F_GETFL)), what);
            check(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_EQ, F_SETFD)), what);
            break;
        case ArgRule::Enosys: check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0), what); break;
    }
}

}  // namespace

std::vector<sock_filter> build_filter(SandboxProfile profile) {
    // Anything not allowed fails with EPERM: the call's own error path names
    // the step, where a kill would leave only "signal SIGSYS".
    FilterPtr ctx(seccomp_init(SCMP_ACT_ERRNO(EPERM)));
    if (!ctx) throw HookError(kStep, "seccomp_init", "libseccomp could not create a filter");
    // The filter holds the native architecture only. The hook never makes a
    // call of another ABI (int 0x80 i386 calls, x32 calls on x86_64): one
    // can only come from code that took over the process, so it is killed
    // rather than answered.
    check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
          "seccomp_attr_set SCMP_FLTATR_ACT_BADARCH");
    for (const SandboxRule& rule : sandbox_rules(profile)) add_rule(ctx.get(), rule);

    // libseccomp 2.5 exports to an fd only (seccomp_export_bpf_mem is 2.6):
    // an anonymous memory file, read back whole.
    const Fd mem(::memfd_create("sandbox-bpf", MFD_CLOEXEC));
    if (!mem.valid()) throw sys_error(kStep, "memfd_create", errno);
    check(seccomp_export_bpf(ctx.get(), mem.get()), "seccomp_export_bpf");
    if (::lseek(mem.get(), 0, SEEK_SET) != 0) throw sys_error(kStep, "lseek sandbox-bpf", errno);
    std::string bytes;
    // BPF_MAXINSNS (4096) instructions at most: the kernel refuses more.
    if (const int err = read_fully(mem.get(), bytes, BPF_MAXINSNS * sizeof(sock_filter)); err != 0)
        throw sys_error(kStep, "read sandbox-bpf", err);
    if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0)
        throw HookError(kStep, "seccomp_export_bpf",
                        "exported " + std::to_string(bytes.size()) + " bytes, not whole BPF instructions");
    std::vector<sock_filter> program(bytes.size() / sizeof(sock_filter));
    std::memcpy(program.data(), bytes.data(), bytes.size());
    return program;
}

}  // namespace agenthook
