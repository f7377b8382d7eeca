#pragma once
// RAII owner of a file descriptor, so no path through the hook leaks one,
// and the two loops every reader and writer of an fd needs.
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace agenthook {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

// Writes all of `data`, riding out EINTR and short writes; false with errno
// set on failure.
bool write_fully(int fd, std::string_view data);

// Appends everything `fd` yields until end of file to `out`; returns 0, the
// read's errno, or EFBIG once `out` holds more than `limit` bytes.
int read_fully(int fd, std::string& out, std::size_t limit);

// read_fully for a pipe whose writer may never close it: also returns
// ETIMEDOUT once `deadline` has passed without end of file.
int read_fully_within(int fd, std::string& out, std::size_t limit, std::chrono::milliseconds deadline);

}  // namespace agenthook
