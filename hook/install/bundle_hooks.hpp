#pragma once
// PURE: runc / crun: the hook's entries in a bundle's config.json, at
// createRuntime and at poststop (hook/registration.hpp decides what counts
// as registered). uninstall removes exactly entries equal to one of
// `entries`, and a stage's list and the hooks object when that leaves
// them empty.
#include <vector>

#include "../registration.hpp"
#include "change.hpp"

namespace agenthook::install {

FileChange bundle_install(const std::string& text, const std::string& path, const std::vector<HookEntry>& entries);
FileChange bundle_uninstall(const std::string& text, const std::string& path, const std::vector<HookEntry>& entries);

}  // namespace agenthook::install
