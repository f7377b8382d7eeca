#include "in_container.hpp"

#include <utility>

#include "apply.hpp"
#include "worker_thread.hpp"

namespace agenthook {

std::vector<std::string> apply_in_worker(const LivePlan& plan, std::function<std::unique_ptr<Sys>()> make_sys,
                                         std::chrono::milliseconds deadline) {
    // The plan is copied: a worker left behind at the deadline outlives
    // the caller's.
    std::function<std::vector<std::string>()> body = [plan, make_sys = std::move(make_sys)] {
        auto sys = make_sys();
        return apply(plan, *sys);
    };
    return run_in_thread(std::move(body), deadline, "apply in container", plan.rootfs);
}

}  // namespace agenthook
