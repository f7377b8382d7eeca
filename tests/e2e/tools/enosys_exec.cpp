// enosys_exec: run a program on a kernel that seems to lack the new mount
// and path-resolution API.
//
// Usage: enosys_exec PROGRAM [ARG...]   install the filter, then execv PROGRAM
//        enosys_exec --self-test        call each syscall before and after
//                                       installing the filter; print the errno
//
// A seccomp filter answers ENOSYS for openat2, fsopen, fsconfig, fsmount,
// move_mount and open_tree, as an older kernel (or a strict seccomp profile)
// would. The filter is inherited across fork and execve, so a hook started
// through this tool must take its fallback paths (component walk, mount(2)).
#include <fcntl.h>
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
// calls that succeed only create fds, which are closed again.
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

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: enosys_exec PROGRAM [ARG...] | enosys_exec --self-test\n");
        return 2;
    }
    if (std::strcmp(argv[1], "--self-test") == 0) return self_test();
    if (!install_filter()) return 1;
    execv(argv[1], argv + 1);
    std::fprintf(stderr, "enosys_exec: execv %s: %s\n", argv[1], std::strerror(errno));
    return 127;
}
