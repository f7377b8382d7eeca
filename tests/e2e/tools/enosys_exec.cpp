// enosys_exec: run a program on a kernel that seems to lack the new mount
// and path-resolution API.
//
// Usage: enosys_exec [--log FILE] PROGRAM [ARG...]
//                                install the filter, check that it answers
//                                ENOSYS, then execv PROGRAM (ARG... is its
//                                argv, argv[0] first); with --log, first
//                                append one line naming the program to FILE
//        enosys_exec --self-test call each syscall before and after
//                                installing the filter; print the errno
//
// A seccomp filter answers ENOSYS for openat2, fsopen, fsconfig, fsmount,
// move_mount, open_tree and mount_setattr, as an older kernel (or a strict
// seccomp profile) would. The filter is inherited across fork and execve, so
// a hook started through this tool must take its fallback paths (component
// walk, mount(2)). The check before execv and the --log line are what let
// the e2e tests' ENOSYS mode prove that every hook start really ran under
// the filter (a mode that silently ran without it would pass anyway).
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>

namespace {

struct Blocked {
    const char* name;
    int nr;  // libseccomp's number for this architecture
};

const Blocked kBlocked[] = {
    {"openat2", SCMP_SYS(openat2)},       {"fsopen", SCMP_SYS(fsopen)},
    {"fsconfig", SCMP_SYS(fsconfig)},     {"fsmount", SCMP_SYS(fsmount)},
    {"move_mount", SCMP_SYS(move_mount)}, {"open_tree", SCMP_SYS(open_tree)},
    {"mount_setattr", SCMP_SYS(mount_setattr)},
};

bool install_filter() {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        std::fprintf(stderr, "enosys_exec: seccomp_init failed\n");
        return false;
    }
    for (const auto& b : kBlocked) {
        int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), b.nr, 0);
        if (rc < 0) {
            std::fprintf(stderr, "enosys_exec: seccomp_rule_add %s: %s\n", b.name, std::strerror(-rc));
            seccomp_release(ctx);
            return false;
        }
    }
    int rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc < 0) {
        std::fprintf(stderr, "enosys_exec: seccomp_load: %s\n", std::strerror(-rc));
        return false;
    }
    return true;
}

// Calls the syscall with harmless arguments; "ok" or the errno name. The
// calls that succeed only create fds, which are closed again; the others
// fail on their arguments (a bad fd, a zero size) without changing anything.
std::string probe(const char* name) {
    long r = -1;
    if (std::strcmp(name, "openat2") == 0) {
        open_how how{};
        how.flags = O_PATH | O_CLOEXEC;
        r = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
    } else if (std::strcmp(name, "fsopen") == 0) {
        r = syscall(SYS_fsopen, "tmpfs", 0);
    } else if (std::strcmp(name, "fsconfig") == 0) {
        r = syscall(SYS_fsconfig, -1, 0, nullptr, nullptr, 0);
    } else if (std::strcmp(name, "fsmount") == 0) {
        r = syscall(SYS_fsmount, -1, 0, 0);
    } else if (std::strcmp(name, "move_mount") == 0) {
        r = syscall(SYS_move_mount, -1, "", -1, "", 0);
    } else if (std::strcmp(name, "open_tree") == 0) {
        r = syscall(SYS_open_tree, -1, "", 0);
    } else if (std::strcmp(name, "mount_setattr") == 0) {
        r = syscall(SYS_mount_setattr, -1, "", AT_EMPTY_PATH, nullptr, 0);
    }
    if (r >= 0) {
        close(static_cast<int>(r));
        return "ok";
    }
    const char* e = strerrorname_np(errno);
    return e ? e : std::to_string(errno);
}

int self_test() {
    std::string before[std::size(kBlocked)];
    for (std::size_t i = 0; i < std::size(kBlocked); ++i) before[i] = probe(kBlocked[i].name);
    if (!install_filter()) return 1;
    for (std::size_t i = 0; i < std::size(kBlocked); ++i)
        std::printf("%s before=%s after=%s\n", kBlocked[i].name, before[i].c_str(),
                    probe(kBlocked[i].name).c_str());
    return 0;
}

// After install_filter: every blocked call must answer ENOSYS, or the
// program would run with the new API and prove nothing.
bool filter_in_force() {
    for (const auto& b : kBlocked) {
        std::string got = probe(b.name);
        if (got != "ENOSYS") {
            std::fprintf(stderr, "enosys_exec: the filter is not in force: %s answered %s\n", b.name, got.c_str());
            return false;
        }
    }
    return true;
}

// One line "filtered: ARGV..." appended to `file` in a single write, so
// that concurrent starts never interleave within a line.
bool log_start(const char* file, char** argv) {
    std::string line = "filtered:";
    for (char** a = argv; *a; ++a) line += std::string(" ") + *a;
    line += '\n';
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        std::fprintf(stderr, "enosys_exec: open %s: %s\n", file, std::strerror(errno));
        return false;
    }
    bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    if (!ok) std::fprintf(stderr, "enosys_exec: write %s: %s\n", file, std::strerror(errno));
    close(fd);
    return ok;
}

int usage() {
    std::fprintf(stderr, "usage: enosys_exec [--log FILE] PROGRAM [ARG...] | enosys_exec --self-test\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    if (std::strcmp(argv[1], "--self-test") == 0) return argc == 2 ? self_test() : usage();
    const char* log = nullptr;
    int first = 1;
    if (std::strcmp(argv[1], "--log") == 0) {
        if (argc < 4) return usage();
        log = argv[2];
        first = 3;
    }
    if (!install_filter() || !filter_in_force()) return 1;
    if (log && !log_start(log, argv + first)) return 1;
    execv(argv[first], argv + first);
    std::fprintf(stderr, "enosys_exec: execv %s: %s\n", argv[first], std::strerror(errno));
    return 127;
}
