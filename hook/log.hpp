#pragma once
// One logger for every command. Three sinks:
//  - stderr: errors and warnings, one line each, prefixed with the program
//    and stage (what a runtime or an operator at a terminal shows);
//  - syslog (LOG_DAEMON, ident = the program) and
//  - the policy's log file ("log": {"file", "format", "level"}),
// the last two only for the commands nobody watches: the stages a runtime
// runs (createRuntime, prestart, poststop, precreate, oci-agent-runtime)
// and sweep (a systemd timer). crun and podman hide a hook's stderr, so
// those two are the trace an operator can still find. Each stage logs its
// outcome there, success or failure, with the container it was about.
//
// Neither sink may fail or hold up a start: syslog is a non-blocking
// datagram that is dropped when /dev/log is missing or its reader is
// behind; a log file that cannot be opened is a warning.
#include <cstdint>
#include <ctime>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace agenthook {

// Most severe first: a level lets through itself and everything before it.
enum class LogLevel { Error, Warn, Info, Debug };
enum class LogFormat { Text, Json };

std::optional<LogLevel> parse_log_level(std::string_view name);
const char* log_level_name(LogLevel level);
std::optional<LogFormat> parse_log_format(std::string_view name);
const char* log_format_name(LogFormat format);

// The policy's "log" object.
struct LogSettings {
    std::string file;  // absolute; empty: no file
    LogFormat format = LogFormat::Text;
    LogLevel level = LogLevel::Info;
};

// One message as the file sink writes it.
struct LogEntry {
    std::string time;  // RFC 3339, UTC
    LogLevel level = LogLevel::Info;
    std::string program;
    long pid = 0;
    std::string stage;
    std::string container;  // empty: not known (yet)
    std::string message;
};

// PURE: the line (newline included) for the log file. JSON: one object
// with time, level, program, pid, stage, container (when known), message.
// Text: "TIME LEVEL PROGRAM[PID] STAGE [CONTAINER: ]MESSAGE", newlines in
// the message escaped so that one message stays one line.
std::string format_log_line(LogFormat format, const LogEntry& entry);

// PURE: RFC 3339 in UTC, "2026-11-30T18:12:40Z"; with milliseconds
// ("…40.123Z") when `millis` is given.
std::string rfc3339_utc(std::time_t seconds, std::optional<int> millis = std::nullopt);

// PURE: the datagram a syslog daemon reads from /dev/log (RFC 3164:
// "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE"); `local` is the local time.
std::string syslog_datagram(int priority, const std::tm& local, const std::string& ident, long pid,
                            const std::string& message);

class Log {
public:
    // `program` prefixes every line ("oci-agent-hook", "oci-agent-runtime");
    // `records`: whether syslog and the log file are used (see above).
    Log(std::ostream& err, std::string stage, bool records, std::string program = "oci-agent-hook");
    ~Log();
    Log(const Log&) = delete;
    Log& operator=(const Log&) = delete;

    // The line error() writes to stderr, without the newline.
    std::string line(const std::string& message) const;
    void error(const std::string& message) const;  // stderr, syslog, file
    void warn(const std::string& message) const;   // stderr, syslog, file
    void info(const std::string& message) const;   // syslog and file only
    void debug(const std::string& message) const;  // syslog and file only, at level debug

    // The container every later syslog and file line is about (a hook
    // stage's state.id; precreate's spec_label).
    void set_container(std::string id);
    // The policy's "log" settings, once the policy is loaded: the level,
    // and the file, opened now (hook mode calls this before it enters its
    // sandbox, which forbids creating files). Called again with the same
    // file it keeps the open one. A file that cannot be opened is a warning.
    void configure(const LogSettings& settings);

private:
    void record(LogLevel level, const std::string& message) const;
    void to_syslog(LogLevel level, const std::string& message) const;

    std::ostream& err_;
    std::string stage_;
    bool records_;
    std::string program_;
    std::string container_;
    LogLevel level_ = LogLevel::Info;
    LogFormat format_ = LogFormat::Text;
    std::string file_;
    int file_fd_ = -1;
    // Connected on the first message; -2: /dev/log could not be reached, not tried again.
    mutable int syslog_fd_ = -1;
};

}  // namespace agenthook
