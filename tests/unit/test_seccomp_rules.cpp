#include <doctest/doctest.h>

#include <map>
#include <set>

#include "hook/error.hpp"
#include "hook/seccomp_rules.hpp"
#include "hook/syscall_names.hpp"

using namespace agenthook;
using oci::Json;

namespace {

// A made-up machine: native x86_64 with every name but umount; x86 with all
// of them; "SCMP_ARCH_TOY" without the new mount API.
class FakeTable : public SyscallTable {
public:
    std::optional<bool> has(const std::string& arch, const std::string& name) const override {
        static const std::map<std::string, std::set<std::string>> table = {
            {"", {"mount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick"}},
            {"SCMP_ARCH_X86_64", {"mount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick"}},
            {"SCMP_ARCH_X86", {"mount", "umount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick"}},
            {"SCMP_ARCH_TOY", {"mount", "umount"}},
        };
        auto it = table.find(arch);
        if (it == table.end()) return std::nullopt;
        return it->second.count(name) != 0;
    }
    // x86_64, whose x32 companion this libseccomp does not know.
    std::string native_arch() const override { return "SCMP_ARCH_X86_64"; }
};

// A table whose native architecture is TOY only.
class ToyTable : public SyscallTable {
public:
    std::optional<bool> has(const std::string& arch, const std::string& name) const override {
        if (!arch.empty()) return FakeTable().has(arch, name);
        return FakeTable().has("SCMP_ARCH_TOY", name);
    }
    std::string native_arch() const override { return "SCMP_ARCH_TOY"; }
};

const Json kNative = Json::array({"mount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick"});
const Json kWithUmount = Json::array({"mount", "umount", "umount2", "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick"});

Json lockdown_rule(Json names) {
    return Json{{"names", std::move(names)}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}};
}

Json spec(Json seccomp = nullptr) {
    Json c = {{"ociVersion", "1.0.2"}, {"root", {{"path", "rootfs"}}}, {"linux", {{"namespaces", Json::array()}}}};
    if (!seccomp.is_null()) c["linux"]["seccomp"] = std::move(seccomp);
    return c;
}

Json lock(const Json& config, bool* changed = nullptr, const SyscallTable& table = FakeTable()) {
    return apply_mount_lockdown(config, table, "config.json", changed);
}

}  // namespace

TEST_CASE("no profile: one is created, ALLOW by default on the CPU's architectures, the names fail with EPERM") {
    bool changed = false;
    Json out = lock(spec(), &changed);
    CHECK(changed);
    // x86 beside x86_64, so 32-bit programs keep running (x32 is unknown to
    // this table and left out); x86's umount joins the names.
    CHECK(out["linux"]["seccomp"] == Json{{"defaultAction", "SCMP_ACT_ALLOW"},
                                          {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}},
                                          {"syscalls", {lockdown_rule(kWithUmount)}}});
    CHECK(out["linux"]["namespaces"] == Json::array());  // the rest is kept

    // No linux section at all.
    Json bare = spec();
    bare.erase("linux");
    CHECK(lock(bare)["linux"]["seccomp"]["syscalls"][0] == lockdown_rule(kWithUmount));

    // Idempotent: byte-identical, and reported unchanged.
    bool again = true;
    CHECK(lock(out, &again).dump() == out.dump());
    CHECK_FALSE(again);

    // The names are those of the listed architectures: fsopen & co are
    // left out on a machine that lacks them; a CPU with no companions lists
    // itself alone.
    Json toy = lock(spec(), nullptr, ToyTable())["linux"]["seccomp"];
    CHECK(toy["syscalls"][0]["names"] == Json::array({"mount", "umount"}));
    CHECK(toy["architectures"] == Json::array({"SCMP_ARCH_TOY"}));
}

TEST_CASE("companion_arches: the architectures a CPU runs") {
    CHECK(companion_arches("SCMP_ARCH_X86_64") == std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"});
    CHECK(companion_arches("SCMP_ARCH_AARCH64") == std::vector<std::string>{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"});
    CHECK(companion_arches("SCMP_ARCH_RISCV64") == std::vector<std::string>{"SCMP_ARCH_RISCV64"});
    // The companions never add theirs: x86 does not run x86_64 code.
    CHECK(companion_arches("SCMP_ARCH_X86") == std::vector<std::string>{"SCMP_ARCH_X86"});
}

TEST_CASE("architectures: a name stays when any of them (or the native one) has it") {
    Json out = lock(spec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}}}));
    CHECK(out["linux"]["seccomp"]["syscalls"] == Json::array({lockdown_rule(kWithUmount)}));
    CHECK(out["linux"]["seccomp"]["architectures"] == Json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));

    // Only names some architecture has: none of TOY's is missing here.
    Json toy = lock(spec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_TOY"}}}), nullptr, ToyTable());
    CHECK(toy["linux"]["seccomp"]["syscalls"][0]["names"] == Json::array({"mount", "umount"}));

    // An unknown architecture is an error naming it.
    CHECK_THROWS_WITH_AS(lock(spec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_X86", "SCMP_ARCH_VAX"}}})),
                         "plan seccomp: config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"",
                         HookError);
}

TEST_CASE("an allow-list profile: the names leave the ALLOW rule, the ERRNO default denies them") {
    // Docker's default profile shape: deny by default, a big ALLOW list.
    Json profile = {{"defaultAction", "SCMP_ACT_ERRNO"},
                    {"defaultErrnoRet", 1},
                    {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}},
                    {"syscalls",
                     {{{"names", {"read", "mount", "write", "umount2", "fsopen"}}, {"action", "SCMP_ACT_ALLOW"}},
                      {{"names", {"move_mount"}}, {"action", "SCMP_ACT_ALLOW"}},
                      {{"names", {"ptrace"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
    bool changed = false;
    Json out = lock(spec(profile), &changed);
    CHECK(changed);
    Json want = profile;
    want["syscalls"] = {{{"names", {"read", "write"}}, {"action", "SCMP_ACT_ALLOW"}},  // move_mount's rule is gone
                        {{"names", {"ptrace"}}, {"action", "SCMP_ACT_ERRNO"}}};
    CHECK(out["linux"]["seccomp"] == want);
    CHECK(lock(out).dump() == out.dump());
}

TEST_CASE("weaker rules lose the names, stricter ones stay") {
    Json profile = {{"defaultAction", "SCMP_ACT_ALLOW"},
                    {"syscalls",
                     {{{"names", {"mount"}}, {"action", "SCMP_ACT_KILL_PROCESS"}},
                      {{"names", {"umount2", "getpid"}}, {"action", "SCMP_ACT_LOG"}},
                      {{"names", {"fsopen"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 38}},
                      {{"names", {"open_tree"}}, {"action", "SCMP_ACT_NOTIFY"}},
                      {{"names", {"fspick"}}, {"action", "SCMP_ACT_TRACE"}},
                      {{"names", {"fsmount"}}, {"action", "SCMP_ACT_SOMETHING_NEW"}},
                      // An ALLOW with args still allows some calls: the name goes.
                      {{"names", {"mount_setattr"}},
                       {"action", "SCMP_ACT_ALLOW"},
                       {"args", {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}},
                      // A denying rule with args denies only some calls: it stays, and ours is added.
                      {{"names", {"move_mount"}},
                       {"action", "SCMP_ACT_KILL"},
                       {"args", {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}}}}};
    Json out = lock(spec(profile));
    Json want = profile;
    want["syscalls"] = {profile["syscalls"][0],
                        {{"names", {"getpid"}}, {"action", "SCMP_ACT_LOG"}},
                        profile["syscalls"][2],
                        profile["syscalls"][7],
                        lockdown_rule({"umount2", "mount_setattr", "move_mount", "open_tree", "fsconfig", "fsmount", "fspick"})};
    CHECK(out["linux"]["seccomp"] == want);
    bool changed = true;
    CHECK(lock(out, &changed).dump() == out.dump());
    CHECK_FALSE(changed);
}

TEST_CASE("a profile that already denies every name is left alone") {
    Json all_killed = spec({{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", kNative}, {"action", "SCMP_ACT_KILL"}}}}});
    bool changed = true;
    CHECK(lock(all_killed, &changed) == all_killed);
    CHECK_FALSE(changed);
    Json deny_all = spec({{"defaultAction", "SCMP_ACT_KILL_PROCESS"}});
    CHECK(lock(deny_all, &changed) == deny_all);
    CHECK_FALSE(changed);
}

TEST_CASE("a profile of the wrong shape is an error naming the JSON path") {
    auto error_of = [](Json seccomp) {
        try {
            lock(spec(std::move(seccomp)));
        } catch (const HookError& e) {
            return e.line();
        }
        return std::string("no error");
    };
    CHECK(error_of("x") == "plan seccomp: config.json: linux.seccomp: expected object, got string");
    CHECK(error_of(Json::object()) == "plan seccomp: config.json: linux.seccomp.defaultAction: expected a string action");
    CHECK(error_of({{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", "mount"}, {"action", "SCMP_ACT_ALLOW"}}}}}) ==
          "plan seccomp: config.json: linux.seccomp.syscalls[0].names: expected an array of syscall names");
    CHECK(error_of({{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", {{{"names", {"mount"}}}}}}) ==
          "plan seccomp: config.json: linux.seccomp.syscalls[0].action: expected a string action");
    CHECK(error_of({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {1}}}) ==
          "plan seccomp: config.json: linux.seccomp.architectures[0]: expected string");
    Json bad_linux = spec();
    bad_linux["linux"] = 5;
    CHECK_THROWS_WITH_AS(lock(bad_linux), "plan seccomp: config.json: linux: expected object, got number", HookError);
}

TEST_CASE("denies: the actions that never let the call run") {
    for (const char* a : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO"})
        CHECK(denies(a));
    for (const char* a : {"SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY", "", "scmp_act_errno"})
        CHECK_FALSE(denies(a));
}

TEST_CASE("LibseccompTable: the machine's libseccomp") {
    CHECK(libseccomp_arch_name("SCMP_ARCH_X86_64") == "x86_64");
    CHECK(libseccomp_arch_name("SCMP_ARCH_MIPSEL64N32") == "mipsel64n32");
    CHECK_FALSE(libseccomp_arch_name("x86_64").has_value());
    CHECK_FALSE(libseccomp_arch_name("SCMP_ARCH_").has_value());

    LibseccompTable table;
    CHECK(table.has("", "mount") == true);
    CHECK(table.has("", "no_such_syscall") == false);
    CHECK(table.has("SCMP_ARCH_AARCH64", "fsopen") == true);
    CHECK(table.has("SCMP_ARCH_X86", "umount") == true);      // the one-argument unmount of i386
    CHECK(table.has("SCMP_ARCH_X86_64", "umount") == false);  // x86_64 has only umount2
#if defined(__x86_64__)
    CHECK(table.native_arch() == "SCMP_ARCH_X86_64");
#elif defined(__aarch64__)
    CHECK(table.native_arch() == "SCMP_ARCH_AARCH64");
#endif
    CHECK_FALSE(table.native_arch().empty());
    CHECK_FALSE(table.has("SCMP_ARCH_VAX", "mount").has_value());
    CHECK_FALSE(table.has("x86_64", "mount").has_value());
}

TEST_CASE("describe_seccomp_change: the --dry-run line") {
    CHECK_FALSE(describe_seccomp_change(spec(), spec()).has_value());
    CHECK(describe_seccomp_change(spec(), lock(spec())) ==
          "~ change linux.seccomp (mount lockdown, profile created): EPERM for mount, umount, umount2, mount_setattr, "
          "move_mount, open_tree, fsopen, fsconfig, fsmount, fspick");
    // Names only taken out of an ALLOW rule: no EPERM rule is new.
    Json allow_list = spec({{"defaultAction", "SCMP_ACT_ERRNO"},
                            {"syscalls", {{{"names", {"read", "mount"}}, {"action", "SCMP_ACT_ALLOW"}},
                                          {{"names", {"ptrace"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}}}}});
    CHECK(describe_seccomp_change(allow_list, lock(allow_list)) == "~ change linux.seccomp (mount lockdown)");
    // An errnoRet that is no int (fuzz_seccomp: 4e89 made nlohmann's value<int> convert out of range).
    Json odd_errno = spec({{"defaultAction", "SCMP_ACT_ALLOW"},
                           {"syscalls", {{{"names", {"ptrace"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 4.4e89}},
                                         {{"names", {"kexec_load"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", "1"}}}}});
    CHECK(describe_seccomp_change(odd_errno, lock(odd_errno)).value_or("none") ==
          "~ change linux.seccomp (mount lockdown): EPERM for mount, umount2, mount_setattr, move_mount, open_tree, "
          "fsopen, fsconfig, fsmount, fspick");
}
