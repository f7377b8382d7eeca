#pragma once
// PURE: mount destinations as runc and crun read them.
#include <string>
#include <string_view>

namespace oci {

// Normalizes a mount destination the way the runtimes resolve it: a relative
// destination is taken relative to "/", duplicate slashes, "." segments and a
// trailing slash go, ".." is resolved lexically and never climbs above "/".
std::string normalize_destination(std::string_view destination);

// True when `ancestor` is a strict ancestor of `path` (both normalized):
// "/workspace" of "/workspace/node_modules", "/" of everything but "/".
bool is_strict_ancestor(std::string_view ancestor, std::string_view path);

// True when `path` is `root` or lies beneath it (both normalized).
bool is_at_or_under(std::string_view path, std::string_view root);

// For a normalized absolute path: the path of its parent ("/" for "/tmp")
// and its last segment ("tmp"). "/" is its own parent, with an empty name.
std::string parent_path(std::string_view path);
std::string last_segment(std::string_view path);

// True when any "/"-separated segment of `path` is exactly "..".
bool has_dotdot_segment(std::string_view path);

}  // namespace oci
