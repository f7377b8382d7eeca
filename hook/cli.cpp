#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <sstream>

#include "policy.hpp"

namespace agenthook {

const char* command_name(Command c) {
    switch (c) {
        case Command::Precreate: return "precreate";
        case Command::Rewrite: return "rewrite";
        case Command::CheckConfig: return "check-config";
        case Command::CreateRuntime: return "createRuntime";
        case Command::Prestart: return "prestart";
        case Command::None: break;
    }
    return "oci-agent-hook";
}

CliResult parse_cli(const std::vector<std::string>& args) {
    CliResult result;
    Options& o = result.options;

    CLI::App app{
        "oci-agent-hook: makes the filesystem contract of AI-agent containers hold on every start:\n"
        "/tmp a bounded noexec,nosuid,nodev tmpfs (mode 1777), excluded paths exec tmpfs (mode 1777),\n"
        "the agent's home directory present and owned by the agent user, and config.json recording it.",
        "oci-agent-hook"};
    app.require_subcommand(0, 1);
    app.fallthrough();  // --config may follow the command, as hook entries often write it
    app.set_version_flag("--version", std::string("oci-agent-hook ") + kVersion);
    std::string config;
    app.add_option("--config", config,
                   std::string("policy file (default: $OCI_AGENT_HOOK_CONFIG, then ") + kDefaultPolicyPath +
                       "; a missing default file means built-in defaults)");
    app.footer(
        "Environment: AGENT_TMP_SIZE overrides the policy's tmp.size (the annotation\n"
        "oci-agent-hook/tmp-size overrides both when annotations.allow_overrides).\n"
        "Exit codes: 0 success, 1 failure (one line on stderr naming step, path and reason), 2 usage.\n"
        "\n"
        "Called as oci-agent-runtime (a link to this binary) it is a runtime wrapper for containerd\n"
        "(runc shim BinaryName, ctr --runc-binary) and Docker (daemon.json runtimes): it takes runc's\n"
        "command line, rewrites the bundle's config.json on create and run (registering this hook at\n"
        "createRuntime), then executes the real runtime ($OCI_AGENT_RUNTIME, else the policy's\n"
        "runtime.path, default /usr/sbin/runc) with the same arguments. CRI pod sandboxes and containers\n"
        "the policy's match.annotations rejects are left alone; errors go to runc's --log file too.");

    auto* precreate = app.add_subcommand(
        "precreate",
        "podman/CRI-O precreate stage: read a config.json on stdin, write the rewritten one on stdout");
    auto* rewrite = app.add_subcommand("rewrite", "rewrite BUNDLE/config.json in place, atomically");
    rewrite->add_option("--bundle,-b", o.bundle, "bundle directory holding config.json")->required();
    rewrite->add_flag("--dry-run", o.dry_run, "print the mounts that would be removed, added or moved; write nothing");
    auto* check = app.add_subcommand(
        "check-config", "validate a policy file; print the effective policy as JSON (exit 0) or every problem (exit 1)");
    std::string check_file;
    check->add_option("file", check_file, "policy file (default: the one --config selects)");
    auto* create_runtime = app.add_subcommand(
        "createRuntime",
        "OCI hook (runc/crun createRuntime): read the state on stdin, apply the mounts and home inside the\n"
        "live container's mount namespace, verify them, then record them in the bundle's config.json");
    auto* prestart = app.add_subcommand("prestart", "OCI hook, prestart stage: same as createRuntime");

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    if (!reversed.empty()) reversed.pop_back();  // argv[0]
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        std::ostringstream out, err;
        result.exit_code = app.exit(e, out, err) == 0 ? 0 : 2;
        result.output = out.str();
        result.error = err.str();
        return result;
    }

    if (!config.empty()) o.config_path = config;
    if (*precreate) o.command = Command::Precreate;
    else if (*rewrite) o.command = Command::Rewrite;
    else if (*check) {
        o.command = Command::CheckConfig;
        if (!check_file.empty()) o.check_file = check_file;
    } else if (*create_runtime) o.command = Command::CreateRuntime;
    else if (*prestart) o.command = Command::Prestart;
    else {
        result.output = app.help();
        result.exit_code = 2;
        result.error = "oci-agent-hook: a command is required (see --help)\n";
    }
    return result;
}

}  // namespace agenthook
