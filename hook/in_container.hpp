#pragma once
// Runs apply() on a worker thread (hook/worker_thread.hpp) that enters the
// container's mount namespace and does nothing else afterwards; the
// calling thread stays in the host's namespace to write config.json and to
// report. The worker's result (its action log, or its HookError) comes back
// whole.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "live_plan.hpp"
#include "sys.hpp"

namespace agenthook {

// `make_sys` is called on the worker. Throws the worker's HookError; a
// worker that gives no result within `deadline` is an error (ETIMEDOUT),
// and the thread ends with the process.
std::vector<std::string> apply_in_worker(const LivePlan& plan, std::function<std::unique_ptr<Sys>()> make_sys,
                                         std::chrono::milliseconds deadline);

}  // namespace agenthook
