# Compiler and linker hardening, sanitizers and the link mode of the hook,
# for every target of this project.
#
# The hook runs as root on every container start and reads files the
# container's creator wrote, so release builds are position independent
# (ASLR for the binary itself), fully RELRO and BIND_NOW (no writable GOT),
# with stack protector, stack clash protection, CET (x86) and
# _FORTIFY_SOURCE. Static-pie keeps the static binary's start cost (no
# dynamic loader, no shared-library relocations) while adding ASLR:
# README "Hardening" has the measurements.

option(OCI_AGENT_HOOK_HARDEN "position independent code, full RELRO, stack protector, _FORTIFY_SOURCE" ON)
option(OCI_AGENT_HOOK_STATIC "link oci-agent-hook statically (static-pie when hardened)" ON)
set(OCI_AGENT_HOOK_SANITIZE "" CACHE STRING
  "comma-separated sanitizers for -fsanitize= (e.g. address,undefined); links dynamically")

# -fno-sanitize-recover: a report ends the process (UBSan otherwise prints
# and carries on, and a test that only checks the exit code would pass).
if(OCI_AGENT_HOOK_SANITIZE)
  add_compile_options(-fsanitize=${OCI_AGENT_HOOK_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${OCI_AGENT_HOOK_SANITIZE})
  # hook/sandbox.cpp loads no seccomp filter in such a build (it says why).
  add_compile_definitions(OCI_AGENT_HOOK_SANITIZED=1)
endif()

if(OCI_AGENT_HOOK_HARDEN)
  add_compile_options(-fPIE -fstack-protector-strong -fstack-clash-protection)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
    add_compile_options(-fcf-protection)
  endif()
  # _FORTIFY_SOURCE needs optimization (glibc warns without it) and gets in
  # the way of the sanitizers' own interceptors.
  if(NOT OCI_AGENT_HOOK_SANITIZE)
    add_compile_options("$<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE;-D_FORTIFY_SOURCE=2>")
  endif()
  add_link_options(-Wl,-z,relro,-z,now,-z,noexecstack)
endif()

# A static link drops the sections nothing refers to (the binary runs
# on every container start: less text to fault in, fewer relocations) and,
# where the linker can, packs the relative relocations (DT_RELR): the
# static-pie start code applies them in a compact loop.
include(CheckLinkerFlag)
check_linker_flag(CXX "-Wl,-z,pack-relative-relocs" OCI_AGENT_HOOK_HAVE_RELR)
if(OCI_AGENT_HOOK_STATIC AND NOT OCI_AGENT_HOOK_SANITIZE)
  add_compile_options(-ffunction-sections -fdata-sections)
endif()

# oci_agent_hook_link_mode(TARGET): static-pie (hardened) or static, unless
# OCI_AGENT_HOOK_STATIC is off or sanitizers are on (they need the dynamic
# loader); then a dynamic PIE (hardened) or the compiler's default.
function(oci_agent_hook_link_mode target)
  if(OCI_AGENT_HOOK_STATIC AND NOT OCI_AGENT_HOOK_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,--gc-sections)
    if(OCI_AGENT_HOOK_HARDEN)
      target_link_options(${target} PRIVATE -static-pie)
      if(OCI_AGENT_HOOK_HAVE_RELR)
        target_link_options(${target} PRIVATE -Wl,-z,pack-relative-relocs)
      endif()
    else()
      target_link_options(${target} PRIVATE -static)
    endif()
  elseif(OCI_AGENT_HOOK_HARDEN)
    target_link_options(${target} PRIVATE -pie)
  endif()
endfunction()
