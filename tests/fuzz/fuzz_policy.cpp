// The policy file: parse_object, parse_policy, and check-config's rendering
// (policy_to_json). The effective policy, rendered and parsed again, is the
// same policy with no warning: check-config's output is a policy file an
// operator can install as it is.
#include "../../hook/error.hpp"
#include "../../hook/policy.hpp"
#include "../../oci/json_io.hpp"
#include "fuzz_check.hpp"

using namespace agenthook;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    Policy policy;
    try {
        Warnings warnings;
        policy = parse_policy(oci::parse_object(fuzz::text_of(data, size), "policy"), "policy", warnings);
    } catch (const HookError&) {
        return 0;
    }
    fuzz::require(policy.tmp_size > 0 && policy.tmp_size <= policy.tmp_max_size, "tmp.size in 1..tmp.max_size");
    fuzz::require(policy.exclude_size > 0 && policy.exclude_size <= policy.exclude_max_size,
                  "exclude.size in 1..exclude.max_size");
    const oci::Json rendered = policy_to_json(policy);
    const std::string text = rendered.dump(2);  // what check-config prints
    try {
        Warnings warnings;
        Policy again = parse_policy(oci::parse_object(text, "rendered policy"), "rendered policy", warnings);
        fuzz::require(warnings.empty(), "the rendered policy parses without warnings", warnings.empty() ? "" : warnings[0]);
        fuzz::require(policy_to_json(again) == rendered, "the rendered policy parses to the same policy", text);
    } catch (const HookError& e) {
        fuzz::require(false, "the rendered policy is accepted", e.line());
    }
    return 0;
}
