// swap_loop: exchange two names in a directory, atomically, over and over.
//
// Usage: swap_loop DIR NAME_A NAME_B SECONDS
//
// Loops renameat2(RENAME_EXCHANGE) between DIR/NAME_A and DIR/NAME_B for
// SECONDS seconds or until SIGTERM/SIGINT. The race tests use it to flip a
// rootfs directory with a symlink to a sentinel while containers start:
// whatever the hook resolves at any instant is either the directory or the
// link, never a missing name. Before exiting it makes the swap count even,
// so both names end where they started. Prints the count on stdout.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

volatile std::sig_atomic_t stop = 0;

void on_signal(int) { stop = 1; }

double now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: swap_loop DIR NAME_A NAME_B SECONDS\n");
        return 2;
    }
    const char* a = argv[2];
    const char* b = argv[3];
    double seconds = std::atof(argv[4]);

    int dirfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        std::fprintf(stderr, "swap_loop: open %s: %s\n", argv[1], std::strerror(errno));
        return 1;
    }

    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    const double deadline = now() + seconds;
    unsigned long long swaps = 0;
    while (!stop) {
        if (renameat2(dirfd, a, dirfd, b, RENAME_EXCHANGE) < 0) {
            std::fprintf(stderr, "swap_loop: renameat2 %s <-> %s: %s\n", a, b, std::strerror(errno));
            return 1;
        }
        ++swaps;
        if ((swaps & 1023) == 0 && now() >= deadline) break;
    }
    if (swaps % 2 == 1) {
        if (renameat2(dirfd, a, dirfd, b, RENAME_EXCHANGE) < 0) {
            std::fprintf(stderr, "swap_loop: final renameat2: %s\n", std::strerror(errno));
            return 1;
        }
        ++swaps;
    }
    std::printf("swaps: %llu\n", swaps);
    return 0;
}
