#include "log.hpp"

#include <syslog.h>

namespace agenthook {

Log::Log(std::ostream& err, std::string stage, bool to_syslog)
    : err_(err), stage_(std::move(stage)), to_syslog_(to_syslog) {
    if (to_syslog_) ::openlog("oci-agent-hook", LOG_PID, LOG_DAEMON);
}

void Log::warn(const std::string& message) const {
    err_ << "oci-agent-hook: " << stage_ << ": warning: " << message << "\n";
    if (to_syslog_) ::syslog(LOG_WARNING, "%s: warning: %s", stage_.c_str(), message.c_str());
}

void Log::error(const std::string& message) const {
    err_ << "oci-agent-hook: " << stage_ << ": " << message << "\n";
    err_.flush();
    if (to_syslog_) ::syslog(LOG_ERR, "%s: %s", stage_.c_str(), message.c_str());
}

void Log::info(const std::string& message) const {
    if (to_syslog_) ::syslog(LOG_INFO, "%s: %s", stage_.c_str(), message.c_str());
}

}  // namespace agenthook
