#include "sandbox_profile.hpp"

#include <sched.h>

namespace agenthook {

namespace {

// Both profiles: the allocator, signals, exiting, writing a stream, and
// syslog (an AF_UNIX datagram to /dev/log, its timestamp from
// /etc/localtime the first time).
constexpr SandboxRule kCommon[] = {
    {"read"}, {"write"}, {"writev"}, {"close"}, {"lseek"}, {"fstat"}, {"newfstatat"},
    {"openat"},  // syslog's /etc/localtime; the hook's own files (below)
    {"exit"}, {"exit_group"},
    {"brk"}, {"mmap", ArgRule::NoExec}, {"mprotect", ArgRule::NoExec}, {"munmap"}, {"mremap"}, {"madvise"},
    {"futex"}, {"rt_sigaction"}, {"rt_sigprocmask"}, {"rt_sigreturn"}, {"restart_syscall"},
    {"getpid"}, {"gettid"}, {"tgkill"},  // syslog's LOG_PID; abort() on a fatal library error
    {"clock_gettime"}, {"gettimeofday"}, {"getrandom"},
    {"socket", ArgRule::UnixSocketOnly}, {"connect"}, {"sendto"},
    {"ioctl", ArgRule::TcgetsOnly},  // the C++ streams ask whether stdout is a terminal
};

// Hook mode only.
constexpr SandboxRule kHook[] = {
    // The worker thread (hook/worker_thread.hpp): created, waited for with
    // a deadline; it gives up the shared root and working directory before
    // it enters the container. No new process: clone only makes threads.
    {"clone", ArgRule::ThreadOnly}, {"clone3", ArgRule::Enosys}, {"set_robust_list"}, {"rseq"},
    {"unshare", ArgRule::FsOnly},
    // Pinning the container and entering its mount namespace.
    {"pidfd_open"}, {"pidfd_send_signal"}, {"setns"},
    {"fchdir"},  // into the hook's procfs fd, to reach it by "." after setns
    // Resolving paths beneath the rootfs, inspecting what is there.
    {"openat2"}, {"readlinkat"}, {"readlink"}, {"fstatfs"}, {"statfs"}, {"statx"},
    {"fcntl", ArgRule::FdFlagsOnly},
    // Mounting: the new mount API, and mount(2) where it is missing.
    {"fsopen"}, {"fsconfig"}, {"fsmount"}, {"move_mount"}, {"open_tree"}, {"mount_setattr"},
    {"mount"}, {"umount2"},
    // Creating the home (and the records' state_dir), fixing owners and modes.
    {"mkdirat"}, {"mkdir"}, {"fchownat"}, {"fchown"}, {"fchmodat"}, {"fchmod"},
    // The atomic config.json write: an unnamed temp file locked while it
    // lives, fsync, a hidden name, rename; stale temp files of dead writers
    // listed and removed.
    {"flock"}, {"fsync"}, {"linkat"}, {"rename"}, {"renameat"}, {"renameat2"}, {"unlink"}, {"unlinkat"},
    {"getdents64"},
    {"getuid"}, {"geteuid"}, {"getgid"}, {"getegid"},
};

}  // namespace

std::vector<SandboxRule> sandbox_rules(SandboxProfile profile) {
    std::vector<SandboxRule> rules(std::begin(kCommon), std::end(kCommon));
    if (profile == SandboxProfile::Hook) rules.insert(rules.end(), std::begin(kHook), std::end(kHook));
    return rules;
}

uint64_t sandbox_clone_namespace_flags() {
    return CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
           CLONE_NEWCGROUP | CLONE_NEWTIME;
}

}  // namespace agenthook
