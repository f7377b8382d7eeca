// sandbox_probe: the hook's own seccomp sandbox (hook/sandbox.hpp), tried
// from the inside.
//
// Usage: sandbox_probe hook|precreate [--no-sandbox]
//
// Enters the profile's sandbox exactly as the hook does (enter_sandbox),
// then makes calls the hook never needs and checks that each fails with
// EPERM (clone3: ENOSYS), that calls of another ABI kill the process, and
// that the calls the profile is for still work. Prints one line per probe
// and exits 1 when any probe fails. --no-sandbox skips enter_sandbox, to
// show the probes fail without it (the test that cannot fail would be
// worthless); it exists only in this test program.
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "hook/error.hpp"
#include "oci/json_io.hpp"
#include "hook/sandbox.hpp"

using namespace agenthook;

namespace {

int failures = 0;

std::string errno_name(int e) {
    const char* n = strerrorname_np(e);
    return n ? n : std::to_string(e);
}

// A raw call's result: "ok" or the errno name. A returned fd is closed.
std::string result(long r, bool is_fd = false) {
    if (r >= 0) {
        if (is_fd) ::close(static_cast<int>(r));
        return "ok";
    }
    return errno_name(errno);
}

void expect(const std::string& name, const std::string& want, const std::string& got) {
    bool ok = want == got;
    if (!ok) ++failures;
    std::printf("%s %s: %s%s\n", ok ? "ok  " : "FAIL", name.c_str(), got.c_str(),
                ok ? "" : (" (expected " + want + ")").c_str());
}

// A field of /proc/self/status ("Seccomp"), or "?".
std::string status_field(const std::string& key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, key.size() + 1, key + ":") == 0) {
            auto v = line.find_first_not_of(" \t", key.size() + 1);
            return v == std::string::npos ? "" : line.substr(v);
        }
    return "?";
}

// A fresh 4 KiB read-write page.
void* page() { return ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); }

// Calls no profile allows: each must fail with EPERM, not be answered by
// the kernel (without the sandbox they succeed or fail otherwise as root).
void denied_everywhere() {
    char* const argv[] = {const_cast<char*>("x"), nullptr};
    expect("execve", "EPERM", result(syscall(SYS_execve, "/nonexistent/sandbox-probe", argv, argv)));
    expect("execveat", "EPERM", result(syscall(SYS_execveat, AT_FDCWD, "/nonexistent/sandbox-probe", argv, argv, 0)));
    expect("ptrace", "EPERM", result(syscall(SYS_ptrace, PTRACE_GETREGS, getpid(), nullptr, nullptr)));
    expect("socket(AF_INET)", "EPERM", result(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0), true));
    expect("socket(AF_NETLINK)", "EPERM", result(syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0), true));
    expect("bpf", "EPERM", result(syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, nullptr, 0)));
    expect("init_module", "EPERM", result(syscall(SYS_init_module, nullptr, 0, "")));
    expect("keyctl", "EPERM", result(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)));
    expect("open_by_handle_at", "EPERM", result(syscall(SYS_open_by_handle_at, -1, nullptr, O_RDONLY), true));
    expect("memfd_create", "EPERM", result(syscall(SYS_memfd_create, "probe", 0), true));
    char c = 'x';
    expect("ioctl(TIOCSTI)", "EPERM", result(::ioctl(0, TIOCSTI, &c)));
    expect("chroot", "EPERM", result(syscall(SYS_chroot, "/")));
    expect("process_vm_readv", "EPERM", result(syscall(SYS_process_vm_readv, getpid(), nullptr, 0, nullptr, 0, 0)));
    expect("mmap(PROT_EXEC)", "EPERM",
           result(reinterpret_cast<long>(::mmap(nullptr, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) ==
                          reinterpret_cast<long>(MAP_FAILED)
                      ? -1
                      : 0));
    void* p = page();
    expect("mprotect(PROT_EXEC)", "EPERM", result(::mprotect(p, 4096, PROT_READ | PROT_EXEC)));
    // Namespaces: the worker's clone may not make any.
    long child = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (child == 0) ::_exit(0);
    if (child > 0) ::waitpid(static_cast<pid_t>(child), nullptr, 0);
    expect("clone(CLONE_NEWNET)", "EPERM", result(child));
    expect("prctl(PR_SET_DUMPABLE)", "EPERM", result(::prctl(PR_SET_DUMPABLE, 1)));
    // Last: without the sandbox it succeeds and moves the probe into a new user namespace.
    expect("unshare(CLONE_NEWUSER)", "EPERM", result(syscall(SYS_unshare, CLONE_NEWUSER)));
}

// The calls both profiles need: allocate, write a stream, syslog.
void allowed_everywhere() {
    std::vector<char> big(std::size_t{64} << 20, 'x');  // mmap'ed by malloc
    expect("malloc 64 MiB", "ok", result(big[big.size() - 1] == 'x' ? 0 : -1));
    expect("mmap(PROT_READ|PROT_WRITE)", "ok", result(page() == MAP_FAILED ? -1 : 0));
    expect("write(stdout)", "ok", result(::write(1, "", 0)));
    expect("socket(AF_UNIX)", "ok", result(syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), true));
    expect("getpid", "ok", result(getpid()));
    struct termios t {};
    expect("ioctl(TCGETS)", "ENOTTY or ok", ::ioctl(2, TCGETS, &t) == 0 || errno == ENOTTY ? "ENOTTY or ok" : errno_name(errno));
    // syslog: /dev/log, its timestamp; nothing to check but that it returns.
    ::openlog("sandbox_probe", LOG_PID, LOG_DAEMON);
    ::syslog(LOG_DEBUG, "sandbox_probe: syslog works under the sandbox");
    expect("syslog", "ok", "ok");
}

// Precreate has no business with processes, namespaces or mounts.
void denied_for_precreate() {
    long child = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (child == 0) ::_exit(0);
    if (child > 0) ::waitpid(static_cast<pid_t>(child), nullptr, 0);
    expect("clone (fork)", "EPERM", result(child));
    expect("setns", "EPERM", result(syscall(SYS_setns, -1, 0)));
    expect("pidfd_open", "EPERM", result(syscall(SYS_pidfd_open, getpid(), 0), true));
    expect("mount", "EPERM", result(syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, nullptr)));
    expect("mkdirat", "EPERM", result(syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/x", 0755)));
}

// What hook mode does, in `dir` (made before the sandbox): the worker
// thread and its own root and cwd, the pidfd, the home, the atomic write;
// and no process of its own (the worker is a thread).
void allowed_for_hook(const std::string& dir) {
    std::string unshared = "not run";
    try {
        std::thread worker([&] { unshared = result(syscall(SYS_unshare, CLONE_FS)); });
        worker.join();
        expect("a thread (std::thread)", "ok", "ok");
    } catch (const std::system_error& e) {
        expect("a thread (std::thread)", "ok", e.what());
    }
    expect("unshare(CLONE_FS) on the thread", "ok", unshared);
    expect("unshare(CLONE_NEWNS)", "EPERM", result(syscall(SYS_unshare, CLONE_NEWNS)));
    long child = syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (child == 0) ::_exit(0);
    if (child > 0) ::waitpid(static_cast<pid_t>(child), nullptr, 0);
    expect("clone (fork)", "EPERM", result(child));
    expect("clone3 (glibc falls back)", "ENOSYS", result(syscall(SYS_clone3, nullptr, 0)));
    expect("prctl(PR_SET_PDEATHSIG)", "EPERM", result(::prctl(PR_SET_PDEATHSIG, SIGKILL)));
    expect("pidfd_open", "ok", result(syscall(SYS_pidfd_open, getpid(), 0), true));
    const std::string home = dir + "/home";
    expect("mkdirat", "ok", result(::mkdirat(AT_FDCWD, home.c_str(), 0755)));
    expect("fchmodat", "ok", result(::fchmodat(AT_FDCWD, home.c_str(), 0750, 0)));
    expect("fchownat", "ok", result(::fchownat(AT_FDCWD, home.c_str(), getuid(), getgid(), 0)));
    int fd = ::openat(AT_FDCWD, home.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct statfs sfs {};
    expect("open O_PATH + fstatfs", "ok", result(fd >= 0 && ::fstatfs(fd, &sfs) == 0 ? 0 : -1));
    struct statx stx {};
    expect("statx", "ok", result(::statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx)));
    expect("fcntl(F_DUPFD_CLOEXEC)", "ok", result(::fcntl(fd, F_DUPFD_CLOEXEC, 0), true));
    expect("fcntl(F_SETFL)", "EPERM", result(::fcntl(fd, F_SETFL, O_NONBLOCK)));
    // The hook's own atomic write (it replaces an existing file), twice:
    // the second one also looks for temp files a dead writer left.
    const std::string final_name = dir + "/config.json";
    const int existing = ::open(final_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    expect("open O_CREAT", "ok", result(existing >= 0 && ::close(existing) == 0 ? 0 : -1));
    std::string written = "ok";
    try {
        oci::write_file_atomic(final_name, "{}");
        oci::write_file_atomic(final_name, "{\"a\":1}");
    } catch (const std::exception& e) {
        written = e.what();
    }
    expect("oci::write_file_atomic", "ok", written);
    expect("unlink", "ok", result(::unlink(final_name.c_str())));
    expect("unlinkat (rmdir)", "ok", result(::unlinkat(AT_FDCWD, home.c_str(), AT_REMOVEDIR)));
}

// A call of another ABI kills the process (checked in a child).
void other_abi_killed(bool sandbox, SandboxProfile profile) {
#if defined(__x86_64__)
    struct Abi {
        const char* name;
        std::function<void()> call;
    };
    const Abi abis[] = {
        {"i386 getpid (int 0x80)", [] {
             long r;
             __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");  // i386 __NR_getpid
         }},
        {"x32 getpid", [] { syscall(0x40000000L | SYS_getpid); }},
    };
    for (const auto& abi : abis) {
        pid_t child = ::fork();
        if (child == 0) {
            if (sandbox) enter_sandbox(profile);
            abi.call();
            ::_exit(0);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        expect(abi.name, "SIGSYS",
               WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) ? std::string("SIG") + sigabbrev_np(WTERMSIG(status)) : "signal"
                                   : "exit " + std::to_string(WEXITSTATUS(status)));
    }
#else
    (void)sandbox;
    (void)profile;
#endif
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || (std::strcmp(argv[1], "hook") != 0 && std::strcmp(argv[1], "precreate") != 0)) {
        std::fprintf(stderr, "usage: sandbox_probe hook|precreate [--no-sandbox]\n");
        return 2;
    }
    const bool hook = std::strcmp(argv[1], "hook") == 0;
    const bool sandbox = !(argc > 2 && std::strcmp(argv[2], "--no-sandbox") == 0);
    const SandboxProfile profile = hook ? SandboxProfile::Hook : SandboxProfile::Precreate;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);

    char dir_template[] = "/var/tmp/sandbox_probe.XXXXXX";
    std::string dir = hook ? (::mkdtemp(dir_template) ? dir_template : "") : "";
    if (hook && dir.empty()) {
        std::perror("sandbox_probe: mkdtemp");
        return 1;
    }
    other_abi_killed(sandbox, profile);
    try {
        if (sandbox) enter_sandbox(profile);
    } catch (const HookError& e) {
        std::printf("FAIL enter_sandbox: %s\n", e.line().c_str());
        return 1;
    }
    // As the kernel reports them (prctl itself is outside both profiles).
    expect("/proc/self/status NoNewPrivs", "1", status_field("NoNewPrivs"));
    expect("/proc/self/status Seccomp", "2", status_field("Seccomp"));
    allowed_everywhere();
    if (hook) allowed_for_hook(dir);
    else denied_for_precreate();
    denied_everywhere();
    if (hook) ::rmdir(dir.c_str());
    std::printf("%s: %d failed\n", argv[1], failures);
    return failures == 0 ? 0 : 1;
}
