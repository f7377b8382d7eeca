#pragma once
// PURE: what `oci-agent-hook sweep` and the poststop teardown remove, decided
// on a scanned tree of entries with their ages (hook/sweep_fs.* scans and
// removes; this file touches no file).
//
// Age sweep, for each entry at the top of the swept directory whose name
// matches a cleanup pattern:
//  - it is left alone entirely when anything in it (itself included) is
//    younger than min_age: the newer of atime and mtime of every entry
//    counts (the sweep reads directories with O_NOATIME, so its own reading
//    does not make them young; a symlink's atime changes when something
//    follows it: a link in use is activity too), or when it was not read whole;
//  - else every non-directory (file, symlink, socket...) whose atime AND
//    mtime are both older than max_age goes, then every directory left
//    empty, bottom-up (the top entry too). A top entry that is not a
//    directory (a symlink: never followed) goes when it is older than max_age.
//  - another mount met on the way (its st_dev or mount id differs) is never
//    entered nor removed, so the directories above it stay.
// Teardown (a stopped container's entries in a host directory): the same
// matching top entries when owned by `uid`, and in them every entry owned by
// `uid`, whatever its age; directories go when left empty.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agenthook {

// One entry as scanned (lstat: a symlink is described, never followed).
struct SweepNode {
    std::string name;
    bool is_dir = false;
    int64_t atime = 0, mtime = 0;  // seconds since the epoch
    uint64_t bytes = 0;            // st_blocks * 512: the space its last unlink frees
    uint32_t uid = 0;
    uint64_t dev = 0, ino = 0;
    uint64_t nlink = 1;
    bool other_mount = false;  // a mount point: not entered, never removed
    bool incomplete = false;   // a directory not listed whole (an error, a limit)
    std::vector<SweepNode> children;
};

struct SweepRules {
    std::vector<std::string> patterns;  // fnmatch globs on top entry names
    uint64_t max_age = 0;               // seconds
    uint64_t min_age = 0;               // seconds
    std::optional<uint32_t> teardown_uid;  // set: teardown of this owner's entries, ages ignored
};

// One entry to remove, in the order removals must happen (children first).
struct Removal {
    std::string path;  // relative to the swept directory: "claude-1000/a/b"
    bool is_dir = false;
    uint64_t dev = 0, ino = 0;     // identity at scan time: removal re-checks it
    int64_t atime = 0, mtime = 0;  // times at scan time: a file touched since is kept
    uint64_t bytes = 0;            // counted once per inode, on the link that frees it
    bool frees_inode = false;      // a directory, or the last link of a file that goes
};

// A matching top entry left alone, and why (for --dry-run's listing).
struct Kept {
    std::string name;
    std::string why;
};

struct SweepPlan {
    std::vector<Removal> removals;
    std::vector<Kept> kept;
    uint64_t bytes = 0;   // sum of removals' bytes
    uint64_t inodes = 0;  // removals that free an inode
};

// Whether `name` matches one of `patterns` (fnmatch, no flags: a leading
// dot must be matched by the pattern like any other character).
bool matches_cleanup_pattern(const std::vector<std::string>& patterns, const std::string& name);

// The plan for the scanned top entries `tops` at time `now` (seconds).
// Entries whose names match no pattern are ignored.
SweepPlan plan_sweep(const std::vector<SweepNode>& tops, const SweepRules& rules, int64_t now);

}  // namespace agenthook
