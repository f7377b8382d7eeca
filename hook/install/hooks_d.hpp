#pragma once
// PURE: the podman / CRI-O hooks.d files. Their content comes from
// scripts/hooks.d/*.json, embedded at build time (hooks_d_files.hpp, generated
// by CMake), so those files stay the single source; install sets hook.path to
// the hook's path and, for a policy named explicitly, passes it on as
// `--config FILE` before the stage argument.
#include <optional>
#include <string>
#include <vector>

#include "change.hpp"

namespace agenthook::install {

struct HooksDFile {
    std::string name;     // file name in the hooks.d directory
    std::string content;  // exactly what install writes
};

// The files install writes for `t` (throws HookError if a template is broken).
std::vector<HooksDFile> hooks_d_files(const Target& t);

// One file: created when missing, left alone when identical, a conflict
// (HookError) when different; uninstall removes it only when byte-identical.
FileChange hooks_d_install(const std::optional<std::string>& existing, const std::string& path, const std::string& content);
FileChange hooks_d_uninstall(const std::optional<std::string>& existing, const std::string& path, const std::string& content);

// CRI-O reads only the directories listed in crio.conf's `hooks_dir`, by
// default /usr/share/containers/oci/hooks.d alone (cri-o pkg/config:
// HooksDir = {hooks.DefaultDir}); podman, with no hooks_dir configured, also
// reads /etc/containers/oci/hooks.d (containers/common pkg/hooks OverrideDir).
inline constexpr const char* kCrioDefaultHooksDir = "/usr/share/containers/oci/hooks.d";

// The line `install --engine crio` prints about `dir`: CRI-O must be told
// to read it, unless it is CRI-O's default directory (nullopt).
std::optional<std::string> crio_hooks_dir_note(const std::string& dir);

}  // namespace agenthook::install
