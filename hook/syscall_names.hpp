#pragma once
// The SyscallTable of the machine's libseccomp (linked statically into the
// hook): which syscall names each architecture has.
#include "seccomp_rules.hpp"

namespace agenthook {

class LibseccompTable : public SyscallTable {
public:
    std::optional<bool> has(const std::string& arch, const std::string& name) const override;
    std::string native_arch() const override;
};

// libseccomp's name of an OCI architecture: "SCMP_ARCH_X86_64" ->
// "x86_64" (the OCI names are libseccomp's own constants), nullopt for a
// name without the SCMP_ARCH_ prefix.
std::optional<std::string> libseccomp_arch_name(const std::string& oci_arch);

// The native architecture's syscall number of `name` (nullopt when it has
// none) and its AUDIT_ARCH value (libseccomp's arch tokens are those): the
// seccomp_data a filter sees for that call.
std::optional<int> native_syscall_number(const std::string& name);
uint32_t native_audit_arch();

}  // namespace agenthook
