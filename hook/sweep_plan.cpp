#include "sweep_plan.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <utility>

#include "age.hpp"

namespace agenthook {

bool matches_cleanup_pattern(const std::vector<std::string>& patterns, const std::string& name) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& p) { return ::fnmatch(p.c_str(), name.c_str(), 0) == 0; });
}

namespace {

int64_t newest_of(const SweepNode& n) { return std::max(n.atime, n.mtime); }

// The newest time in the tree, mounts met on the way excluded (their times
// are another filesystem's, not the agent's session).
int64_t newest_in(const SweepNode& n) {
    int64_t newest = newest_of(n);
    for (const auto& c : n.children)
        if (!c.other_mount) newest = std::max(newest, newest_in(c));
    return newest;
}

bool any_incomplete(const SweepNode& n) {
    if (n.incomplete) return true;
    return std::any_of(n.children.begin(), n.children.end(), [](const SweepNode& c) { return any_incomplete(c); });
}

class Planner {
public:
    Planner(const SweepRules& rules, int64_t now) : rules_(rules), now_(now) {}

    // Appends the removals under and of `n` (children first); true when `n`
    // itself goes.
    bool visit(const SweepNode& n, const std::string& path) {
        if (n.other_mount) return false;
        if (rules_.teardown_uid && n.uid != *rules_.teardown_uid) return false;
        if (!n.is_dir) {
            if (!rules_.teardown_uid && !(older_than_max(n.atime) && older_than_max(n.mtime))) return false;
            add(n, path);
            return true;
        }
        bool all_gone = !n.incomplete;
        for (const auto& c : n.children) all_gone = visit(c, path + "/" + c.name) && all_gone;
        if (all_gone) add(n, path);
        return all_gone;
    }

    SweepPlan finish() {
        // A file's inode (and its blocks) is freed by the removal of its last
        // link: only when every link is in the plan, counted once.
        std::map<std::pair<uint64_t, uint64_t>, uint64_t> links_removed;
        for (const auto& r : plan_.removals)
            if (!r.is_dir) ++links_removed[{r.dev, r.ino}];
        for (auto& r : plan_.removals) {
            bool last = r.is_dir;
            if (!r.is_dir) {
                auto it = links_removed.find({r.dev, r.ino});
                last = it->second == nlinks_[{r.dev, r.ino}];
                // Later links of the same inode do not count again.
                if (last) it->second = 0;
            }
            r.frees_inode = last;
            if (!last) r.bytes = 0;
            plan_.bytes += r.bytes;
            plan_.inodes += last ? 1 : 0;
        }
        return std::move(plan_);
    }

    void keep(const std::string& name, std::string why) { plan_.kept.push_back({name, std::move(why)}); }

private:
    // "Older than": strictly more than the age has passed. A time in the
    // future (clock skew, touch -d tomorrow) is young.
    bool older_than_max(int64_t t) const {
        return t < now_ && static_cast<uint64_t>(now_ - t) > rules_.max_age;
    }

    void add(const SweepNode& n, const std::string& path) {
        plan_.removals.push_back({path, n.is_dir, n.dev, n.ino, n.atime, n.mtime, n.bytes, false});
        if (!n.is_dir) nlinks_[{n.dev, n.ino}] = n.nlink;
    }

    const SweepRules& rules_;
    int64_t now_;
    SweepPlan plan_;
    std::map<std::pair<uint64_t, uint64_t>, uint64_t> nlinks_;
};

}  // namespace

SweepPlan plan_sweep(const std::vector<SweepNode>& tops, const SweepRules& rules, int64_t now) {
    Planner planner(rules, now);
    for (const auto& top : tops) {
        if (!matches_cleanup_pattern(rules.patterns, top.name)) continue;
        if (top.other_mount) {
            planner.keep(top.name, "a mount point");
            continue;
        }
        if (rules.teardown_uid) {
            if (top.uid != *rules.teardown_uid) continue;  // another user's: not this container's
            planner.visit(top, top.name);
            continue;
        }
        // Not read whole: something unseen may be young.
        if (any_incomplete(top)) {
            planner.keep(top.name, "not read whole");
            continue;
        }
        const int64_t newest = newest_in(top);
        if (newest >= now || static_cast<uint64_t>(now - newest) < rules.min_age) {
            const uint64_t age = newest >= now ? 0 : static_cast<uint64_t>(now - newest);
            planner.keep(top.name, "active: its newest entry is " + std::to_string(age / 60) +
                                       " minutes old, younger than min_age " + format_age(rules.min_age));
            continue;
        }
        planner.visit(top, top.name);
    }
    return planner.finish();
}

}  // namespace agenthook
