#pragma once
// Runs a piece of work in a forked child process and hands its result back
// through a pipe: the work may enter the container's namespaces or drop
// privileges, which the calling process must never do itself. The child is
// killed when the parent dies or the deadline passes.
#include <chrono>
#include <functional>
#include <string>

namespace agenthook {

// Runs `body` in a child; returns the string it returned. A HookError the
// child throws is rethrown in the parent with its step, path, reason, errno
// and hint (each on one line). A child that gives no result within
// `deadline` is killed, and one that dies or exits without a result is
// reported with its exit status; these errors name `step` and `path`.
std::string run_in_child(const std::function<std::string()>& body, std::chrono::milliseconds deadline,
                         const std::string& step, const std::string& path);

}  // namespace agenthook
