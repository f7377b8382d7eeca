#pragma once
// PURE: the age grammar of the policy's cleanup.max_age and cleanup.min_age.
// An age is a positive integer with a unit m (minutes), h (hours) or d
// (days), lower case; the unit is required ("72" could mean anything).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agenthook {

// The longest age accepted: ten years. More is a typo, and the bound keeps
// every age far from overflowing a time_t when subtracted from "now".
inline constexpr uint64_t kMaxAgeSeconds = uint64_t{3650} * 24 * 3600;

// Seconds for a valid age; nullopt for empty, zero, a missing or other unit,
// signs, whitespace, or more than kMaxAgeSeconds (checked before any
// multiplication, so a huge number never wraps around into a small one).
std::optional<uint64_t> parse_age(std::string_view text);

// The largest unit that divides the age exactly: 259200 -> "3d", 5400 -> "90m";
// an age that is not whole minutes in seconds ("90s").
std::string format_age(uint64_t seconds);

}  // namespace agenthook
