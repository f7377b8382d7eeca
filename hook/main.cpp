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

using namespace agenthook;

namespace {

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
}

bool is_hook_stage(Command c) { return c == Command::CreateRuntime || c == Command::Prestart; }

}  // namespace

int main(int argc, char** argv) {
    CliResult cli = parse_cli(std::vector<std::string>(argv, argv + argc));
    if (cli.exit_code >= 0) {
        std::cout << cli.output;
        std::cerr << cli.error;
        return cli.exit_code;
    }
    const Options& options = cli.options;
    Environment environment{env("OCI_AGENT_HOOK_CONFIG"), env("AGENT_TMP_SIZE")};

    const bool hook = is_hook_stage(options.command);
    Log log(std::cerr, command_name(options.command), hook);
    if (hook) {
        // Inherit nothing from the runtime or the container: no environment,
        // no working directory inside the rootfs.
        ::clearenv();
        ::umask(022);  // directories the hook creates get exactly 0755
        if (::chdir("/") != 0) {
            log.error(sys_error("chdir", "/", errno).line());
            return 1;
        }
    }
    Context ctx{options, environment, std::cin, std::cout, std::cerr, log};
    try {
        switch (options.command) {
            case Command::Precreate: return run_precreate(ctx);
            case Command::Rewrite: return run_rewrite(ctx);
            case Command::CheckConfig: return run_check_config(ctx);
            case Command::CreateRuntime:
            case Command::Prestart: return run_hook(ctx);
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
