#include "size.hpp"

#include <limits>

namespace agenthook {

std::optional<uint64_t> parse_size(std::string_view text) {
    if (text.empty()) return std::nullopt;
    uint64_t multiplier = 1;
    switch (text.back()) {
        case 'k': case 'K': multiplier = uint64_t{1} << 10; break;
        case 'm': case 'M': multiplier = uint64_t{1} << 20; break;
        case 'g': case 'G': multiplier = uint64_t{1} << 30; break;
        default: break;
    }
    std::string_view digits = multiplier == 1 ? text : text.substr(0, text.size() - 1);
    if (digits.empty()) return std::nullopt;

    // Sizes are bounded below 2^63 bytes: the kernel parses tmpfs sizes as
    // signed quantities, and anything near that is a typo, not a plan.
    constexpr uint64_t limit = uint64_t{1} << 63;
    uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        uint64_t digit = static_cast<uint64_t>(c - '0');
        // Checked before the arithmetic, not after: value * 10 + digit can
        // wrap around 2^64 and come out small ("18446744073709551617" is 1
        // modulo 2^64), which no later comparison can detect.
        if (value > (limit - 1 - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (value == 0) return std::nullopt;
    // The same for the unit: value * multiplier must stay below the limit.
    if (value > (limit - 1) / multiplier) return std::nullopt;
    return value * multiplier;
}

std::string format_size(uint64_t bytes) {
    static constexpr struct { uint64_t factor; char unit; } units[] = {
        {uint64_t{1} << 30, 'g'}, {uint64_t{1} << 20, 'm'}, {uint64_t{1} << 10, 'k'}};
    for (const auto& u : units)
        if (bytes != 0 && bytes % u.factor == 0) return std::to_string(bytes / u.factor) + u.unit;
    return std::to_string(bytes);
}

}  // namespace agenthook
