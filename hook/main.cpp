// Thin main: capture the environment, parse argv, dispatch, report the one
// error line. Everything else lives in the library.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "commands/command.hpp"
#include "error.hpp"
#include "log.hpp"
#include "runtime_args.hpp"

using namespace agenthook;

namespace {

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
}

bool is_hook_stage(Command c) {
    return c == Command::CreateRuntime || c == Command::Prestart || c == Command::Poststop;
}

// This binary's own path, for the createRuntime entry spec writers add.
std::string self_path() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf);
    return n > 0 && static_cast<size_t>(n) < sizeof buf ? std::string(buf, static_cast<size_t>(n)) : "";
}

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv, argv + argc);
    Environment environment{env("OCI_AGENT_HOOK_CONFIG"), env("AGENT_TMP_SIZE"), env("OCI_AGENT_RUNTIME"), self_path()};

    // The runtime wrapper: the same binary called as oci-agent-runtime takes
    // runc's command line, not ours. It keeps its environment (runc needs
    // it) and is never sandboxed (see hook/sandbox.hpp): it execs runc.
    if (!args.empty() && base_name(args[0]) == "oci-agent-runtime") {
        RuntimeCall call = parse_runtime_call({args.begin() + 1, args.end()});
        Log log(std::cerr, call.command.empty() ? "runtime" : call.command, true, "oci-agent-runtime");
        Context ctx{Options{}, environment, std::cout, std::cerr, log};
        try {
            return run_runtime_wrapper(ctx, args);
        } catch (const std::exception& e) {
            log.error(std::string("internal error: ") + e.what());
            return 1;
        }
    }

    CliResult cli = parse_cli(args);
    if (cli.exit_code >= 0) {
        std::cout << cli.output;
        std::cerr << cli.error;
        return cli.exit_code;
    }
    const Options& options = cli.options;

    const bool hook = is_hook_stage(options.command);
    // The commands nobody watches log to syslog and the policy's log file
    // too (hook/log.hpp): the stages a runtime runs, and sweep (a timer).
    const bool records = hook || options.command == Command::Precreate || options.command == Command::Sweep;
    Log log(std::cerr, command_name(options.command), records);
    if (hook || options.command == Command::Precreate) {
        // Inherit no environment from the runtime (a hook entry without
        // "env" gets the runtime's, and an engine may pass the container's
        // on): the values the hook reads are in `environment` already, and
        // nothing later calls getenv. glibc still would (TZ for syslog's
        // timestamps, say), and a child would inherit the rest.
        ::clearenv();
    }
    if (hook) {
        // No working directory inside the rootfs.
        ::umask(022);  // directories the hook creates get exactly 0755
        if (::chdir("/") != 0) {
            log.error(sys_error("chdir", "/", errno).line());
            return options.command == Command::Poststop ? 0 : 1;  // see run_poststop
        }
    }
    Context ctx{options, environment, std::cout, std::cerr, log};
    try {
        switch (options.command) {
            case Command::Precreate: return run_precreate(ctx);
            case Command::Rewrite: return run_rewrite(ctx);
            case Command::CheckConfig: return run_check_config(ctx);
            case Command::CreateRuntime:
            case Command::Prestart: return run_hook(ctx);
            case Command::Poststop: return run_poststop(ctx);
            case Command::Ps: return run_ps(ctx);
            case Command::Install:
            case Command::Uninstall: return run_install(ctx);
            case Command::Doctor: return run_doctor(ctx);
            case Command::Df: return run_df(ctx);
            case Command::Sweep: return run_sweep(ctx);
            case Command::None: break;
        }
    } catch (const HookError& e) {
        log.error(e.line());
        return 1;
    } catch (const std::exception& e) {
        log.error(std::string("internal error: ") + e.what());
        return 1;
    }
    return 2;
}
