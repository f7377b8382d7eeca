#pragma once
// The command line: CLI11 definitions only, turned into plain Options so the
// parsing is testable with argv vectors.
#include <optional>
#include <string>
#include <vector>

namespace agenthook {

enum class Command { None, Precreate, Rewrite, CheckConfig, CreateRuntime, Prestart, Poststop, Install, Uninstall, Ps };

struct Options {
    Command command = Command::None;
    std::optional<std::string> config_path;  // --config
    std::string bundle;                      // rewrite --bundle, install --bundle
    bool dry_run = false;                    // rewrite/install/uninstall --dry-run
    std::string engine;                      // install --engine (validated: runc crun podman crio containerd docker)
    std::optional<std::string> config_dir;   // install --config-dir
    std::string runtime_name = "agent";      // install --runtime-name
    bool set_as_default = false;             // install --set-as-default
    std::optional<std::string> hook_path;    // install --hook-path
    std::optional<std::string> check_file;   // check-config [FILE]
    std::optional<std::string> state_dir;    // ps --state-dir (absolute)
    std::string format = "text";             // ps --format: text or json
    bool version = false;
};

struct CliResult {
    Options options;
    int exit_code = -1;  // >= 0: parsing ended the run (help, version, usage error)
    std::string output;  // what to print on stdout (help, version)
    std::string error;   // what to print on stderr (usage errors)
};

CliResult parse_cli(const std::vector<std::string>& args);

// The stage name used in messages ("precreate", "createRuntime", ...).
const char* command_name(Command c);

// project(VERSION) in CMakeLists.txt, the one place the version is written.
inline constexpr const char* kVersion = OCI_AGENT_HOOK_VERSION;

}  // namespace agenthook
