// The OCI state a runtime writes to hook mode's stdin: parse_object (the
// hook's own JSON parser: depth, duplicate keys, NUL, number overflow) then
// parse_state. Also the parser's round trip: what dump() writes of an
// accepted document parses back to the same document, since every rewrite
// the hook writes is read again by the next spec writer and the runtime.
#include "../../hook/error.hpp"
#include "../../oci/json_io.hpp"
#include "../../oci/state.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    oci::Json doc;
    try {
        doc = oci::parse_object(fuzz::text_of(data, size), "state");
    } catch (const agenthook::HookError&) {
        return 0;
    }
    std::string dumped = oci::dump(doc);
    try {
        fuzz::require(oci::parse_object(dumped, "dumped state") == doc, "dump() of a parsed document parses back to it");
    } catch (const agenthook::HookError& e) {
        fuzz::require(false, "dump() of a parsed document is refused by the parser", e.line());
    }
    try {
        oci::State s = oci::parse_state(doc, "state");
        fuzz::require(!s.bundle.empty() && s.bundle[0] == '/', "an accepted state has an absolute bundle", s.bundle);
        fuzz::require(s.pid >= 0, "an accepted state has a pid >= 0");
        fuzz::require(s.annotations.is_object(), "an accepted state's annotations are an object");
    } catch (const agenthook::HookError&) {
    }
    return 0;
}
