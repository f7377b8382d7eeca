#include "seccomp_rules.hpp"

#include <algorithm>
#include <set>

#include "error.hpp"

namespace agenthook {

using oci::Json;

namespace {

constexpr const char* kStep = "plan seccomp";
constexpr int kEperm = 1;  // errnoRet: the runtimes take the number itself

// The profile's parts this file reads, checked before anything changes:
// a wrong shape is an error (the runtime would refuse the spec anyway, and
// a lockdown half-merged into it is no lockdown).
void validate_profile(const Json& seccomp, const std::string& source) {
    auto fail = [&](const std::string& path, const std::string& why) {
        throw HookError(kStep, source + ": linux.seccomp" + path, why);
    };
    if (!seccomp.is_object()) fail("", std::string("expected object, got ") + seccomp.type_name());
    auto action = seccomp.find("defaultAction");
    if (action == seccomp.end() || !action->is_string()) fail(".defaultAction", "expected a string action");
    if (auto a = seccomp.find("architectures"); a != seccomp.end()) {
        if (!a->is_array()) fail(".architectures", std::string("expected array, got ") + a->type_name());
        for (std::size_t i = 0; i < a->size(); ++i)
            if (!(*a)[i].is_string()) fail(".architectures[" + std::to_string(i) + "]", "expected string");
    }
    auto rules = seccomp.find("syscalls");
    if (rules == seccomp.end()) return;
    if (!rules->is_array()) fail(".syscalls", std::string("expected array, got ") + rules->type_name());
    for (std::size_t i = 0; i < rules->size(); ++i) {
        const std::string at = ".syscalls[" + std::to_string(i) + "]";
        const Json& rule = (*rules)[i];
        if (!rule.is_object()) fail(at, "expected object");
        auto names = rule.find("names");
        if (names == rule.end() || !names->is_array()) fail(at + ".names", "expected an array of syscall names");
        for (const Json& n : *names)
            if (!n.is_string()) fail(at + ".names", "expected an array of syscall names");
        auto act = rule.find("action");
        if (act == rule.end() || !act->is_string()) fail(at + ".action", "expected a string action");
    }
}

bool unconditional(const Json& rule) {
    auto args = rule.find("args");
    return args == rule.end() || args->is_null() || (args->is_array() && args->empty());
}

// The lockdown names some architecture of the profile has: the runtimes
// resolve a rule's names for each architecture and skip the ones it lacks,
// so a name stays when any architecture has it.
std::vector<std::string> present_names(const Json& seccomp, const SyscallTable& table, const std::string& source) {
    std::vector<std::string> arches{""};  // the runtimes always add the native one
    if (auto a = seccomp.find("architectures"); a != seccomp.end())
        for (const Json& arch : *a) arches.push_back(arch.get<std::string>());
    // An unknown architecture is an error, not skipped: the runtime would
    // refuse it too, and the lockdown could not say which names it covers.
    for (std::size_t i = 1; i < arches.size(); ++i)
        if (!table.has(arches[i], "mount").has_value())
            throw HookError(kStep, source + ": linux.seccomp.architectures[" + std::to_string(i - 1) + "]",
                            "unknown architecture \"" + arches[i] + "\"");
    std::vector<std::string> present;
    for (const auto& name : lockdown_syscalls())
        if (std::any_of(arches.begin(), arches.end(), [&](const std::string& arch) { return table.has(arch, name).value_or(false); }))
            present.push_back(name);
    return present;
}

// The profile for a spec without one: everything allowed, on every
// architecture this CPU runs that libseccomp knows.
Json created_profile(const SyscallTable& table) {
    Json profile = {{"defaultAction", "SCMP_ACT_ALLOW"}};
    Json arches = Json::array();
    for (const auto& arch : companion_arches(table.native_arch()))
        if (!arch.empty() && table.has(arch, "mount").has_value()) arches.push_back(arch);
    if (!arches.empty()) profile["architectures"] = std::move(arches);
    return profile;
}

}  // namespace

std::vector<std::string> companion_arches(const std::string& native) {
    // The pairs Linux runs side by side (compat syscall entry points).
    static const std::vector<std::vector<std::string>> families = {
        {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"},
        {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"},
        {"SCMP_ARCH_S390X", "SCMP_ARCH_S390"},
        {"SCMP_ARCH_PPC64", "SCMP_ARCH_PPC"},
        {"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPS"},
        {"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_MIPSEL"},
    };
    for (const auto& family : families)
        if (family.front() == native) return family;
    return {native};
}

bool denies(const std::string& action) {
    static const std::set<std::string> denying = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                                  "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO"};
    return denying.count(action) != 0;
}

Json apply_mount_lockdown(Json config, const SyscallTable& table, const std::string& source, bool* changed) {
    if (changed) *changed = false;
    auto linux_it = config.find("linux");
    if (linux_it != config.end() && !linux_it->is_object())
        throw HookError(kStep, source + ": linux", std::string("expected object, got ") + linux_it->type_name());
    const Json* existing = nullptr;
    if (linux_it != config.end())
        if (auto it = linux_it->find("seccomp"); it != linux_it->end()) existing = &*it;
    Json seccomp = existing ? *existing : created_profile(table);
    validate_profile(seccomp, source);
    const std::set<std::string> locked(lockdown_syscalls().begin(), lockdown_syscalls().end());

    // Out of every rule that could let a call through, the lockdown names go;
    // a rule left with no names would match nothing, and is dropped.
    bool edited = false;
    Json rules = Json::array();
    if (auto it = seccomp.find("syscalls"); it != seccomp.end())
        for (Json& rule : *it) {
            if (!denies(rule["action"].get<std::string>())) {
                Json kept = Json::array();
                for (const Json& n : rule["names"])
                    if (!locked.count(n.get_ref<const std::string&>())) kept.push_back(n);
                if (kept.size() != rule["names"].size()) {
                    edited = true;
                    if (kept.empty()) continue;
                    rule["names"] = std::move(kept);
                }
            }
            rules.push_back(std::move(rule));
        }

    // What stays denies its names already when it does so unconditionally;
    // so does a denying defaultAction for names no remaining rule mentions
    // (the weaker ones are gone, a denying conditional one only adds).
    Json add = Json::array();
    const bool default_denies = denies(seccomp["defaultAction"].get<std::string>());
    for (const auto& name : present_names(seccomp, table, source)) {
        bool denied = default_denies || std::any_of(rules.begin(), rules.end(), [&](const Json& rule) {
            return unconditional(rule) && std::find(rule["names"].begin(), rule["names"].end(), name) != rule["names"].end();
        });
        if (!denied) add.push_back(name);
    }
    if (!edited && add.empty()) return config;
    if (!add.empty())
        rules.push_back(Json{{"names", std::move(add)}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", kEperm}});
    seccomp["syscalls"] = std::move(rules);
    Json& linux_section = oci::member(config, "linux");
    if (linux_section.is_null()) linux_section = Json::object();
    oci::member(linux_section, "seccomp") = std::move(seccomp);
    if (changed) *changed = true;
    return config;
}

std::optional<std::string> describe_seccomp_change(const Json& before, const Json& after) {
    auto profile = [](const Json& config) {
        auto l = config.find("linux");
        if (l == config.end() || !l->is_object()) return Json();
        auto it = l->find("seccomp");
        return it == l->end() ? Json() : *it;
    };
    const Json was = profile(before), now = profile(after);
    if (was == now) return std::nullopt;
    std::string line = std::string("~ change linux.seccomp (mount lockdown") + (was.is_null() ? ", profile created" : "") + ")";
    // The rule apply_mount_lockdown added: an EPERM rule `before` lacks.
    const Json old_rules = was.is_object() ? was.value("syscalls", Json::array()) : Json::array();
    for (const Json& rule : now.value("syscalls", Json::array()))
        if (rule.value("action", "") == "SCMP_ACT_ERRNO" && rule.value("errnoRet", Json()) == kEperm &&
            std::find(old_rules.begin(), old_rules.end(), rule) == old_rules.end()) {
            line += ": EPERM for";
            for (std::size_t i = 0; i < rule["names"].size(); ++i) line += (i ? ", " : " ") + rule["names"][i].get<std::string>();
        }
    return line;
}

}  // namespace agenthook
