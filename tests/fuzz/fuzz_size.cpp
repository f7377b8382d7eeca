// The size grammar (policy sizes, AGENT_TMP_SIZE, the tmp-size annotation):
// parse_size on any text, and the round trip format_size -> parse_size,
// both from accepted text and from a raw 64-bit value taken from the input.
#include <cstring>

#include "../../hook/size.hpp"
#include "fuzz_check.hpp"

using agenthook::format_size;
using agenthook::parse_size;

static void round_trip(uint64_t bytes) {
    auto again = parse_size(format_size(bytes));
    if (bytes == 0 || bytes >= (uint64_t{1} << 63)) {
        fuzz::require(!again.has_value(), "format_size of a size out of range does not parse", format_size(bytes));
        return;
    }
    fuzz::require(again == bytes, "parse_size(format_size(n)) == n", format_size(bytes));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string text = fuzz::text_of(data, size);
    if (auto bytes = parse_size(text)) {
        fuzz::require(*bytes > 0 && *bytes < (uint64_t{1} << 63), "an accepted size is in 1..2^63-1", text);
        round_trip(*bytes);
    }
    if (size >= sizeof(uint64_t)) {
        uint64_t raw;
        std::memcpy(&raw, data, sizeof raw);
        round_trip(raw);
    }
    return 0;
}
