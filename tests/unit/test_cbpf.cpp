// The cBPF evaluator on programs libseccomp itself builds (exported with
// seccomp_export_bpf, as a runtime loads them) and on hand-built ones.
#include <doctest/doctest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <functional>

#include "hook/cbpf.hpp"
#include "hook/seccomp_dump.hpp"
#include "hook/syscall_names.hpp"

using namespace agenthook;

namespace {

// Builds a filter with libseccomp and returns its exported program.
std::vector<BpfInsn> libseccomp_program(uint32_t default_action, const std::function<void(scmp_filter_ctx)>& rules) {
    scmp_filter_ctx ctx = seccomp_init(default_action);
    REQUIRE(ctx != nullptr);
    rules(ctx);
    int fd = memfd_create("bpf", MFD_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(seccomp_export_bpf(ctx, fd) == 0);
    seccomp_release(ctx);
    off_t size = lseek(fd, 0, SEEK_END);
    REQUIRE(size > 0);
    REQUIRE(size % static_cast<off_t>(sizeof(struct sock_filter)) == 0);
    std::vector<struct sock_filter> raw(static_cast<std::size_t>(size) / sizeof(struct sock_filter));
    REQUIRE(pread(fd, raw.data(), static_cast<std::size_t>(size), 0) == size);
    close(fd);
    std::vector<BpfInsn> program;
    for (const auto& i : raw) program.push_back({i.code, i.jt, i.jf, i.k});
    return program;
}

SeccompInput call(const std::string& name, uint32_t arch = native_audit_arch()) {
    SeccompInput in;
    in.nr = seccomp_syscall_resolve_name(name.c_str());
    REQUIRE(in.nr >= 0);
    in.arch = arch;
    return in;
}

uint32_t run(const std::vector<BpfInsn>& p, const SeccompInput& in) {
    BpfResult r = run_bpf(p, in);
    INFO(r.error);
    REQUIRE(r.value.has_value());
    return *r.value;
}

}  // namespace

TEST_CASE("a libseccomp deny-list: mount gets ERRNO(1), other calls ALLOW") {
    auto p = libseccomp_program(SCMP_ACT_ALLOW, [](scmp_filter_ctx ctx) {
        REQUIRE(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(mount), 0) == 0);
        REQUIRE(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(umount2), 0) == 0);
    });
    CHECK(run(p, call("mount")) == (SECCOMP_RET_ERRNO | 1));
    CHECK(run(p, call("umount2")) == (SECCOMP_RET_ERRNO | 1));
    CHECK(run(p, call("getpid")) == SECCOMP_RET_ALLOW);
    CHECK(run(p, call("fsopen")) == SECCOMP_RET_ALLOW);
    CHECK(seccomp_denies(run(p, call("mount"))));
    CHECK_FALSE(seccomp_denies(run(p, call("getpid"))));
}

TEST_CASE("a libseccomp allow-list: an unlisted call (mount) gets the default action") {
    auto p = libseccomp_program(SCMP_ACT_KILL_PROCESS, [](scmp_filter_ctx ctx) {
        for (const char* name : {"read", "write", "exit_group", "getpid"})
            REQUIRE(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(name), 0) == 0);
    });
    CHECK(run(p, call("getpid")) == SECCOMP_RET_ALLOW);
    CHECK(run(p, call("mount")) == SECCOMP_RET_KILL_PROCESS);
    CHECK(seccomp_action_name(run(p, call("mount"))) == "KILL_PROCESS");
}

TEST_CASE("a call of an architecture the filter does not list gets libseccomp's bad-arch action") {
    auto p = libseccomp_program(SCMP_ACT_ALLOW, [](scmp_filter_ctx) {});
    const uint32_t other = native_audit_arch() == AUDIT_ARCH_X86_64 ? AUDIT_ARCH_AARCH64 : AUDIT_ARCH_X86_64;
    SeccompInput in = call("getpid");
    in.arch = other;
    CHECK(seccomp_denies(run(p, in)));  // SCMP_ACT_KILL by default
    CHECK(run(p, call("getpid")) == SECCOMP_RET_ALLOW);
}

TEST_CASE("a rule with an argument condition: mount with args 0 is judged on those args") {
    auto p = libseccomp_program(SCMP_ACT_ALLOW, [](scmp_filter_ctx ctx) {
        // Deny mount only when flags (arg 3) has MS_REMOUNT (32).
        REQUIRE(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(mount), 1, SCMP_A3(SCMP_CMP_MASKED_EQ, 32, 32)) == 0);
        REQUIRE(seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(umount2), 1, SCMP_A1(SCMP_CMP_EQ, 0)) == 0);
    });
    SeccompInput in = call("mount");
    CHECK(run(p, in) == SECCOMP_RET_ALLOW);
    in.args[3] = 32;
    CHECK(run(p, in) == (SECCOMP_RET_ERRNO | 1));
    in.args[3] = (uint64_t{1} << 32) | 32;  // the high half is compared too
    CHECK(run(p, in) == (SECCOMP_RET_ERRNO | 1));
    CHECK(run(p, call("umount2")) == SECCOMP_RET_TRAP);
}

TEST_CASE("stacked filters: the most restrictive action wins, as in the kernel") {
    CHECK(most_restrictive(SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | 1) == (SECCOMP_RET_ERRNO | 1));
    CHECK(most_restrictive(SECCOMP_RET_ERRNO | 1, SECCOMP_RET_KILL_PROCESS) == SECCOMP_RET_KILL_PROCESS);
    CHECK(most_restrictive(SECCOMP_RET_KILL_THREAD, SECCOMP_RET_KILL_PROCESS) == SECCOMP_RET_KILL_PROCESS);
    CHECK(most_restrictive(SECCOMP_RET_LOG, SECCOMP_RET_TRACE) == SECCOMP_RET_TRACE);
    CHECK(most_restrictive(SECCOMP_RET_USER_NOTIF, SECCOMP_RET_ERRNO | 5) == (SECCOMP_RET_ERRNO | 5));

    auto allow_all = libseccomp_program(SCMP_ACT_ALLOW, [](scmp_filter_ctx) {});
    auto deny_mount = libseccomp_program(SCMP_ACT_ALLOW, [](scmp_filter_ctx ctx) {
        REQUIRE(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(mount), 0) == 0);
    });
    const std::vector<std::string> names = {"mount", "fsopen"};
    const std::vector<int> numbers = {call("mount").nr, call("fsopen").nr};
    auto obs = judge_filters({allow_all, deny_mount}, names, numbers, native_audit_arch());
    REQUIRE(obs.evaluated);
    REQUIRE(obs.syscalls.size() == 2);
    CHECK(obs.syscalls[0].action == "ERRNO(1)");
    CHECK(obs.syscalls[0].denied);
    CHECK(obs.syscalls[1].action == "ALLOW");
    CHECK_FALSE(obs.syscalls[1].denied);

    auto allowed = judge_filters({allow_all}, names, numbers, native_audit_arch());
    REQUIRE(allowed.evaluated);
    CHECK_FALSE(allowed.syscalls[0].denied);

    auto none = judge_filters({}, names, numbers, native_audit_arch());
    CHECK_FALSE(none.evaluated);
    auto broken = judge_filters({allow_all, {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 64}}}, names, numbers, native_audit_arch());
    CHECK_FALSE(broken.evaluated);
    CHECK(broken.error.find("filter 1") != std::string::npos);
}

TEST_CASE("hand-built programs: loads, scratch memory, ALU, jumps, returns") {
    SeccompInput in;
    in.nr = 165;
    in.arch = 0xc000003e;
    in.args[0] = 0x1122334455667788ULL;
    // A = nr; X = A; A = arch; A = A + X; ret A
    std::vector<BpfInsn> p = {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
                              {BPF_MISC | BPF_TAX, 0, 0, 0},
                              {BPF_LD | BPF_W | BPF_ABS, 0, 0, 4},
                              {BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0},
                              {BPF_RET | BPF_A, 0, 0, 0}};
    CHECK(run(p, in) == 0xc000003eu + 165u);

    // Scratch memory and the 64-bit argument halves (little-endian: low first).
    p = {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 16}, {BPF_ST, 0, 0, 3},   {BPF_LD | BPF_IMM, 0, 0, 0},
         {BPF_LDX | BPF_MEM, 0, 0, 3},         {BPF_MISC | BPF_TXA, 0, 0, 0}, {BPF_RET | BPF_A, 0, 0, 0}};
    if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) CHECK(run(p, in) == 0x55667788u);

    // JEQ / JGT / JGE / JSET and JA.
    auto branch = [&](uint16_t op, uint32_t k) {
        std::vector<BpfInsn> q = {{BPF_LD | BPF_W | BPF_ABS, 0, 0, 0},
                                  {static_cast<uint16_t>(BPF_JMP | op | BPF_K), 1, 0, k},
                                  {BPF_RET | BPF_K, 0, 0, 2},
                                  {BPF_RET | BPF_K, 0, 0, 1}};
        return run(q, in);
    };
    CHECK(branch(BPF_JEQ, 165) == 1);
    CHECK(branch(BPF_JEQ, 166) == 2);
    CHECK(branch(BPF_JGT, 164) == 1);
    CHECK(branch(BPF_JGT, 165) == 2);
    CHECK(branch(BPF_JGE, 165) == 1);
    CHECK(branch(BPF_JSET, 4) == 1);  // 165 = 0b10100101
    CHECK(branch(BPF_JSET, 2) == 2);
    p = {{BPF_JMP | BPF_JA, 0, 0, 1}, {BPF_RET | BPF_K, 0, 0, 7}, {BPF_RET | BPF_K, 0, 0, 9}};
    CHECK(run(p, in) == 9);

    // ALU ops, and classic BPF's division by zero: the program returns 0.
    auto alu = [&](uint16_t op, uint32_t a, uint32_t k) {
        std::vector<BpfInsn> q = {{BPF_LD | BPF_IMM, 0, 0, a},
                                  {static_cast<uint16_t>(BPF_ALU | op | BPF_K), 0, 0, k},
                                  {BPF_RET | BPF_A, 0, 0, 0}};
        return run(q, in);
    };
    CHECK(alu(BPF_SUB, 5, 7) == 0xfffffffeu);
    CHECK(alu(BPF_MUL, 6, 7) == 42);
    CHECK(alu(BPF_DIV, 42, 5) == 8);
    CHECK(alu(BPF_DIV, 42, 0) == 0);
    CHECK(alu(BPF_MOD, 42, 5) == 2);
    CHECK(alu(BPF_AND, 0xf0, 0x3c) == 0x30);
    CHECK(alu(BPF_OR, 0xf0, 0x0f) == 0xff);
    CHECK(alu(BPF_XOR, 0xff, 0x0f) == 0xf0);
    CHECK(alu(BPF_LSH, 1, 4) == 16);
    CHECK(alu(BPF_RSH, 16, 4) == 1);
    CHECK(run({{BPF_LD | BPF_W | BPF_LEN, 0, 0, 0}, {BPF_RET | BPF_A, 0, 0, 0}}, in) == 64);
}

TEST_CASE("programs the kernel would refuse give an error, never a value") {
    SeccompInput in;
    auto error_of = [&](std::vector<BpfInsn> p) {
        BpfResult r = run_bpf(p, in);
        CHECK_FALSE(r.value.has_value());
        return r.error;
    };
    CHECK(error_of({{BPF_LD | BPF_W | BPF_ABS, 0, 0, 64}, {BPF_RET | BPF_A, 0, 0, 0}}).find("offset 64") != std::string::npos);
    CHECK(error_of({{BPF_LD | BPF_W | BPF_ABS, 0, 0, 2}, {BPF_RET | BPF_A, 0, 0, 0}}).find("offset 2") != std::string::npos);
    CHECK(error_of({{BPF_LD | BPF_IMM, 0, 0, 1}}) == "the program ends without a return");
    CHECK(error_of({}) == "the program ends without a return");
    CHECK(error_of({{BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 0}, {BPF_RET | BPF_K, 0, 0, 0}}).find("past the end") !=
          std::string::npos);
    CHECK(error_of({{BPF_JMP | BPF_JA, 0, 0, 9}, {BPF_RET | BPF_K, 0, 0, 0}}).find("past the end") != std::string::npos);
    CHECK(error_of({{BPF_ST, 0, 0, 16}, {BPF_RET | BPF_K, 0, 0, 0}}).find("scratch") != std::string::npos);
    // BPF_LD | BPF_B | BPF_ABS: byte loads are not in seccomp's subset.
    CHECK(error_of({{BPF_LD | BPF_B | BPF_ABS, 0, 0, 0}, {BPF_RET | BPF_K, 0, 0, 0}}).find("not allowed") !=
          std::string::npos);
}

TEST_CASE("action names and the status file's Seccomp field") {
    CHECK(seccomp_action_name(SECCOMP_RET_ERRNO | 1) == "ERRNO(1)");
    CHECK(seccomp_action_name(SECCOMP_RET_ALLOW) == "ALLOW");
    CHECK(seccomp_action_name(SECCOMP_RET_USER_NOTIF) == "USER_NOTIF");
    CHECK(seccomp_action_name(SECCOMP_RET_KILL_THREAD) == "KILL_THREAD");
    CHECK_FALSE(seccomp_denies(SECCOMP_RET_USER_NOTIF));
    CHECK_FALSE(seccomp_denies(SECCOMP_RET_TRACE));
    CHECK_FALSE(seccomp_denies(SECCOMP_RET_LOG));
    CHECK(seccomp_denies(SECCOMP_RET_TRAP));
    CHECK(seccomp_denies(SECCOMP_RET_KILL_THREAD));

    CHECK(parse_status_seccomp("Name:\tsleep\nSeccomp:\t2\nSeccomp_filters:\t1\n") == 2);
    CHECK(parse_status_seccomp("Seccomp:\t0\n") == 0);
    CHECK(parse_status_seccomp("Seccomp_filters:\t1\nSeccomp:   1") == 1);
    CHECK_FALSE(parse_status_seccomp("Name:\tsleep\n").has_value());
    CHECK_FALSE(parse_status_seccomp("Seccomp:\tx\n").has_value());
}
