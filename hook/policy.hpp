#pragma once
// The hook's own configuration (the policy file): schema, defaults, the size
// rules and where the file comes from. Parsing and validation are PURE;
// load_policy() is the only part that reads a file.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../oci/json.hpp"
#include "error.hpp"
#include "log.hpp"

namespace agenthook {

inline constexpr const char* kDefaultPolicyPath = "/etc/oci-agent-hook/config.json";
inline constexpr const char* kDefaultRuntimePath = "/usr/sbin/runc";
// Where hook mode keeps one record per container (hook/records.hpp).
inline constexpr const char* kDefaultStateDir = "/run/oci-agent-hook";

// `oci-agent-hook sweep` and the poststop teardown (hook/sweep.hpp).
struct Cleanup {
    bool enabled = true;
    // fnmatch globs on the name of an entry at the top of /tmp (never a
    // path: no '/', not empty).
    std::vector<std::string> patterns = {"claude-*", "codex-*", "gemini-*"};
    uint64_t max_age = uint64_t{72} * 3600;  // seconds: files older than this go
    uint64_t min_age = 3600;                 // seconds: anything younger keeps its whole top entry
    // Host directories (a shared /tmp, a volume) whose matching entries owned
    // by a stopped container's uid are removed at poststop, whatever their age.
    std::vector<std::string> teardown_paths;
};

struct Policy {
    uint64_t tmp_size = uint64_t{512} << 20;
    uint64_t tmp_max_size = uint64_t{4} << 30;
    uint64_t tmp_nr_inodes = 0;  // 0: kernel default
    std::vector<std::string> exclude_paths;  // normalized, validated
    uint64_t exclude_size = uint64_t{1} << 30;
    uint64_t exclude_max_size = uint64_t{8} << 30;
    std::string home_path = "/agent-home";
    uint32_t home_uid = 1000;
    uint32_t home_gid = 1000;
    uint32_t home_mode = 0755;
    bool allow_overrides = true;
    // Where the oci-agent-hook/exclude annotation may add paths: strictly
    // beneath one of these (normalized, validated). Empty: nowhere.
    std::vector<std::string> exclude_under = {"/workspace"};
    // oci-agent-runtime: the real runtime it hands every command to.
    std::string runtime_path = kDefaultRuntimePath;
    // oci-agent-runtime changes only containers whose annotations match all
    // of these (key -> ECMAScript regex, matched against the whole value).
    // Empty: every container.
    std::map<std::string, std::string> match_annotations;
    // Spec writers add seccomp rules that make the mount syscalls fail with
    // EPERM (hook/seccomp_rules.hpp), so CAP_SYS_ADMIN cannot undo /tmp.
    bool seccomp_deny_mount = true;
    // The directory of the per-container records (absolute, normalized).
    std::string state_dir = kDefaultStateDir;
    // Where this policy came from, for the records: the file, or the
    // built-in defaults when the default file is missing.
    std::string source = "built-in defaults";
    Cleanup cleanup;
    // "log": the level of syslog and the log file, and the file (hook/log.hpp).
    LogSettings log;
};

using Warnings = std::vector<std::string>;

// A policy file with problems: the message names the first, `problems`
// holds every one as "<json path>: <reason>".
struct PolicyError : HookError {
    std::vector<std::string> problems;
    PolicyError(const std::string& source, std::vector<std::string> problems);
};

// Validates a policy document. Type errors, bad bounds and bad paths
// (exclude.paths, home.path, annotations.exclude_under) throw HookError
// naming `source` and the JSON path (fail closed); an invalid or empty size
// falls back to its default and a size above its max_size is clamped, each
// with a warning; unknown keys are warnings.
Policy parse_policy(const oci::Json& doc, const std::string& source, Warnings& warnings);

// The effective policy as JSON, in the policy file's own schema.
oci::Json policy_to_json(const Policy& policy);

// Validates one size value from `source` (a label for messages) against
// `max`: nullopt with a warning when invalid, clamped with a warning when
// above `max`.
std::optional<uint64_t> checked_size(const std::string& text, const std::string& source,
                                     uint64_t max, Warnings& warnings);

// Why `pattern` is not a cleanup pattern (empty, holds '/', is "." or
// ".."), or nullopt.
std::optional<std::string> cleanup_pattern_problem(const std::string& pattern);

// Validates a path the hook will mount on or create: absolute, no ".."
// segment, not "/", not /tmp nor under it, not under /proc, /sys or /dev.
// Returns the normalized path, or nullopt with the reason in `why`.
std::optional<std::string> validate_target_path(const std::string& raw, std::string& why);

// Validates a path from the oci-agent-hook/exclude annotation: a target path
// (validate_target_path) strictly beneath one of policy.exclude_under and
// neither at nor under policy.home_path. Returns the normalized path, or
// nullopt with the reason in `why`.
std::optional<std::string> validate_annotation_exclude(const std::string& raw, const Policy& policy,
                                                       std::string& why);

// The longest annotation value a match.annotations regex is run on.
// libstdc++'s std::regex recurses once per character matched (a 100 KB
// value overflowed the stack), and the value is the container creator's.
inline constexpr std::size_t kMaxMatchedAnnotationBytes = 4096;

// PURE: whether a container with these annotations (a JSON object) is one
// the policy's match.annotations selects. A value the policy matches on that
// is longer than kMaxMatchedAnnotationBytes throws HookError (fail closed:
// not matching would leave the container alone).
bool matches_annotations(const Policy& policy, const oci::Json& annotations);

struct PolicySource {
    std::string path;     // the file to read
    bool explicit_ = false;  // named by --config or OCI_AGENT_HOOK_CONFIG: must exist
};

// Picks the policy file: --config, then OCI_AGENT_HOOK_CONFIG, then the default.
PolicySource choose_policy_source(const std::optional<std::string>& cli_path,
                                  const std::optional<std::string>& env_path);

// PURE: why the policy file, owned by `owner` with mode `mode`, must not be
// trusted by a process running as `euid`, or nullopt. Whoever can write the
// policy decides what the hook mounts in every container, so it must be
// owned by root (or by `euid` itself: a non-root check-config of one's own
// draft trusts no one else) and not group- or world-writable.
std::optional<std::string> policy_file_problem(uint32_t owner, uint32_t mode, uint32_t euid);

// Reads and validates the policy file; a missing default file means
// defaults. The file opened (a symlink is followed) must be a regular file
// passing policy_file_problem; a FIFO is refused without blocking.
Policy load_policy(const PolicySource& source, Warnings& warnings);

}  // namespace agenthook
