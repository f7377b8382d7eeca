/* timeit: run one command, print "WALL_US CPU_US MAXRSS_KIB STATUS" on stdout.
 *
 * Usage: timeit [-i IN] [-o OUT] [-e ERR] [-t SECONDS] -- COMMAND [ARG...]
 *
 * The child's stdin comes from IN (default /dev/null), its stdout and stderr
 * go to OUT (default /dev/null), its stderr to ERR instead when given (so a
 * warning cannot spoil a JSON output the caller checks). With -t, a child still running after
 * SECONDS is killed (SIGKILL; STATUS 137) and OUT says so: a hung command
 * never hangs a benchmark. Wall time runs from just before fork() to
 * just after wait4() (CLOCK_MONOTONIC), so no shell start-up is counted.
 * CPU is user + system time of the child (and its waited-for descendants):
 * less sensitive than wall time to other load on the machine.
 * MAXRSS is ru_maxrss from wait4(): the peak resident set of the child or of
 * the largest of its own waited-for descendants, in KiB. STATUS is the exit
 * code, or 128+signal. The benchmark scripts compile this on the fly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void) {
    fprintf(stderr, "usage: timeit [-i IN] [-o OUT] [-e ERR] [-t SECONDS] -- COMMAND [ARG...]\n");
    exit(2);
}

static volatile sig_atomic_t child_pid, timed_out;

static void on_alarm(int sig) {
    (void)sig;
    timed_out = 1;
    if (child_pid > 0) kill((pid_t)child_pid, SIGKILL);
}

int main(int argc, char **argv) {
    const char *in = "/dev/null", *out = "/dev/null", *err = NULL;
    unsigned timeout = 0;
    int opt;
    char *end;
    while ((opt = getopt(argc, argv, "+i:o:e:t:")) != -1) {
        switch (opt) {
            case 'i': in = optarg; break;
            case 'o': out = optarg; break;
            case 'e': err = optarg; break;
            case 't':
                timeout = (unsigned)strtoul(optarg, &end, 10);
                if (*optarg == '\0' || *end != '\0' || timeout == 0) usage();
                break;
            default: usage();
        }
    }
    if (optind >= argc) usage();

    int in_fd = open(in, O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) { fprintf(stderr, "timeit: %s: %s\n", in, strerror(errno)); return 2; }
    int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) { fprintf(stderr, "timeit: %s: %s\n", out, strerror(errno)); return 2; }
    int err_fd = err ? open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : out_fd;
    if (err_fd < 0) { fprintf(stderr, "timeit: %s: %s\n", err, strerror(errno)); return 2; }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) { perror("timeit: fork"); return 2; }
    if (pid > 0 && timeout > 0) {
        /* No SA_RESTART: wait4 returns EINTR and is called again. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        child_pid = pid;
        sigaction(SIGALRM, &sa, NULL);
        alarm(timeout);
    }
    if (pid == 0) {
        if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(126);
        execvp(argv[optind], argv + optind);
        dprintf(out_fd, "timeit: %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) { perror("timeit: wait4"); return 2; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alarm(0);
    if (timed_out) dprintf(out_fd, "timeit: %s: killed after %u s\n", argv[optind], timeout);

    long long us = (long long)(t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
    long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
                    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("%lld %lld %ld %d\n", us, cpu, ru.ru_maxrss, code);
    return 0;
}
