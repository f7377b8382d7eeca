#pragma once
// PURE: the Docker daemon.json edit. install adds runtimes.<name> =
// {"path": wrapper} (and default-runtime with --set-as-default) keeping every
// other key; uninstall removes exactly those, and the file when nothing else
// is left. `existing` is the file's text, nullopt when it does not exist.
// Conflicts (a different runtimes.<name> or default-runtime, which uninstall
// could not restore) and parse errors throw HookError naming `path`.
#include "change.hpp"

namespace agenthook::install {

FileChange docker_install(const std::optional<std::string>& existing, const std::string& path, const Target& t);
FileChange docker_uninstall(const std::optional<std::string>& existing, const std::string& path, const Target& t);

}  // namespace agenthook::install
