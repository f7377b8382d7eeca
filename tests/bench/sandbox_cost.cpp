// sandbox_cost: what the hook mode's sandbox (hook/sandbox.cpp, the Hook
// profile) costs a start: the CPU time of enter_sandbox() (loading the
// seccomp program built at build time), and what the loaded
// filter adds to each system call afterwards. A tool for the benchmarks,
// not a test.
//
// Usage: sandbox_cost [RUNS]  (default 200)
// Each run forks a child (a filter cannot be unloaded) that times
// enter_sandbox() by its own CPU clock, then times CALLS getppid() calls
// (allowed by the profile) before and after. Prints medians in microseconds
// ("enter_sandbox_us", and "syscall_ns_before"/"syscall_ns_after" per call).
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hook/sandbox.hpp"

namespace {

constexpr int kCalls = 20000;

double cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// ns per call of a system call the filter allows (syscall(2) directly: no
// library caching).
double syscall_ns() {
    const double t0 = cpu_us();
    for (int i = 0; i < kCalls; ++i) syscall(SYS_getppid);
    return (cpu_us() - t0) * 1e3 / kCalls;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::atoi(argv[1]) : 200;
    if (runs <= 0) {
        std::fprintf(stderr, "usage: sandbox_cost [RUNS]\n");
        return 2;
    }
    std::vector<double> enter, before, after;
    for (int r = 0; r < runs; ++r) {
        int fds[2];
        if (pipe(fds) != 0) return perror("pipe"), 2;
        const pid_t pid = fork();
        if (pid < 0) return perror("fork"), 2;
        if (pid == 0) {
            close(fds[0]);
            double out[3];
            out[1] = syscall_ns();
            const double t0 = cpu_us();
            try {
                agenthook::enter_sandbox(agenthook::SandboxProfile::Hook);
            } catch (...) {
                _exit(3);
            }
            out[0] = cpu_us() - t0;
            out[2] = syscall_ns();
            _exit(write(fds[1], out, sizeof out) == static_cast<ssize_t>(sizeof out) ? 0 : 4);
        }
        close(fds[1]);
        double in[3];
        const ssize_t n = read(fds[0], in, sizeof in);
        close(fds[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        if (n != static_cast<ssize_t>(sizeof in) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "sandbox_cost: run %d failed (status %d)\n", r, status);
            return 1;
        }
        enter.push_back(in[0]);
        before.push_back(in[1]);
        after.push_back(in[2]);
    }
    std::printf("runs %d\nenter_sandbox_us %.1f\nsyscall_ns_before %.1f\nsyscall_ns_after %.1f\n", runs, median(enter),
                median(before), median(after));
    return 0;
}
