#include "in_container.hpp"

#include <memory>

#include "apply.hpp"
#include "child.hpp"

namespace agenthook {

namespace {
constexpr const char* kStep = "apply in container";
}  // namespace

std::vector<std::string> apply_in_child(const LivePlan& plan,
                                        const std::function<std::unique_ptr<Sys>()>& make_sys,
                                        std::chrono::milliseconds deadline) {
    // One action per line: the actions never hold a newline of their own.
    return split_lines(run_in_child(
        [&] {
            auto sys = make_sys();
            std::string lines;
            for (auto line : apply(plan, *sys)) {
                for (char& c : line)
                    if (c == '\n') c = ' ';
                lines += line + "\n";
            }
            return lines;
        },
        deadline, kStep, plan.rootfs));
}

}  // namespace agenthook
