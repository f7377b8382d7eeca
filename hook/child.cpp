#include "child.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "error.hpp"
#include "fd.hpp"

namespace agenthook {

namespace {

constexpr std::size_t kMaxReply = std::size_t{16} << 20;

// Wire format: a tag line, "ok" then the body's result as is, or "error"
// then the HookError's fields one per line (newlines inside them replaced).
std::string flat(std::string s) {
    for (char& c : s)
        if (c == '\n') c = ' ';
    return s;
}

std::string error_reply(const HookError& e) {
    return "error\n" + flat(e.step) + "\n" + flat(e.path) + "\n" + flat(e.reason) + "\n" + std::to_string(e.err) +
           "\n" + flat(e.hint) + "\n";
}

[[noreturn]] void child_main(int out, const std::function<std::string()>& body, const std::string& step,
                             const std::string& path) {
    std::string msg;
    try {
        msg = "ok\n" + body();
    } catch (const HookError& e) {
        msg = error_reply(e);
    } catch (const std::exception& e) {
        msg = error_reply(HookError(step, path, e.what()));
    } catch (...) {
        msg = error_reply(HookError(step, path, "unknown exception in the worker"));
    }
    // Nothing useful is left to do if the parent is gone; the exit status
    // tells the parent whether the reply went out whole.
    ::_exit(write_fully(out, msg) ? 0 : 3);
}

// The lines of a worker's reply ("a\nb\n" -> {"a", "b"}).
std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

}  // namespace

std::string run_in_child(const std::function<std::string()>& body, std::chrono::milliseconds deadline,
                         const std::string& step, const std::string& path) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw sys_error("create pipe", "", errno);
    Fd read_end(fds[0]), write_end(fds[1]);

    const pid_t parent = ::getpid();
    pid_t child = ::fork();
    if (child < 0) throw sys_error("fork", "", errno);
    if (child == 0) {
        // The parent is what enforces the deadline and reports: a runtime
        // that kills the hook (hooks[].timeout) must not leave the worker
        // acting in the container's namespace on its own. The getppid check
        // covers a parent killed before the prctl.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(4);
        read_end.reset();
        child_main(write_end.get(), body, step, path);
    }
    write_end.reset();

    std::string reply;
    int read_err = read_fully_within(read_end.get(), reply, kMaxReply, deadline);
    if (read_err != 0) ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (read_err == ETIMEDOUT)
        throw HookError(step, path,
                        "worker process gave no result within " + std::to_string(deadline.count()) +
                            " ms and was killed",
                        ETIMEDOUT, "is something in the rootfs hanging, such as a FUSE mount?");
    if (WIFSIGNALED(status))
        throw HookError(step, path, std::string("worker process killed by signal ") + strsignal(WTERMSIG(status)));
    if (read_err != 0) throw sys_error("read worker result", path, read_err);
    const bool ok = reply.rfind("ok\n", 0) == 0;
    const bool error = reply.rfind("error\n", 0) == 0;
    if ((!ok && !error) || WEXITSTATUS(status) != 0)
        throw HookError(step, path,
                        "worker process exited with status " + std::to_string(WEXITSTATUS(status)) +
                            (reply.empty() ? " and gave no result" : " without a whole result"));
    if (ok) return reply.substr(3);
    auto lines = split_lines(reply);
    lines.resize(6);
    throw HookError(lines[1], lines[2], lines[3], std::atoi(lines[4].c_str()), lines[5]);
}

}  // namespace agenthook
