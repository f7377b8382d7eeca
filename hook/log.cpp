#include "log.hpp"

#include <syslog.h>

namespace agenthook {

Log::Log(std::ostream& err, std::string stage, bool to_syslog, std::string program)
    : err_(err), stage_(std::move(stage)), to_syslog_(to_syslog), program_(std::move(program)) {
    // The ident must outlive every syslog() call: program_ does.
    if (to_syslog_) ::openlog(program_.c_str(), LOG_PID, LOG_DAEMON);
}

std::string Log::line(const std::string& message) const { return program_ + ": " + stage_ + ": " + message; }

void Log::warn(const std::string& message) const {
    err_ << program_ << ": " << stage_ << ": warning: " << message << "\n";
    if (to_syslog_) ::syslog(LOG_WARNING, "%s: warning: %s", stage_.c_str(), message.c_str());
}

void Log::error(const std::string& message) const {
    err_ << line(message) << "\n";
    err_.flush();
    if (to_syslog_) ::syslog(LOG_ERR, "%s: %s", stage_.c_str(), message.c_str());
}

void Log::info(const std::string& message) const {
    if (to_syslog_) ::syslog(LOG_INFO, "%s: %s", stage_.c_str(), message.c_str());
}

}  // namespace agenthook
