#include "runtime_args.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "../oci/json.hpp"

namespace agenthook {

namespace {

// Global options of runc and crun that take a value.
constexpr std::array<std::string_view, 6> kValued = {"log", "log-format", "root", "criu", "rootless",
                                                      "cgroup-manager"};

// Options of create and run (runc and crun) that take a value, besides --bundle.
constexpr std::array<std::string_view, 5> kCreateValued = {"console-socket", "pid-file", "preserve-fds", "config", "f"};

// "--log=x" -> {"log", "x"}; "-b" -> {"b", nullopt}; "x" -> nullopt (not an option).
struct Opt {
    std::string name;
    std::optional<std::string> value;
};
std::optional<Opt> as_option(const std::string& arg) {
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") return std::nullopt;
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    auto eq = body.find('=');
    if (eq == std::string::npos) return Opt{body, std::nullopt};
    return Opt{body.substr(0, eq), body.substr(eq + 1)};
}

}  // namespace

RuntimeCall parse_runtime_call(const std::vector<std::string>& args) {
    RuntimeCall call;
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        auto opt = as_option(args[i]);
        if (!opt) break;  // the command
        bool valued = std::find(kValued.begin(), kValued.end(), opt->name) != kValued.end();
        std::optional<std::string> value = opt->value;
        if (valued && !value && i + 1 < args.size()) value = args[++i];
        if (opt->name == "log") call.log_file = value;
        if (opt->name == "log-format" && value) call.log_format = *value;
    }
    if (i >= args.size()) return call;
    call.command = args[i];
    if (!call.creates()) return call;
    for (++i; i < args.size(); ++i) {
        auto opt = as_option(args[i]);
        if (!opt) {
            call.id = args[i];  // the only positional argument of create and run
            continue;
        }
        const bool bundle = opt->name == "bundle" || opt->name == "b";
        const bool valued = bundle || std::find(kCreateValued.begin(), kCreateValued.end(), opt->name) != kCreateValued.end();
        std::optional<std::string> value = opt->value;
        if (valued && !value && i + 1 < args.size()) value = args[++i];
        if (bundle && value) call.bundle = value;
    }
    return call;
}

std::string runtime_log_line(const std::string& format, const std::string& message, const std::string& time) {
    if (format == "json") return oci::Json{{"level", "error"}, {"msg", message}, {"time", time}}.dump() + "\n";
    return "time=" + oci::Json(time).dump() + " level=error msg=" + oci::Json(message).dump() + "\n";
}

}  // namespace agenthook
