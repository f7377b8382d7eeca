#pragma once
// Runs a LivePlan through the Sys seam: pin the container, enter its mount
// namespace, survey every target (which mount really holds it, and whether
// the hook may act there), and only when every target passes, mount,
// create, fix owners and modes, then verify every result.
// The decisions are here; the syscalls are all behind Sys.
#include <string>
#include <vector>

#include "live_plan.hpp"
#include "sys.hpp"

namespace agenthook {

enum class TmpfsAction {
    Keep,    // already the planned tmpfs, with the planned mode and owner
    Fix,     // the spec's own fresh tmpfs with another mode or owner (runc 1.1.5 ignores mode=)
    Mount,   // anything else: mount the planned tmpfs on top
};

// PURE: what to do with the spec's own tmpfs at a target whose current
// state is `facts`; `owner` is the planned owner of its root (host ids).
TmpfsAction decide_tmpfs(const DirFacts& facts, const TmpfsOp& op, const Owner& owner);

// PURE: the first way `facts` differs from the plan, or "" when it matches.
std::string tmpfs_mismatch(const DirFacts& facts, const TmpfsOp& op, const Owner& owner);
// `facts` with ids as the container sees them.
std::string home_mismatch(const DirFacts& facts, const HomeOp& op);

// Applies `plan`; returns one line per action taken, for the log. Throws
// HookError naming the step and the in-container path; every refusal that
// can be known before acting is raised before the first change.
std::vector<std::string> apply(const LivePlan& plan, Sys& sys);

}  // namespace agenthook
