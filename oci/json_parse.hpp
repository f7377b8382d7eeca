#pragma once
// The one JSON parser for every document the hook reads (config.json, the
// OCI state on stdin, the policy file). These documents come from whoever
// creates containers, so the parser is built for hostile input:
// - no recursion: a hand-written parser with its own stack of open arrays
//   and objects, so no depth can overflow the C++ stack; depth is limited
//   anyway (kMaxJsonDepth), since dump(), copies and comparisons of the
//   resulting Json do recurse;
// - duplicate keys are refused: which of two "root" keys counts is a
//   parser's choice, and the runtime's parser may choose the other one;
// - NUL is refused in every string and key (see parse_json);
// - time linear in the input (up to a log factor for objects with many
//   keys): one pass over the bytes, building nlohmann values directly;
//   objects are built by appending, never by nlohmann's ordered_map insert,
//   which searches linearly and made k keys cost O(k^2).
// Errors are agenthook::HookError("parse JSON", name, "byte N: reason").
#include <cstddef>
#include <string>
#include <string_view>

#include "json.hpp"

namespace oci {

// OCI documents nest at most 7 arrays/objects deep (the deepest
// runtime-spec object is linux.seccomp.syscalls[i].args[j]); 128 leaves
// vendor extensions room while keeping every recursive walk of the result
// (dump, copy, compare) shallow.
inline constexpr std::size_t kMaxJsonDepth = 128;

// A spec holds about a thousand values (10,000 mounts: some 100,000;
// Kubernetes caps an object's annotations at 256 KiB, at most ~65,000
// entries). Each value costs nlohmann one to three heap allocations, and
// those, not the reading, set the time and memory of a huge document: 7.6
// million small values in 63 MiB took over a second and 800 MiB. A million
// is ten times any real spec and keeps a hostile one to about 0.3 s.
inline constexpr std::size_t kMaxJsonValues = 1000000;

// Parses one JSON document of any type (object, array, scalar), RFC 8259
// exactly, with the values nlohmann::json::parse gives (integers as uint64
// or int64, a double when they do not fit or have a fraction or exponent; a
// leading UTF-8 byte order mark is skipped). Refuses, naming `name`, the
// byte offset (bytes read when the problem was found: the offending byte
// included, or the end of a refused string or number) and, where it helps,
// the line and column or the JSON path:
// - syntax errors, ill-formed UTF-8 (RFC 3629: overlong forms and encoded
//   surrogates too), unescaped control characters and unpaired \u
//   surrogates;
// - numbers too large for a double (1e400);
// - more than `max_depth` nested arrays/objects;
// - more than kMaxJsonValues values (every array, object, string, number,
//   true, false and null counts one);
// - a key twice in one object;
// - a NUL character (\u0000) in any string or key. Every string of an OCI
//   document ends up as a C string (a path, an argument, an option) or is
//   free text (annotations) that may itself hold a path, such as
//   oci-agent-hook/exclude; a NUL would cut the hook's view of it short of
//   what a Go runtime sees. Nothing legitimate needs one, so refusing it
//   everywhere leaves no path field to forget.
Json parse_json(std::string_view text, const std::string& name, std::size_t max_depth = kMaxJsonDepth);

}  // namespace oci
