#pragma once
// PURE: the mount lockdown written into config.json's linux.seccomp, so a
// workload holding CAP_SYS_ADMIN cannot remount /tmp exec (or unmount it,
// or build a new mount) behind the hook's back. Which syscall names exist
// on which architecture is an input (SyscallTable), so this file needs no
// libseccomp; hook/syscall_names.* answers it for real.
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"

namespace agenthook {

// Every syscall that mounts, unmounts, remounts or builds a mount: the
// classic calls, umount (the one-argument unmount that x86, s390x and others
// still have beside umount2) and the new mount API of Linux 5.2 and 5.12.
inline const std::vector<std::string>& lockdown_syscalls() {
    static const std::vector<std::string> names = {"mount",   "umount",   "umount2", "mount_setattr", "move_mount",
                                                   "open_tree", "fsopen", "fsconfig", "fsmount",       "fspick"};
    return names;
}

class SyscallTable {
public:
    virtual ~SyscallTable() = default;
    // Whether `name` is a syscall of `arch`, an OCI architecture name
    // ("SCMP_ARCH_X86_64"); "" is the native architecture. nullopt: the
    // architecture is unknown.
    virtual std::optional<bool> has(const std::string& arch, const std::string& name) const = 0;
    // The OCI name of the native architecture ("SCMP_ARCH_X86_64").
    virtual std::string native_arch() const = 0;
};

// The architectures a profile the lockdown creates lists: the native one and
// the ones its CPU also runs (x86_64: x86 and x32; aarch64: arm; ...).
// A filter lists only what it names, and the runtimes kill a call of an
// unlisted architecture: with the native one alone, a 32-bit program, fine
// in a container without a profile, would die of SIGSYS on its first call.
std::vector<std::string> companion_arches(const std::string& native);

// The seccomp actions that, unconditionally, make a call fail or never
// return; the others (ALLOW, LOG, TRACE, NOTIFY, anything unknown) may let
// it run.
bool denies(const std::string& action);

// Adds to config["linux"]["seccomp"] what makes every lockdown syscall fail
// with EPERM: one rule {"names": [...], "action": "SCMP_ACT_ERRNO",
// "errnoRet": 1} for the names that are not denied already. Names no
// architecture of the profile (its architectures and the native one) has are
// left out. Without a profile, one is created with defaultAction
// SCMP_ACT_ALLOW for companion_arches(table.native_arch()).
// Never weakens the profile: a name already denied unconditionally (a rule
// with a denying action and no args, or a denying defaultAction and no rule
// letting it through) keeps that; the name is taken out of every rule that
// could let it through (ALLOW, LOG, TRACE, NOTIFY, with or without args), a
// rule left without names is dropped. A denying rule with args stays as it
// is (libseccomp lets our unconditional rule override it: still a refusal).
// Idempotent: the result of a lockdown is unchanged by another.
// Throws HookError (step "plan seccomp", naming `source` and the JSON path)
// for a profile of the wrong shape or an unknown architecture.
// `changed` (optional) is set to whether the result differs from `config`.
oci::Json apply_mount_lockdown(oci::Json config, const SyscallTable& table, const std::string& source,
                               bool* changed = nullptr);

// For --dry-run: "~ change linux.seccomp: ..." naming the lockdown names
// `after` denies with its rule, or nullopt when linux.seccomp is the same.
std::optional<std::string> describe_seccomp_change(const oci::Json& before, const oci::Json& after);

}  // namespace agenthook
