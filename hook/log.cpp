#include "log.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "../oci/json.hpp"

namespace agenthook {

namespace {

constexpr std::array<const char*, 4> kLevelNames = {"error", "warn", "info", "debug"};
constexpr const char* kSyslogSocket = "/dev/log";
constexpr int kSyslogUnavailable = -2;

int syslog_priority(LogLevel level) {
    switch (level) {
        case LogLevel::Error: return LOG_ERR;
        case LogLevel::Warn: return LOG_WARNING;
        case LogLevel::Info: return LOG_INFO;
        case LogLevel::Debug: return LOG_DEBUG;
    }
    return LOG_INFO;
}

// One message, one line: a newline inside it would start a forged line.
std::string one_line(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else out += c;
    }
    return out;
}

std::string now_rfc3339() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return rfc3339_utc(ts.tv_sec, static_cast<int>(ts.tv_nsec / 1000000));
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
    for (std::size_t i = 0; i < kLevelNames.size(); ++i)
        if (name == kLevelNames[i]) return static_cast<LogLevel>(i);
    return std::nullopt;
}

const char* log_level_name(LogLevel level) { return kLevelNames[static_cast<std::size_t>(level)]; }

std::optional<LogFormat> parse_log_format(std::string_view name) {
    if (name == "text") return LogFormat::Text;
    if (name == "json") return LogFormat::Json;
    return std::nullopt;
}

const char* log_format_name(LogFormat format) { return format == LogFormat::Json ? "json" : "text"; }

std::string rfc3339_utc(std::time_t seconds, std::optional<int> millis) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    if (millis) n += static_cast<std::size_t>(std::snprintf(buf + n, sizeof buf - n, ".%03d", *millis % 1000));
    return std::string(buf, n) + "Z";
}

std::string format_log_line(LogFormat format, const LogEntry& e) {
    if (format == LogFormat::Json) {
        oci::Json line{{"time", e.time},   {"level", log_level_name(e.level)}, {"program", e.program},
                       {"pid", e.pid},     {"stage", e.stage}};
        if (!e.container.empty()) line["container"] = e.container;
        line["message"] = e.message;
        // Invalid UTF-8 (a path's bytes) is replaced, never a throw.
        return line.dump(-1, ' ', false, oci::Json::error_handler_t::replace) + "\n";
    }
    std::string s = e.time + " " + log_level_name(e.level) + " " + e.program + "[" + std::to_string(e.pid) + "] " +
                    e.stage + " ";
    if (!e.container.empty()) s += one_line(e.container) + ": ";
    return s + one_line(e.message) + "\n";
}

std::string syslog_datagram(int priority, const std::tm& local, const std::string& ident, long pid,
                            const std::string& message) {
    char stamp[32];
    // RFC 3164's day of month is space-padded.
    std::size_t n = std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &local);
    return "<" + std::to_string(priority) + ">" + std::string(stamp, n) + " " + ident + "[" + std::to_string(pid) +
           "]: " + one_line(message);
}

Log::Log(std::ostream& err, std::string stage, bool records, std::string program)
    : err_(err), stage_(std::move(stage)), records_(records), program_(std::move(program)) {}

Log::~Log() {
    if (file_fd_ >= 0) ::close(file_fd_);
    if (syslog_fd_ >= 0) ::close(syslog_fd_);
}

std::string Log::line(const std::string& message) const { return program_ + ": " + stage_ + ": " + message; }

void Log::error(const std::string& message) const {
    err_ << line(message) << "\n";
    err_.flush();
    record(LogLevel::Error, message);
}

void Log::warn(const std::string& message) const {
    err_ << program_ << ": " << stage_ << ": warning: " << message << "\n";
    record(LogLevel::Warn, message);
}

void Log::info(const std::string& message) const { record(LogLevel::Info, message); }

void Log::debug(const std::string& message) const { record(LogLevel::Debug, message); }

void Log::set_container(std::string id) { container_ = std::move(id); }

void Log::configure(const LogSettings& settings) {
    level_ = settings.level;
    format_ = settings.format;
    if (!records_ || settings.file == file_) return;
    if (file_fd_ >= 0) ::close(file_fd_);
    file_fd_ = -1;
    file_ = settings.file;
    if (file_.empty()) return;
    // O_NONBLOCK: a FIFO planted there must not hold the start up (it is
    // refused below); meaningless for the regular file it should be.
    int fd = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0640);
    std::string why;
    struct stat st {};
    // ENXIO: a FIFO nobody reads (O_NONBLOCK), or a device; either is not a log file.
    if (fd < 0) why = errno == ENXIO ? "not a regular file" : std::strerror(errno);
    else if (::fstat(fd, &st) != 0) why = std::strerror(errno);
    else if (!S_ISREG(st.st_mode)) why = "not a regular file";
    if (why.empty()) {
        file_fd_ = fd;
        return;
    }
    if (fd >= 0) ::close(fd);
    warn("open log file: " + file_ + ": " + why + " (logging to stderr and syslog only)");
}

void Log::record(LogLevel level, const std::string& message) const {
    if (!records_ || level > level_) return;
    to_syslog(level, message);
    if (file_fd_ < 0) return;
    const std::string text = format_log_line(
        format_, LogEntry{now_rfc3339(), level, program_, static_cast<long>(::getpid()), stage_, container_, message});
    // One write(2) per line: with O_APPEND, concurrent hooks' lines do not
    // interleave. A failed or short write is not retried (a retry could
    // land between another process's lines); the message is on syslog too.
    [[maybe_unused]] ssize_t n = ::write(file_fd_, text.data(), text.size());
}

void Log::to_syslog(LogLevel level, const std::string& message) const {
    // Not syslog(3): glibc's send() blocks while the daemon's queue is full
    // (a stuck journald would hold every container start).
    if (syslog_fd_ == kSyslogUnavailable) return;
    if (syslog_fd_ < 0) {
        int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, kSyslogSocket, sizeof addr.sun_path - 1);
        if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            if (fd >= 0) ::close(fd);
            syslog_fd_ = kSyslogUnavailable;
            return;
        }
        syslog_fd_ = fd;
    }
    std::string text = stage_ + ": ";
    if (!container_.empty()) text += container_ + ": ";
    if (level == LogLevel::Warn) text += "warning: ";
    text += message;
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    const std::string datagram = syslog_datagram(LOG_DAEMON | syslog_priority(level), local, program_,
                                                 static_cast<long>(::getpid()), text);
    // Dropped when the reader is behind (EAGAIN) or gone.
    [[maybe_unused]] ssize_t n = ::send(syslog_fd_, datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace agenthook
