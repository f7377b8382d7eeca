#include "syscall_names.hpp"

#include <seccomp.h>

#include <cctype>

namespace agenthook {

std::optional<std::string> libseccomp_arch_name(const std::string& oci_arch) {
    const std::string prefix = "SCMP_ARCH_";
    if (oci_arch.compare(0, prefix.size(), prefix) != 0 || oci_arch.size() == prefix.size()) return std::nullopt;
    std::string name = oci_arch.substr(prefix.size());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

std::optional<bool> LibseccompTable::has(const std::string& arch, const std::string& name) const {
    uint32_t token = seccomp_arch_native();
    if (!arch.empty()) {
        auto libname = libseccomp_arch_name(arch);
        token = libname ? seccomp_arch_resolve_name(libname->c_str()) : 0;
        if (token == 0) return std::nullopt;
    }
    // __NR_SCMP_ERROR for an unknown name; another negative number is
    // libseccomp's placeholder for a syscall this architecture lacks
    // (umount on x86_64).
    return seccomp_syscall_resolve_name_arch(token, name.c_str()) >= 0;
}

std::string LibseccompTable::native_arch() const {
    // libseccomp names the native token only through its own constants; the
    // OCI names are those constants' names.
    static const char* const known[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86",     "SCMP_ARCH_X32",     "SCMP_ARCH_AARCH64",
                                        "SCMP_ARCH_ARM",    "SCMP_ARCH_S390X",   "SCMP_ARCH_S390",    "SCMP_ARCH_PPC64LE",
                                        "SCMP_ARCH_PPC64",  "SCMP_ARCH_PPC",     "SCMP_ARCH_RISCV64", "SCMP_ARCH_MIPS64",
                                        "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
                                        "SCMP_ARCH_MIPSEL", "SCMP_ARCH_LOONGARCH64"};
    const uint32_t native = seccomp_arch_native();
    for (const char* oci : known)
        if (seccomp_arch_resolve_name(libseccomp_arch_name(oci)->c_str()) == native) return oci;
    return "";
}

std::optional<int> native_syscall_number(const std::string& name) {
    int nr = seccomp_syscall_resolve_name(name.c_str());
    return nr >= 0 ? std::optional<int>(nr) : std::nullopt;
}

uint32_t native_audit_arch() { return seccomp_arch_native(); }

}  // namespace agenthook
