#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "hook/sandbox_profile.hpp"
#include "hook/syscall_names.hpp"

using namespace agenthook;

namespace {

std::map<std::string, ArgRule> by_name(SandboxProfile profile) {
    std::map<std::string, ArgRule> m;
    for (const auto& r : sandbox_rules(profile)) {
        INFO(r.name);
        CHECK(m.emplace(std::string(r.name), r.rule).second);  // no name twice
    }
    return m;
}

// Calls that would widen what a hijacked hook can do, and that no step of
// the hook makes: none may be on either allow-list.
const char* const kNeverAllowed[] = {
    "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon",
    "keyctl", "add_key", "request_key", "open_by_handle_at", "name_to_handle_at", "memfd_create",
    "chroot", "pivot_root", "setuid", "setgid", "setresuid", "setgroups", "capset",
    "userfaultfd", "io_uring_setup", "seccomp", "personality", "fspick",
};

}  // namespace

TEST_CASE("sandbox profiles: every name is a syscall of x86_64 or aarch64 (a typo would allow nothing)") {
    LibseccompTable table;
    for (auto profile : {SandboxProfile::Hook, SandboxProfile::Precreate})
        for (const auto& r : sandbox_rules(profile)) {
            INFO(r.name);
            const std::string name(r.name);
            CHECK((table.has("SCMP_ARCH_X86_64", name).value_or(false) ||
                   table.has("SCMP_ARCH_AARCH64", name).value_or(false)));
        }
}

TEST_CASE("sandbox profiles: dangerous calls are on neither list") {
    // unshare only with CLONE_FS (a thread's own root and cwd), in hook
    // mode only; checked in "argument rules".
    CHECK(by_name(SandboxProfile::Precreate).count("unshare") == 0);
    for (auto profile : {SandboxProfile::Hook, SandboxProfile::Precreate}) {
        auto m = by_name(profile);
        for (const char* name : kNeverAllowed) {
            INFO(std::string(name));
            CHECK(m.count(name) == 0);
        }
    }
}

TEST_CASE("sandbox profiles: precreate allows a subset of hook mode, without processes, namespaces or mounts") {
    auto hook = by_name(SandboxProfile::Hook);
    auto precreate = by_name(SandboxProfile::Precreate);
    for (const auto& [name, rule] : precreate) {
        INFO(std::string(name));
        REQUIRE(hook.count(name) == 1);
        CHECK(hook.at(name) == rule);
    }
    for (const char* name : {"clone", "clone3", "setns", "pidfd_open", "mount", "fsopen", "move_mount", "mkdirat",
                             "fchownat", "rename", "renameat", "unlinkat", "kill"}) {
        INFO(std::string(name));
        CHECK(precreate.count(name) == 0);
    }
    // What hook mode's steps need.
    for (const char* name : {"clone", "rseq", "unshare", "pidfd_open", "setns", "openat2", "fsopen", "fsconfig",
                             "fsmount", "move_mount", "open_tree", "mount_setattr", "mount", "mkdirat", "fchownat",
                             "fchmodat", "statx", "fstatfs", "fsync", "rename", "unlink", "exit_group", "flock",
                             "linkat", "getdents64", "fchdir"}) {
        INFO(std::string(name));
        CHECK(hook.count(name) == 1);
    }
    // The worker is a thread: nothing to wait for, kill or tie to the hook.
    for (const char* name : {"wait4", "kill", "getppid", "prctl", "pipe2", "execve", "vfork", "fork"}) {
        INFO(std::string(name));
        CHECK(hook.count(name) == 0);
    }
}

TEST_CASE("sandbox profiles: argument rules") {
    auto hook = by_name(SandboxProfile::Hook);
    CHECK(hook.at("socket") == ArgRule::UnixSocketOnly);
    CHECK(hook.at("clone") == ArgRule::ThreadOnly);  // not a fork
    CHECK(hook.at("unshare") == ArgRule::FsOnly);    // not a namespace
    CHECK(hook.at("clone3") == ArgRule::Enosys);
    CHECK(hook.at("mmap") == ArgRule::NoExec);
    CHECK(hook.at("mprotect") == ArgRule::NoExec);
    CHECK(hook.at("ioctl") == ArgRule::TcgetsOnly);  // not TIOCSTI into a terminal, say
    CHECK(hook.at("fcntl") == ArgRule::FdFlagsOnly);
    CHECK(by_name(SandboxProfile::Precreate).count("prctl") == 0);
    // Every namespace a process can be created in.
    for (uint64_t flag : {0x00020000ull /* NEWNS */, 0x04000000ull /* NEWUTS */, 0x08000000ull /* NEWIPC */,
                          0x10000000ull /* NEWUSER */, 0x20000000ull /* NEWPID */, 0x40000000ull /* NEWNET */,
                          0x02000000ull /* NEWCGROUP */, 0x00000080ull /* NEWTIME */})
        CHECK((sandbox_clone_namespace_flags() & flag) == flag);
}
