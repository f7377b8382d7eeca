#pragma once
// Runs apply() in a child process that enters the container's mount
// namespace and does nothing else afterwards; the parent stays in the host
// namespace to write config.json and to report. The child's result (its
// action log, or its HookError) comes back through a pipe.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "live_plan.hpp"
#include "sys.hpp"

namespace agenthook {

// `make_sys` is called in the child. Throws the child's HookError in the
// parent; a child that gives no result within `deadline` is killed, and one
// that dies or exits without a result is reported with its exit status.
std::vector<std::string> apply_in_child(const LivePlan& plan,
                                        const std::function<std::unique_ptr<Sys>()>& make_sys,
                                        std::chrono::milliseconds deadline);

}  // namespace agenthook
