#include "worker_thread.hpp"

#include <cerrno>

namespace agenthook::worker_thread_detail {

void throw_timeout(std::chrono::milliseconds deadline, const std::string& step, const std::string& path) {
    throw HookError(step, path,
                    "worker gave no result within " + std::to_string(deadline.count()) +
                        " ms; it is stopped with the hook",
                    ETIMEDOUT, "is something in the rootfs hanging, such as a FUSE mount?");
}

void throw_no_thread(const std::system_error& e, const std::string& step, const std::string& path) {
    throw HookError(step, path, std::string("could not start the worker thread: ") + e.what(), e.code().value());
}

}  // namespace agenthook::worker_thread_detail
