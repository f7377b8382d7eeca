#pragma once
// Runs a LivePlan through the Sys seam: enter the container's mount
// namespace, mount, create, fix owners and modes, then verify every result.
// The decisions are here; the syscalls are all behind Sys.
#include <string>
#include <vector>

#include "live_plan.hpp"
#include "sys.hpp"

namespace agenthook {

enum class TmpfsAction {
    Keep,    // already the planned tmpfs, with the planned mode and owner
    Fix,     // the planned tmpfs with another mode or owner (runc 1.1.5 ignores mode=)
    Mount,   // anything else: mount the planned tmpfs on top
};

// PURE: what to do with a target whose current state is `facts`.
TmpfsAction decide_tmpfs(const DirFacts& facts, const TmpfsOp& op);

// PURE: the first way `facts` differs from the plan, or "" when it matches.
std::string tmpfs_mismatch(const DirFacts& facts, const TmpfsOp& op);
std::string home_mismatch(const DirFacts& facts, const HomeOp& op);

// Applies `plan`; returns one line per action taken, for the log. Throws
// HookError naming the step and the in-container path.
std::vector<std::string> apply(const LivePlan& plan, Sys& sys);

}  // namespace agenthook
