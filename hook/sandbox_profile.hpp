#pragma once
// PURE: what the hook's own seccomp sandbox allows, as data (the syscall
// layer is hook/sandbox.cpp). An allow-list: every syscall not named here
// fails with EPERM, so the hook's normal error path prints the step that
// was refused instead of the process dying.
#include <cstdint>
#include <string_view>
#include <vector>

namespace agenthook {

enum class SandboxProfile {
    // createRuntime / prestart, from the moment every input is read and
    // validated: the worker thread, setns into the container, the path
    // walk, the mounts, chown/chmod, waiting for the worker, syslog, and
    // the atomic config.json write.
    Hook,
    // precreate after it has planned: writing the spec to stdout, and
    // syslog for an error.
    Precreate,
};

// How a syscall's arguments are restricted (each is enforced as one or
// more libseccomp rules in hook/sandbox.cpp).
enum class ArgRule {
    Any,              // allowed with any arguments
    UnixSocketOnly,   // socket(2): only AF_UNIX (syslog's /dev/log)
    ThreadOnly,       // clone(2): CLONE_THREAD and none of the CLONE_NEW* flags (a thread;
                      // no new process, no namespace)
    FsOnly,           // unshare(2): only CLONE_FS (the worker thread's own root and cwd)
    NoExec,           // mmap(2)/mprotect(2): never PROT_EXEC (no new code in the hook)
    TcgetsOnly,       // ioctl(2): only TCGETS (isatty() of a standard stream)
    FdFlagsOnly,      // fcntl(2): only F_DUPFD_CLOEXEC (walks keep the start fd),
                      // F_GETFL and F_SETFD (fdopendir checks the fd it is given and
                      // marks it close-on-exec)
    Enosys,           // not allowed, answered ENOSYS instead of EPERM: clone3, whose
                      // flags live in memory a filter cannot read; glibc falls back to
                      // clone(2) on ENOSYS only
};

struct SandboxRule {
    std::string_view name;
    ArgRule rule = ArgRule::Any;
};

// The rules of `profile`. Some names exist on one architecture only
// (x86_64's rename, unlink, poll): the installer skips a name the native
// architecture lacks.
std::vector<SandboxRule> sandbox_rules(SandboxProfile profile);

// The CLONE_NEW* flags clone(2) may not carry under ArgRule::ThreadOnly.
uint64_t sandbox_clone_namespace_flags();

}  // namespace agenthook
