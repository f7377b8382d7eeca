#pragma once
// Runs hook mode's work in the container on a thread of the hook's own
// process, with a deadline. The thread may give up the process's root,
// working directory and mount namespace (unshare(CLONE_FS), then setns):
// the calling thread keeps the host's, for the writes after.
//
// Why a thread and not a forked child (issue 11): the fork, its
// copy-on-write faults in both processes, the child's exit and the wait
// were about a tenth of the hook's CPU on every container start, and with
// no fork left the hook's seccomp sandbox can refuse to create a process
// at all. The deadline still holds: a thread stuck in the rootfs (a hung
// FUSE mount) is left behind, the hook reports and exits, and the exit
// kills the thread with the process.
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "error.hpp"

namespace agenthook {

namespace worker_thread_detail {
// What the thread touches lives here, owned jointly: a thread left behind
// at the deadline must not see the caller's frame go away under it.
template <class Result>
struct Shared {
    std::function<Result()> body;
    std::promise<Result> result;
};
// The errors run_in_thread raises itself.
[[noreturn]] void throw_timeout(std::chrono::milliseconds deadline, const std::string& step, const std::string& path);
[[noreturn]] void throw_no_thread(const std::system_error& e, const std::string& step, const std::string& path);
}  // namespace worker_thread_detail

// Runs `body` on a new thread and returns its result. A HookError it
// throws is rethrown as is; any other exception becomes a HookError naming
// `step` and `path`. No result within `deadline` is a HookError (ETIMEDOUT)
// and the thread is left to die with the process.
template <class Result>
Result run_in_thread(std::function<Result()> body, std::chrono::milliseconds deadline, const std::string& step,
                     const std::string& path) {
    auto shared = std::make_shared<worker_thread_detail::Shared<Result>>();
    shared->body = std::move(body);
    std::future<Result> result = shared->result.get_future();
    std::thread worker;
    try {
        worker = std::thread([shared, step, path] {
            try {
                shared->result.set_value(shared->body());
            } catch (const HookError&) {
                shared->result.set_exception(std::current_exception());
            } catch (const std::exception& e) {
                shared->result.set_exception(std::make_exception_ptr(HookError(step, path, e.what())));
            } catch (...) {
                shared->result.set_exception(
                    std::make_exception_ptr(HookError(step, path, "unknown exception in the worker")));
            }
        });
    } catch (const std::system_error& e) {
        worker_thread_detail::throw_no_thread(e, step, path);
    }
    if (result.wait_for(deadline) != std::future_status::ready) {
        worker.detach();
        worker_thread_detail::throw_timeout(deadline, step, path);
    }
    worker.join();
    return result.get();
}

}  // namespace agenthook
