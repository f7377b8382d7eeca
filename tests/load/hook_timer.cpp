// hook_timer: runs a hook and records how long it took, for the load test.
//
// Usage: hook_timer FILE HOOK [ARG...]
//
// Registered in a bundle in place of the hook (path hook_timer, args
// [hook_timer, FILE, HOOK, ARG...]): forks, executes HOOK with argv
// [HOOK, ARG...], the same environment and the same stdin (the container
// state the runtime writes), waits, appends "NANOSECONDS STATUS\n" to FILE
// and exits with the hook's status (128+signal when it was killed), so the
// runtime sees what the hook did. Wall time runs from just before fork() to
// just after waitpid() (CLOCK_MONOTONIC): the fork and exec are counted,
// as the runtime pays for them too. FILE is opened with O_APPEND and the
// line written with one write(): many concurrent hooks share one file and
// no line is torn.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace {

long long now_ns() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: hook_timer FILE HOOK [ARG...]\n");
        return 2;
    }
    const char* file = argv[1];
    const long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        std::fprintf(stderr, "hook_timer: fork: %s\n", std::strerror(errno));
        return 2;
    }
    if (pid == 0) {
        execv(argv[2], argv + 2);
        std::fprintf(stderr, "hook_timer: exec %s: %s\n", argv[2], std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            std::fprintf(stderr, "hook_timer: wait for %s: %s\n", argv[2], std::strerror(errno));
            return 2;
        }
    }
    const long long elapsed = now_ns() - t0;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

    char line[64];
    int n = std::snprintf(line, sizeof line, "%lld %d\n", elapsed, code);
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, static_cast<size_t>(n)) != n) {
        // The hook's outcome stands; a lost figure is only reported.
        std::fprintf(stderr, "hook_timer: append to %s: %s\n", file, std::strerror(errno));
    }
    if (fd >= 0) close(fd);
    return code;
}
