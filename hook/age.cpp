#include "age.hpp"

namespace agenthook {

std::optional<uint64_t> parse_age(std::string_view text) {
    if (text.size() < 2) return std::nullopt;
    uint64_t unit = 0;
    switch (text.back()) {
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return std::nullopt;
    }
    uint64_t value = 0;
    for (char c : text.substr(0, text.size() - 1)) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');
        // Checked at every digit: value stays below kMaxAgeSeconds + 10 times
        // ten, far from 2^64, so neither step can wrap.
        if (value > kMaxAgeSeconds) return std::nullopt;
    }
    if (value == 0 || value > kMaxAgeSeconds / unit) return std::nullopt;
    return value * unit;
}

std::string format_age(uint64_t seconds) {
    static constexpr struct { uint64_t factor; char unit; } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
    for (const auto& u : units)
        if (seconds != 0 && seconds % u.factor == 0) return std::to_string(seconds / u.factor) + u.unit;
    return std::to_string(seconds) + "s";
}

}  // namespace agenthook
