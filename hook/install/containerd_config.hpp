#pragma once
// PURE: the containerd config.toml edit (TOML through toml11).
//
// install adds the runtime handler
//   plugins.<CRI>.containerd.runtimes.<name> = { runtime_type = "io.containerd.runc.v2",
//       pod_annotations = ["oci-agent-hook/*"], options.BinaryName = <wrapper> }
// key by key (keys already there with the same value are kept, other keys of
// the handler such as options.Root too; a key with a different value is a
// conflict), and with --set-as-default containerd.default_runtime_name.
// <CRI> is "io.containerd.grpc.v1.cri" for version 2 (containerd 1.x) and
// "io.containerd.cri.v1.runtime" for version 3 (containerd 2.x).
//
// containerd decodes a plugin's table over its defaults but a map such as
// `runtimes` replaces the default map whole (containerd 1.6.20 `config dump`
// of a file with only our handler has no runc runtime, while
// default_runtime_name stays "runc"), so when the file has no runtimes table
// install also writes the default one (runc = { runtime_type =
// "io.containerd.runc.v2" }), and uninstall drops it again when it is all
// that is left: either way containerd sees the same runtimes as before.
//
// Parse errors throw HookError naming the file, line and column.
#include "change.hpp"

namespace agenthook::install {

FileChange containerd_install(const std::optional<std::string>& existing, const std::string& path, const Target& t);
// A file left holding nothing but `version` is removed (install created it).
FileChange containerd_uninstall(const std::optional<std::string>& existing, const std::string& path, const Target& t);

// containerd merges imported files plugin by plugin, replacing a plugin's
// whole table (services/server/config/config.go mergeConfig: "Replace entire
// sections instead of merging map's values"). A drop-in with only our
// handler would therefore discard the main file's CRI settings; it is used
// only when the main file has no table for the CRI plugin. Returns the
// drop-in path (DIR/oci-agent-hook.toml, DIR from the first `imports` glob
// DIR/PATTERN whose PATTERN matches that name), or nullopt: merge into the
// main file. `text` is the main file's content.
std::optional<std::string> containerd_dropin(const std::string& text, const std::string& path);

inline constexpr const char* kDropinName = "oci-agent-hook.toml";

}  // namespace agenthook::install
