#pragma once
// PURE: a runc (or crun) command line as oci-agent-runtime needs to read it,
// without changing it: the command, the bundle of create/run, and the log
// file the caller reads errors from.
//   runc [global options] COMMAND [command options] ID
// Options may be written -x, --x, -x=V, --x=V (runc's and crun's parsers
// accept them all).
#include <optional>
#include <string>
#include <vector>

namespace agenthook {

struct RuntimeCall {
    std::string command;                  // "create", "run", "state", ...; "" when there is none
    std::optional<std::string> bundle;    // create/run --bundle/-b; nullopt: the working directory
    std::optional<std::string> log_file;  // global --log
    std::string log_format = "text";      // global --log-format
    std::optional<std::string> id;        // create/run: the container id (the positional argument)
    bool creates() const { return command == "create" || command == "run"; }
};

// `args` is argv without argv[0].
RuntimeCall parse_runtime_call(const std::vector<std::string>& args);

// The line runc itself would write to its --log file for an error, in
// `format` ("json": {"level":"error","msg":...,"time":...}; else logfmt).
// `time` is RFC 3339.
std::string runtime_log_line(const std::string& format, const std::string& message, const std::string& time);

}  // namespace agenthook
