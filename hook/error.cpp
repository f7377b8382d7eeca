#include "error.hpp"

#include <cstring>

#include "full_mount.hpp"

namespace agenthook {

static std::string compose(const std::string& step, const std::string& path,
                           const std::string& reason, const std::string& hint) {
    std::string s = step;
    if (!path.empty()) s += ": " + path;
    s += ": " + reason;
    if (!hint.empty()) s += " (" + hint + ")";
    return s;
}

HookError::HookError(std::string step_, std::string path_, std::string reason_, int err_,
                     std::string hint_)
    : std::runtime_error(compose(step_, path_, reason_, hint_)),
      step(std::move(step_)),
      path(std::move(path_)),
      reason(std::move(reason_)),
      hint(std::move(hint_)),
      err(err_) {}

std::string HookError::line() const { return what(); }

HookError sys_error(const std::string& step, const std::string& path, int errnum,
                    std::string hint) {
    // The one place errno becomes an error: the ENOSPC/EDQUOT hint is added here.
    std::string full = no_space_hint_for(path, errnum);
    if (!full.empty()) hint = hint.empty() ? full : hint + "; " + full;
    return HookError(step, path, std::strerror(errnum), errnum, std::move(hint));
}

}  // namespace agenthook
