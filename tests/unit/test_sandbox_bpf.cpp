#include <doctest/doctest.h>

#include <vector>

#include "hook/sandbox_bpf.hpp"
#include "hook/sandbox_filter.hpp"

using namespace agenthook;

namespace {

// The program embedded at build time against the one libseccomp builds
// now from the same rules: a generated file left behind by a change of the
// rules or of libseccomp differs here.
void check_embedded(SandboxProfile profile) {
    const std::vector<sock_filter> built = build_filter(profile);
    const std::span<const sock_filter> embedded = sandbox_bpf(profile);
    REQUIRE(built.size() == embedded.size());
    for (std::size_t i = 0; i < built.size(); ++i) {
        INFO("instruction " << i);
        CHECK(embedded[i].code == built[i].code);
        CHECK(embedded[i].jt == built[i].jt);
        CHECK(embedded[i].jf == built[i].jf);
        CHECK(embedded[i].k == built[i].k);
    }
}

}  // namespace

TEST_CASE("sandbox: the embedded Hook program is the one libseccomp builds from the rules") {
    check_embedded(SandboxProfile::Hook);
}

TEST_CASE("sandbox: the embedded Precreate program is the one libseccomp builds from the rules") {
    check_embedded(SandboxProfile::Precreate);
}

TEST_CASE("sandbox: the two profiles are different programs") {
    const auto hook = sandbox_bpf(SandboxProfile::Hook);
    const auto precreate = sandbox_bpf(SandboxProfile::Precreate);
    CHECK(hook.size() > precreate.size());  // the Hook profile allows more calls
}
