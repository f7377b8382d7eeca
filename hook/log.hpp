#pragma once
// Messages go to stderr, one line each, prefixed with the program and stage.
// In hook mode they also go to syslog: crun and podman hide a hook's stderr,
// so syslog is the trace an operator can still find.
#include <ostream>
#include <string>

namespace agenthook {

class Log {
public:
    // `program` prefixes every line ("oci-agent-hook", "oci-agent-runtime").
    Log(std::ostream& err, std::string stage, bool to_syslog, std::string program = "oci-agent-hook");
    // The line error() writes, without the newline.
    std::string line(const std::string& message) const;
    void warn(const std::string& message) const;
    void error(const std::string& message) const;
    void info(const std::string& message) const;  // syslog only: start-path details

private:
    std::ostream& err_;
    std::string stage_;
    bool to_syslog_;
    std::string program_;
};

}  // namespace agenthook
