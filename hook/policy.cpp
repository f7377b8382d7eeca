#include "policy.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <regex>
#include <set>

#include "../oci/json_io.hpp"
#include "../oci/mount.hpp"
#include "age.hpp"
#include "error.hpp"
#include "size.hpp"

namespace agenthook {

using oci::Json;

static std::string summarize(const std::vector<std::string>& problems) {
    std::string s = problems.front();
    if (problems.size() > 1) s += " (and " + std::to_string(problems.size() - 1) + " more: run check-config)";
    return s;
}

PolicyError::PolicyError(const std::string& source, std::vector<std::string> problems_)
    : HookError("validate policy", source, summarize(problems_)), problems(std::move(problems_)) {}

namespace {

// Reads the policy document section by section, so every message carries
// the file and the JSON path, and every key that is read is known.
class Reader {
public:
    Reader(const std::string& source, Warnings& warnings) : source_(source), warnings_(warnings) {}

    // Records a problem and lets parsing go on, so check-config can list
    // every problem at once; finish() turns them into one error.
    void fail(const std::string& json_path, const std::string& reason) {
        problems_.push_back(json_path + ": " + reason);
    }

    void finish() const {
        if (!problems_.empty()) throw PolicyError(source_, problems_);
    }

    // The object at doc[key] (nullptr when absent); unknown keys inside it warn.
    const Json* section(const Json& doc, const std::string& key, std::set<std::string> known) {
        auto it = doc.find(key);
        if (it == doc.end()) return nullptr;
        if (!it->is_object()) {
            fail(key, std::string("expected object, got ") + it->type_name());
            return nullptr;
        }
        warn_unknown(*it, key + ".", known);
        return &*it;
    }

    void warn_unknown(const Json& obj, const std::string& prefix, const std::set<std::string>& known) {
        for (const auto& [k, v] : obj.items())
            if (!known.count(k))
                warnings_.push_back(source_ + ": " + prefix + k + ": unknown key, ignored");
    }

    // doc[key] when present and of the right type; nullptr otherwise (a
    // wrong type is recorded as a problem).
    const Json* field(const Json* obj, const char* key, Json::value_t type, const char* type_name,
                      const std::string& json_path) {
        if (!obj) return nullptr;
        auto it = obj->find(key);
        if (it == obj->end()) return nullptr;
        bool ok = it->type() == type || (type == Json::value_t::number_unsigned && it->is_number_integer());
        if (!ok) {
            fail(json_path, std::string("expected ") + type_name + ", got " + it->type_name());
            return nullptr;
        }
        return &*it;
    }

    const Json* string_field(const Json* obj, const char* key, const std::string& path) {
        return field(obj, key, Json::value_t::string, "string", path);
    }

    uint64_t integer(const Json* obj, const char* key, const std::string& path, uint64_t def,
                     uint64_t max) {
        const Json* v = field(obj, key, Json::value_t::number_unsigned, "integer", path);
        if (!v) return def;
        if (*v < 0 || v->get<uint64_t>() > max) {
            fail(path, "out of range 0.." + std::to_string(max) + ": " + v->dump());
            return def;
        }
        return v->get<uint64_t>();
    }

    // Each string of the array obj[key], handed to `accept`, which keeps it
    // or returns why it is refused (recorded with its JSON path); false when
    // the key is absent (or not an array).
    template <class Accept>
    bool each_string(const Json* obj, const char* key, const std::string& json_path, Accept accept) {
        const Json* list = field(obj, key, Json::value_t::array, "array", json_path);
        if (!list) return false;
        for (std::size_t i = 0; i < list->size(); ++i) {
            std::string at = json_path + "[" + std::to_string(i) + "]";
            const Json& entry = (*list)[i];
            if (!entry.is_string()) {
                fail(at, std::string("expected string, got ") + entry.type_name());
                continue;
            }
            const std::string& value = entry.get_ref<const std::string&>();
            if (std::optional<std::string> why = accept(value)) fail(at, "\"" + value + "\" " + *why);
        }
        return true;
    }

    // A list of target paths (validate_target_path), normalized and
    // deduplicated; `def` when absent.
    std::vector<std::string> paths(const Json* obj, const char* key, const std::string& json_path,
                                   std::vector<std::string> def) {
        std::vector<std::string> out;
        bool present = each_string(obj, key, json_path, [&](const std::string& raw) -> std::optional<std::string> {
            std::string why;
            auto path = validate_target_path(raw, why);
            if (!path) return why;
            if (std::find(out.begin(), out.end(), *path) == out.end()) out.push_back(*path);
            return std::nullopt;
        });
        return present ? out : def;
    }

    // A max_size is a bound: an invalid one is an error, never a fallback.
    uint64_t max_size(const Json* obj, const std::string& path, uint64_t def) {
        const Json* v = string_field(obj, "max_size", path);
        if (!v) return def;
        auto bytes = parse_size(v->get<std::string>());
        if (!bytes) {
            fail(path, "invalid size \"" + v->get<std::string>() + "\" (a positive integer with an optional k, m or g)");
            return def;
        }
        return *bytes;
    }

    // A size falls back to its default (itself clamped to max) when invalid.
    uint64_t size(const Json* obj, const std::string& path, uint64_t def, uint64_t max) {
        uint64_t fallback = std::min(def, max);
        const Json* v = string_field(obj, "size", path);
        if (!v) return fallback;
        auto bytes = checked_size(v->get<std::string>(), source_ + ": " + path, max, warnings_);
        if (!bytes) {
            warnings_.push_back(source_ + ": " + path + ": using the default " + format_size(fallback));
            return fallback;
        }
        return *bytes;
    }

private:
    const std::string& source_;
    Warnings& warnings_;
    std::vector<std::string> problems_;
};

}  // namespace

std::optional<uint64_t> checked_size(const std::string& text, const std::string& source,
                                     uint64_t max, Warnings& warnings) {
    auto bytes = parse_size(text);
    if (!bytes) {
        warnings.push_back(source + ": invalid size \"" + text +
                           "\" (a positive integer with an optional k, m or g), ignored");
        return std::nullopt;
    }
    if (*bytes > max) {
        warnings.push_back(source + ": size " + text + " is above the maximum " + format_size(max) +
                           ", clamped to " + format_size(max));
        return max;
    }
    return bytes;
}

std::optional<std::string> validate_target_path(const std::string& raw, std::string& why) {
    if (raw.empty() || raw[0] != '/') {
        why = "must be an absolute path";
        return std::nullopt;
    }
    if (oci::has_dotdot_segment(raw)) {
        why = "must not contain a \"..\" segment";
        return std::nullopt;
    }
    std::string path = oci::normalize_destination(raw);
    if (path == "/") {
        why = "must not be \"/\"";
        return std::nullopt;
    }
    // Beneath /tmp too: an exec tmpfs there would configure /tmp's noexec
    // away, and a home there would live in that tmpfs, emptied every start.
    if (oci::is_at_or_under(path, "/tmp")) {
        why = "must not be /tmp or under it (the hook mounts /tmp itself, noexec)";
        return std::nullopt;
    }
    for (const char* kernel_fs : {"/proc", "/sys", "/dev"}) {
        if (oci::is_at_or_under(path, kernel_fs)) {
            why = std::string("must not be under ") + kernel_fs;
            return std::nullopt;
        }
    }
    return path;
}

// "/workspace, /data" for messages; "empty" for an empty list.
static std::string list_for_message(const std::vector<std::string>& paths) {
    if (paths.empty()) return "empty";
    std::string s;
    for (const auto& path : paths) s += (s.empty() ? "" : ", ") + path;
    return s;
}

std::optional<std::string> validate_annotation_exclude(const std::string& raw, const Policy& policy,
                                                       std::string& why) {
    auto path = validate_target_path(raw, why);
    if (!path) return std::nullopt;
    // Whoever writes the annotation (the container's creator) must not get
    // an exec, world-writable tmpfs over the agent's home, whatever
    // exclude_under says.
    if (oci::is_at_or_under(*path, policy.home_path)) {
        why = "is at or under home.path (" + policy.home_path + ")";
        return std::nullopt;
    }
    // Strictly beneath: a tmpfs at /workspace itself would hide the
    // workspace, and /etc, /usr/bin or /root would get an exec 1777 tmpfs.
    bool beneath = std::any_of(policy.exclude_under.begin(), policy.exclude_under.end(),
                               [&](const std::string& root) { return oci::is_strict_ancestor(root, *path); });
    if (!beneath) {
        why = "is not beneath annotations.exclude_under (" + list_for_message(policy.exclude_under) + ")";
        return std::nullopt;
    }
    return path;
}

std::optional<std::string> cleanup_pattern_problem(const std::string& pattern) {
    if (pattern.empty()) return "must not be empty";
    if (pattern.find('/') != std::string::npos) return "must be a name, without '/'";
    if (pattern == "." || pattern == "..") return "must not be \".\" or \"..\"";
    return std::nullopt;
}

namespace {

// The largest number a match.annotations regex may write in a back-reference
// (\N) or a repeat count ({n,m}). libstdc++ reads those numbers into a long
// without an overflow check (undefined behaviour, found by fuzz_policy with
// \6666666666666666666666), and a count above its state limit is refused
// anyway, so a larger one can only be a mistake.
constexpr unsigned long kMaxRegexNumber = 99999;

// Why std::regex must not compile this pattern, or nullopt. Only the numbers
// std::regex reads as integers are checked: the digits after a backslash
// (anywhere: the scanner reads them there too) and those between an
// unescaped '{' outside a bracket expression and the next unescaped '}'.
std::optional<std::string> regex_number_problem(const std::string& pattern) {
    // The length of the run of digits at i; `too_big` says if it is above the bound.
    auto digits_at = [&](std::size_t i, bool& too_big) {
        unsigned long value = 0;
        std::size_t end = i;
        for (; end < pattern.size() && pattern[end] >= '0' && pattern[end] <= '9'; ++end)
            if (value <= kMaxRegexNumber) value = value * 10 + static_cast<unsigned long>(pattern[end] - '0');
        too_big = value > kMaxRegexNumber;
        return end - i;
    };
    bool in_bracket = false, in_brace = false, too_big = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            const std::size_t n = digits_at(i + 1, too_big);
            if (too_big) return "a back-reference number above " + std::to_string(kMaxRegexNumber);
            i += n > 0 ? n : 1;  // the digits, or the one escaped character
        } else if (in_bracket) {
            in_bracket = c != ']';
        } else if (in_brace) {
            const std::size_t n = digits_at(i, too_big);
            if (too_big) return "a repeat count above " + std::to_string(kMaxRegexNumber);
            if (n > 0) i += n - 1;
            else in_brace = c != '}';
        } else {
            in_bracket = c == '[';
            in_brace = c == '{';
        }
    }
    return std::nullopt;
}

// cleanup: a bad age or pattern is an error (fail closed: a typo must not
// make the sweep remove more, or younger, files than the operator meant).
void parse_cleanup(Reader& r, const Json& doc, Cleanup& c) {
    const Json* cleanup = r.section(doc, "cleanup", {"enabled", "patterns", "max_age", "min_age", "teardown_paths"});
    if (const Json* v = r.field(cleanup, "enabled", Json::value_t::boolean, "boolean", "cleanup.enabled"))
        c.enabled = v->get<bool>();
    std::vector<std::string> patterns;
    if (r.each_string(cleanup, "patterns", "cleanup.patterns", [&](const std::string& p) {
            auto why = cleanup_pattern_problem(p);
            if (!why) patterns.push_back(p);
            return why;
        }))
        c.patterns = patterns;
    bool ages_ok = true;
    auto age = [&](const char* key, uint64_t& out) {
        const std::string at = std::string("cleanup.") + key;
        const Json* v = r.string_field(cleanup, key, at);
        if (!v) return;
        auto seconds = parse_age(v->get<std::string>());
        if (!seconds) {
            r.fail(at, "invalid age \"" + v->get<std::string>() + "\" (a positive integer with a unit m, h or d, at most " +
                           format_age(kMaxAgeSeconds) + ")");
            ages_ok = false;
        } else out = *seconds;
    };
    age("max_age", c.max_age);
    age("min_age", c.min_age);
    if (ages_ok && c.min_age > c.max_age)
        r.fail("cleanup.min_age", format_age(c.min_age) + " is more than cleanup.max_age " + format_age(c.max_age));
    // Host directories: /tmp itself is the likeliest one, so not
    // validate_target_path (whose rules are about the container's tree).
    r.each_string(cleanup, "teardown_paths", "cleanup.teardown_paths", [&](const std::string& path) -> std::optional<std::string> {
        if (path.empty() || path[0] != '/' || oci::has_dotdot_segment(path) || oci::normalize_destination(path) == "/")
            return "must be an absolute path without \"..\", not \"/\"";
        c.teardown_paths.push_back(oci::normalize_destination(path));
        return std::nullopt;
    });
}

// log: all optional; a bad value is an error like any other (the file is
// opened as root, so it must be a plain absolute path).
void parse_log(Reader& r, const Json& doc, LogSettings& log) {
    const Json* section = r.section(doc, "log", {"file", "format", "level"});
    if (const Json* v = r.string_field(section, "file", "log.file")) {
        const std::string& path = v->get_ref<const std::string&>();
        if (path.empty() || path[0] != '/' || oci::has_dotdot_segment(path) || path.back() == '/')
            r.fail("log.file", "\"" + path + "\" must be an absolute path to a file, without \"..\"");
        else log.file = oci::normalize_destination(path);
    }
    if (const Json* v = r.string_field(section, "format", "log.format")) {
        auto format = parse_log_format(v->get<std::string>());
        if (format) log.format = *format;
        else r.fail("log.format", "\"" + v->get<std::string>() + "\" is not one of \"text\", \"json\"");
    }
    if (const Json* v = r.string_field(section, "level", "log.level")) {
        auto level = parse_log_level(v->get<std::string>());
        if (level) log.level = *level;
        else r.fail("log.level", "\"" + v->get<std::string>() + "\" is not one of \"error\", \"warn\", \"info\", \"debug\"");
    }
}

}  // namespace

Policy parse_policy(const Json& doc, const std::string& source, Warnings& warnings) {
    Reader r(source, warnings);
    Policy p;
    r.warn_unknown(doc, "", {"tmp", "exclude", "home", "annotations", "runtime", "match", "seccomp", "state_dir", "cleanup", "log"});
    p.source = source;

    const Json* tmp = r.section(doc, "tmp", {"size", "max_size", "nr_inodes"});
    p.tmp_max_size = r.max_size(tmp, "tmp.max_size", p.tmp_max_size);
    p.tmp_size = r.size(tmp, "tmp.size", p.tmp_size, p.tmp_max_size);
    p.tmp_nr_inodes = r.integer(tmp, "nr_inodes", "tmp.nr_inodes", 0, uint64_t{1} << 32);

    const Json* exclude = r.section(doc, "exclude", {"paths", "size", "max_size"});
    p.exclude_max_size = r.max_size(exclude, "exclude.max_size", p.exclude_max_size);
    p.exclude_size = r.size(exclude, "exclude.size", p.exclude_size, p.exclude_max_size);
    p.exclude_paths = r.paths(exclude, "paths", "exclude.paths", p.exclude_paths);

    const Json* home = r.section(doc, "home", {"path", "uid", "gid", "mode"});
    if (const Json* v = r.string_field(home, "path", "home.path")) {
        std::string why;
        auto path = validate_target_path(v->get<std::string>(), why);
        if (path) p.home_path = *path;
        else r.fail("home.path", "\"" + v->get<std::string>() + "\" " + why);
    }
    // 2^32-1 is the kernel's "no id" value, never a real owner.
    p.home_uid = static_cast<uint32_t>(r.integer(home, "uid", "home.uid", p.home_uid, 0xfffffffeULL));
    p.home_gid = static_cast<uint32_t>(r.integer(home, "gid", "home.gid", p.home_gid, 0xfffffffeULL));
    if (const Json* v = r.string_field(home, "mode", "home.mode")) {
        const std::string& text = v->get_ref<const std::string&>();
        bool octal = !text.empty() && text.size() <= 5 &&
                     text.find_first_not_of("01234567") == std::string::npos;
        uint32_t mode = octal ? static_cast<uint32_t>(std::stoul(text, nullptr, 8)) : 0;
        if (!octal || mode > 07777) r.fail("home.mode", "expected an octal mode 0000..7777 such as \"0755\", got \"" + text + "\"");
        else p.home_mode = mode;
    }

    const Json* ann = r.section(doc, "annotations", {"allow_overrides", "exclude_under"});
    if (const Json* v = r.field(ann, "allow_overrides", Json::value_t::boolean, "boolean",
                                "annotations.allow_overrides"))
        p.allow_overrides = v->get<bool>();
    p.exclude_under = r.paths(ann, "exclude_under", "annotations.exclude_under", p.exclude_under);

    const Json* runtime = r.section(doc, "runtime", {"path"});
    if (const Json* v = r.string_field(runtime, "path", "runtime.path")) {
        const std::string& path = v->get_ref<const std::string&>();
        if (path.empty() || path[0] != '/' || oci::has_dotdot_segment(path))
            r.fail("runtime.path", "\"" + path + "\" must be an absolute path without \"..\"");
        else p.runtime_path = path;
    }
    const Json* match = r.section(doc, "match", {"annotations"});
    if (const Json* m = r.field(match, "annotations", Json::value_t::object, "object", "match.annotations"))
        for (const auto& [key, value] : m->items()) {
            const std::string at = "match.annotations." + key;
            if (!value.is_string()) {
                r.fail(at, std::string("expected string (a regex), got ") + value.type_name());
                continue;
            }
            const std::string& pattern = value.get_ref<const std::string&>();
            if (auto why = regex_number_problem(pattern)) {
                r.fail(at, "invalid regex \"" + pattern + "\": " + *why);
                continue;
            }
            try {
                std::regex check(pattern);
                p.match_annotations[key] = pattern;
            } catch (const std::regex_error& e) {
                r.fail(at, "invalid regex \"" + pattern + "\": " + e.what());
            }
        }
    const Json* seccomp = r.section(doc, "seccomp", {"deny_mount"});
    if (const Json* v = r.field(seccomp, "deny_mount", Json::value_t::boolean, "boolean", "seccomp.deny_mount"))
        p.seccomp_deny_mount = v->get<bool>();
    // Root-only records live there (hook/records.hpp): absolute, no "..".
    if (const Json* v = r.string_field(&doc, "state_dir", "state_dir")) {
        const std::string& path = v->get_ref<const std::string&>();
        if (path.empty() || path[0] != '/' || oci::has_dotdot_segment(path) || oci::normalize_destination(path) == "/")
            r.fail("state_dir", "\"" + path + "\" must be an absolute path other than \"/\", without \"..\"");
        else p.state_dir = oci::normalize_destination(path);
    }
    parse_cleanup(r, doc, p.cleanup);
    parse_log(r, doc, p.log);
    r.finish();
    return p;
}

Json policy_to_json(const Policy& p) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", p.home_mode);
    Json j{
        {"tmp", {{"size", format_size(p.tmp_size)}, {"max_size", format_size(p.tmp_max_size)},
                 {"nr_inodes", p.tmp_nr_inodes}}},
        {"exclude", {{"paths", p.exclude_paths}, {"size", format_size(p.exclude_size)},
                     {"max_size", format_size(p.exclude_max_size)}}},
        {"home", {{"path", p.home_path}, {"uid", p.home_uid}, {"gid", p.home_gid}, {"mode", mode}}},
        {"annotations", {{"allow_overrides", p.allow_overrides}, {"exclude_under", p.exclude_under}}},
        {"runtime", {{"path", p.runtime_path}}},
        {"match", {{"annotations", p.match_annotations}}},
        {"seccomp", {{"deny_mount", p.seccomp_deny_mount}}},
        {"state_dir", p.state_dir},
        {"cleanup", {{"enabled", p.cleanup.enabled}, {"patterns", p.cleanup.patterns},
                     {"max_age", format_age(p.cleanup.max_age)}, {"min_age", format_age(p.cleanup.min_age)},
                     {"teardown_paths", p.cleanup.teardown_paths}}},
        {"log", {{"format", log_format_name(p.log.format)}, {"level", log_level_name(p.log.level)}}},
    };
    // No file is no "file" key: an empty one would not parse back.
    if (!p.log.file.empty()) j["log"]["file"] = p.log.file;
    return j;
}

bool matches_annotations(const Policy& policy, const Json& annotations) {
    for (const auto& [key, pattern] : policy.match_annotations) {
        auto it = annotations.find(key);
        if (it == annotations.end() || !it->is_string()) return false;
        const std::string& value = it->get_ref<const std::string&>();
        if (value.size() > kMaxMatchedAnnotationBytes)
            throw HookError("match annotations", "annotations." + key,
                            "the value is " + std::to_string(value.size()) + " bytes, more than the " +
                                std::to_string(kMaxMatchedAnnotationBytes) + " a match.annotations regex is run on");
        if (!std::regex_match(value, std::regex(pattern))) return false;
    }
    return true;
}

PolicySource choose_policy_source(const std::optional<std::string>& cli_path,
                                  const std::optional<std::string>& env_path) {
    if (cli_path && !cli_path->empty()) return {*cli_path, true};
    if (env_path && !env_path->empty()) return {*env_path, true};
    return {kDefaultPolicyPath, false};
}

std::optional<std::string> policy_file_problem(uint32_t owner, uint32_t mode, uint32_t euid) {
    if (owner != 0 && owner != euid)
        return "owned by uid " + std::to_string(owner) + ", not by root";
    if (mode & (S_IWGRP | S_IWOTH)) {
        char octal[8];
        std::snprintf(octal, sizeof octal, "%04o", mode & 07777);
        return std::string("mode ") + octal + " is " + ((mode & S_IWOTH) ? "world" : "group") + "-writable";
    }
    return std::nullopt;
}

Policy load_policy(const PolicySource& source, Warnings& warnings) {
    std::string text;
    struct stat st {};
    try {
        text = oci::read_file_bounded(source.path, std::size_t{1} << 20, &st);
    } catch (const HookError& e) {
        if (e.err == ENOENT && !source.explicit_) return Policy{};
        throw HookError("load policy", source.path, e.reason, e.err);
    }
    if (auto why = policy_file_problem(st.st_uid, st.st_mode, ::geteuid()))
        throw HookError("load policy", source.path, *why);
    return parse_policy(oci::parse_object(text, source.path), source.path, warnings);
}

}  // namespace agenthook
