#pragma once
// PURE: runc / crun: the hook's createRuntime entry in a bundle's config.json
// (hook/registration.hpp decides what counts as registered). uninstall
// removes exactly entries equal to `entry`, and the createRuntime list and
// hooks object when that leaves them empty.
#include "../registration.hpp"
#include "change.hpp"

namespace agenthook::install {

FileChange bundle_install(const std::string& text, const std::string& path, const HookEntry& entry);
FileChange bundle_uninstall(const std::string& text, const std::string& path, const HookEntry& entry);

}  // namespace agenthook::install
