#pragma once
// What every fuzz target shares. An input may be refused only with a
// HookError (the one line the user sees); any other exception escapes the
// target, std::terminate aborts, and libFuzzer keeps the input as a crash,
// as it does for a sanitizer report, a leak or a broken invariant (require).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fuzz {

inline std::string text_of(const uint8_t* data, std::size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// A property of the code under test that does not hold for this input.
inline void require(bool ok, const char* what, const std::string& detail = {}) {
    if (ok) return;
    std::fprintf(stderr, "fuzz: invariant broken: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
    std::abort();
}

}  // namespace fuzz
