# libFuzzer targets (tests/fuzz, run by scripts/fuzz.sh): clang only.
#
# Every object of the build is instrumented for coverage
# (-fsanitize=fuzzer-no-link) and built with the sanitizers (address and
# undefined unless OCI_AGENT_HOOK_SANITIZE names others), so the fuzzer
# steers through, and a finding is reported in, the library code the
# binary runs, not only in the fuzz entry points. Only the targets link
# libFuzzer's main (-fsanitize=fuzzer). Included before hardening.cmake,
# which applies OCI_AGENT_HOOK_SANITIZE.

option(OCI_AGENT_HOOK_FUZZ "build the libFuzzer targets in tests/fuzz (clang only; implies sanitizers)" OFF)

if(OCI_AGENT_HOOK_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OCI_AGENT_HOOK_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
                        "configure with -DCMAKE_CXX_COMPILER=clang++, or use scripts/fuzz.sh")
  endif()
  if(NOT OCI_AGENT_HOOK_SANITIZE)
    set(OCI_AGENT_HOOK_SANITIZE "address,undefined" CACHE STRING "" FORCE)
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
