#pragma once
// One error type for the whole hook: every failure names the stage (the
// command or hook stage), the step (what was being done), the path (file,
// JSON path or in-container path) and the reason (strerror text or a
// validation message). main() prints it as one line and exits non-zero.
#include <stdexcept>
#include <string>

namespace agenthook {

struct HookError : std::runtime_error {
    std::string step;
    std::string path;
    std::string reason;
    std::string hint;   // optional: where the errno text misleads
    int err = 0;        // errno, 0 when the failure is not a syscall's

    HookError(std::string step_, std::string path_, std::string reason_, int err_ = 0,
              std::string hint_ = {});

    // "step: path: reason (hint)"; the stage is prefixed by whoever reports it.
    std::string line() const;
};

// Builds a HookError from errno: reason = strerror(errnum). For ENOSPC and
// EDQUOT on an absolute path the hint also names the full mount
// (hook/full_mount.hpp).
HookError sys_error(const std::string& step, const std::string& path, int errnum,
                    std::string hint = {});

}  // namespace agenthook
