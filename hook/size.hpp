#pragma once
// PURE: the size grammar shared by the policy file, AGENT_TMP_SIZE and the
// oci-agent-hook/tmp-size annotation. A size is a positive integer with an
// optional unit k, m or g (either case); nothing else is a size.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agenthook {

// Bytes for a valid size; nullopt for empty, zero, signs, fractions, other
// units ("512mb", "50%"), whitespace, or a number that is 2^63 or more
// before or after its unit (never wrapped around: 2^64 + 1 is invalid, not 1).
std::optional<uint64_t> parse_size(std::string_view text);

// The largest unit that divides the size exactly, so it parses back to the
// same bytes: 536870912 -> "512m", 2048 -> "2k", 1536 -> "1536".
std::string format_size(uint64_t bytes);

// tmpfs rounds its size up to whole pages: the size statfs reports for `bytes`.
inline uint64_t page_rounded(uint64_t bytes, uint64_t page) { return (bytes + page - 1) / page * page; }

}  // namespace agenthook
