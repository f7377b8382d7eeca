#include "seccomp_dump.hpp"

#include <fcntl.h>
#include <linux/filter.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "error.hpp"
#include "fd.hpp"
#include "seccomp_rules.hpp"
#include "syscall_names.hpp"

namespace agenthook {

namespace {

constexpr const char* kStep = "dump seccomp filter";
// More filters than any runtime stacks; the kernel caps the total size anyway.
constexpr unsigned long kMaxFilters = 256;
constexpr std::chrono::milliseconds kStopDeadline{3000};

// Detaches on every path out, passing on a signal the stop swallowed.
struct Seized {
    int pid;
    int signal = 0;
    ~Seized() { ::ptrace(PTRACE_DETACH, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(signal))); }
};

}  // namespace

std::vector<std::vector<BpfInsn>> dump_seccomp_filters(int pid) {
    const std::string who = "pid " + std::to_string(pid);
    // PTRACE_SEIZE does not stop the process; PTRACE_INTERRUPT does, and
    // GET_FILTER needs it stopped (ptrace(2)).
    if (::ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) < 0) throw sys_error(kStep, who, errno, "PTRACE_SEIZE");
    Seized seized{pid};
    if (::ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr) < 0) throw sys_error(kStep, who, errno, "PTRACE_INTERRUPT");
    const auto until = std::chrono::steady_clock::now() + kStopDeadline;
    while (true) {
        int status = 0;
        pid_t r = ::waitpid(pid, &status, WNOHANG | __WALL);
        if (r < 0 && errno != EINTR) throw sys_error(kStep, who, errno, "waitpid");
        if (r == pid) {
            if (!WIFSTOPPED(status)) throw HookError(kStep, who, "the process ended");
            // A signal-delivery stop instead of our interrupt: hand the
            // signal back on detach.
            if ((status >> 16) != PTRACE_EVENT_STOP) seized.signal = WSTOPSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() > until)
            throw HookError(kStep, who, "the process did not stop within " + std::to_string(kStopDeadline.count()) +
                                            " ms (uninterruptible?)", ETIMEDOUT);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::vector<std::vector<BpfInsn>> filters;
    for (unsigned long index = 0; index < kMaxFilters; ++index) {
        long count = ::ptrace(PTRACE_SECCOMP_GET_FILTER, pid, reinterpret_cast<void*>(index), nullptr);
        if (count < 0) {
            if (errno == ENOENT) return filters;  // past the oldest filter
            throw sys_error(kStep, who, errno, "PTRACE_SECCOMP_GET_FILTER (needs CAP_SYS_ADMIN, and no filter on the caller)");
        }
        std::vector<struct sock_filter> raw(static_cast<std::size_t>(count));
        long got = ::ptrace(PTRACE_SECCOMP_GET_FILTER, pid, reinterpret_cast<void*>(index), raw.data());
        if (got < 0) throw sys_error(kStep, who, errno, "PTRACE_SECCOMP_GET_FILTER");
        if (got != count) throw HookError(kStep, who, "the filter changed size while it was read");
        std::vector<BpfInsn> program;
        program.reserve(raw.size());
        for (const auto& i : raw) program.push_back({i.code, i.jt, i.jf, i.k});
        filters.push_back(std::move(program));
    }
    throw HookError(kStep, who, "more than " + std::to_string(kMaxFilters) + " filters");
}

SeccompObservation judge_filters(const std::vector<std::vector<BpfInsn>>& filters,
                                 const std::vector<std::string>& names, const std::vector<int>& numbers,
                                 uint32_t arch) {
    SeccompObservation obs;
    obs.mode = 2;
    if (filters.empty()) {
        obs.error = "the process reports a filter but none could be read";
        return obs;
    }
    for (std::size_t n = 0; n < names.size() && n < numbers.size(); ++n) {
        SeccompInput input;
        input.nr = numbers[n];
        input.arch = arch;
        uint32_t ret = 0x7fff0000u;  // SECCOMP_RET_ALLOW: the least restrictive
        for (std::size_t f = 0; f < filters.size(); ++f) {
            BpfResult r = run_bpf(filters[f], input);
            if (!r.value) {
                obs.error = "filter " + std::to_string(f) + " on " + names[n] + ": " + r.error;
                obs.syscalls.clear();
                return obs;
            }
            ret = most_restrictive(ret, *r.value);
        }
        obs.syscalls.push_back({names[n], seccomp_action_name(ret), seccomp_denies(ret)});
    }
    obs.evaluated = true;
    return obs;
}

SeccompObservation observe_seccomp(int pid) {
    SeccompObservation obs;
    const std::string status_path = "/proc/" + std::to_string(pid) + "/status";
    std::string status;
    Fd fd(::open(status_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        obs.error = sys_error("read seccomp mode", status_path, errno).line();
        return obs;
    }
    if (int err = read_fully(fd.get(), status, std::size_t{1} << 20)) {
        obs.error = sys_error("read seccomp mode", status_path, err).line();
        return obs;
    }
    obs.mode = parse_status_seccomp(status);
    if (!obs.mode || *obs.mode != 2) return obs;
    std::vector<std::string> names;
    std::vector<int> numbers;
    for (const auto& name : lockdown_syscalls())
        if (auto nr = native_syscall_number(name)) {
            names.push_back(name);
            numbers.push_back(*nr);
        }
    try {
        return judge_filters(dump_seccomp_filters(pid), names, numbers, native_audit_arch());
    } catch (const HookError& e) {
        obs.error = e.line();
        return obs;
    }
}

}  // namespace agenthook
