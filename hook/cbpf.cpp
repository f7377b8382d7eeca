#include "cbpf.hpp"

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <charconv>
#include <cstring>
#include <string_view>

namespace agenthook {

namespace {

constexpr uint32_t kDataSize = 64;  // sizeof(struct seccomp_data)
constexpr uint32_t kMemWords = BPF_MEMWORDS;

// The 32-bit word at byte offset `off` of the kernel's struct
// seccomp_data laid out in native byte order, as seccomp_bpf_load reads it.
uint32_t load_word(const SeccompInput& in, uint32_t off) {
    struct seccomp_data data{};
    data.nr = in.nr;
    data.arch = in.arch;
    data.instruction_pointer = in.instruction_pointer;
    for (int i = 0; i < 6; ++i) data.args[i] = in.args[i];
    static_assert(sizeof data == kDataSize);
    uint32_t v = 0;
    std::memcpy(&v, reinterpret_cast<const unsigned char*>(&data) + off, sizeof v);
    return v;
}

std::string hex(uint32_t v) {
    char buf[16];
    auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
    return "0x" + std::string(buf, r.ptr);
}

}  // namespace

BpfResult run_bpf(const std::vector<BpfInsn>& program, const SeccompInput& input) {
    uint32_t a = 0, x = 0;
    uint32_t mem[kMemWords] = {};
    const std::size_t n = program.size();
    auto fail = [](std::size_t pc, const std::string& why) {
        return BpfResult{std::nullopt, "instruction " + std::to_string(pc) + ": " + why};
    };
    // Every jump is forward, so the program ends within n steps.
    for (std::size_t pc = 0; pc < n; ++pc) {
        const BpfInsn& i = program[pc];
        auto jump = [&](bool cond) -> bool {
            std::size_t off = cond ? i.jt : i.jf;
            if (pc + 1 + off > n) return false;
            pc += off;
            return true;
        };
        switch (i.code) {
            case BPF_LD | BPF_W | BPF_ABS:
                if (i.k >= kDataSize || i.k % 4 != 0) return fail(pc, "load at offset " + std::to_string(i.k));
                a = load_word(input, i.k);
                break;
            case BPF_LD | BPF_W | BPF_LEN: a = kDataSize; break;
            case BPF_LDX | BPF_W | BPF_LEN: x = kDataSize; break;
            case BPF_LD | BPF_IMM: a = i.k; break;
            case BPF_LDX | BPF_IMM: x = i.k; break;
            case BPF_LD | BPF_MEM:
            case BPF_LDX | BPF_MEM:
            case BPF_ST:
            case BPF_STX:
                if (i.k >= kMemWords) return fail(pc, "scratch memory index " + std::to_string(i.k));
                if (i.code == (BPF_LD | BPF_MEM)) a = mem[i.k];
                else if (i.code == (BPF_LDX | BPF_MEM)) x = mem[i.k];
                else mem[i.k] = i.code == BPF_ST ? a : x;
                break;
            case BPF_ALU | BPF_NEG: a = 0u - a; break;
            case BPF_MISC | BPF_TAX: x = a; break;
            case BPF_MISC | BPF_TXA: a = x; break;
            case BPF_RET | BPF_K: return {i.k, ""};
            case BPF_RET | BPF_A: return {a, ""};
            case BPF_JMP | BPF_JA:
                if (pc + 1 + static_cast<std::size_t>(i.k) > n) return fail(pc, "jump past the end");
                pc += i.k;
                break;
            default: {
                const uint16_t cls = BPF_CLASS(i.code);
                const uint32_t src = BPF_SRC(i.code) == BPF_X ? x : i.k;
                if (cls == BPF_ALU) {
                    switch (BPF_OP(i.code)) {
                        case BPF_ADD: a += src; break;
                        case BPF_SUB: a -= src; break;
                        case BPF_MUL: a *= src; break;
                        // Classic BPF: a division by zero ends the program with 0.
                        case BPF_DIV: if (src == 0) return {0u, ""}; a /= src; break;
                        case BPF_MOD: if (src == 0) return {0u, ""}; a %= src; break;
                        case BPF_AND: a &= src; break;
                        case BPF_OR: a |= src; break;
                        case BPF_XOR: a ^= src; break;
                        case BPF_LSH: a = src >= 32 ? 0 : a << src; break;
                        case BPF_RSH: a = src >= 32 ? 0 : a >> src; break;
                        default: return fail(pc, "unknown ALU op " + hex(i.code));
                    }
                    break;
                }
                if (cls == BPF_JMP) {
                    bool cond = false;
                    switch (BPF_OP(i.code)) {
                        case BPF_JEQ: cond = a == src; break;
                        case BPF_JGT: cond = a > src; break;
                        case BPF_JGE: cond = a >= src; break;
                        case BPF_JSET: cond = (a & src) != 0; break;
                        default: return fail(pc, "unknown jump op " + hex(i.code));
                    }
                    if (!jump(cond)) return fail(pc, "jump past the end");
                    break;
                }
                return fail(pc, "instruction " + hex(i.code) + " is not allowed in a seccomp filter");
            }
        }
    }
    return {std::nullopt, "the program ends without a return"};
}

uint32_t most_restrictive(uint32_t a, uint32_t b) {
    auto action = [](uint32_t r) { return static_cast<int32_t>(r & SECCOMP_RET_ACTION_FULL); };
    return action(b) < action(a) ? b : a;
}

bool seccomp_denies(uint32_t ret) {
    switch (ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS:
        case SECCOMP_RET_KILL_THREAD:
        case SECCOMP_RET_TRAP:
        case SECCOMP_RET_ERRNO: return true;
        default: return false;
    }
}

std::string seccomp_action_name(uint32_t ret) {
    const uint32_t data = ret & SECCOMP_RET_DATA;
    switch (ret & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS: return "KILL_PROCESS";
        case SECCOMP_RET_KILL_THREAD: return "KILL_THREAD";
        case SECCOMP_RET_TRAP: return "TRAP";
        case SECCOMP_RET_ERRNO: return "ERRNO(" + std::to_string(data) + ")";
        case SECCOMP_RET_USER_NOTIF: return "USER_NOTIF";
        case SECCOMP_RET_TRACE: return "TRACE";
        case SECCOMP_RET_LOG: return "LOG";
        case SECCOMP_RET_ALLOW: return "ALLOW";
        default: return "unknown action " + hex(ret);
    }
}

std::optional<int> parse_status_seccomp(const std::string& text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string_view line(text.data() + pos, nl - pos);
        pos = nl + 1;
        constexpr std::string_view key = "Seccomp:";
        if (line.substr(0, key.size()) != key) continue;
        line.remove_prefix(key.size());
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        int v = 0;
        auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
        if (ec != std::errc() || ptr == line.data()) return std::nullopt;
        return v;
    }
    return std::nullopt;
}

}  // namespace agenthook
