#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <optional>
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
        case Command::Poststop: return "poststop";
        case Command::Ps: return "ps";
        case Command::Install: return "install";
        case Command::Uninstall: return "uninstall";
        case Command::Doctor: return "doctor";
        case Command::Df: return "df";
        case Command::Sweep: return "sweep";
        case Command::None: break;
    }
    return "oci-agent-hook";
}

namespace {

constexpr const char* kSubcommands[] = {"precreate", "rewrite", "check-config", "createRuntime", "prestart", "poststop",
                                        "ps", "sweep", "install", "uninstall", "doctor", "df"};

// The subcommand argv[1] names, when it names one: then only that one is
// defined. Building all twelve with their options costs about as much CPU
// as the rest of a hook's user-space work (issue 11), and a runtime calls
// the hook stages by name first. Anything else (global options first,
// --help, no command, a typo) gets every subcommand, and the same parse.
std::optional<std::string> only_subcommand(const std::vector<std::string>& args) {
    if (args.size() < 2) return std::nullopt;
    for (const char* name : kSubcommands)
        if (args[1] == name) return args[1];
    return std::nullopt;
}

// Whether a subcommand or option that may not be defined was on the command line.
bool given(const CLI::App* sub) { return sub != nullptr && static_cast<bool>(*sub); }
bool given(const CLI::Option* option) { return option != nullptr && static_cast<bool>(*option); }

}  // namespace

CliResult parse_cli(const std::vector<std::string>& args) {
    CliResult result;
    Options& o = result.options;
    const std::optional<std::string> only = only_subcommand(args);
    auto wanted = [&](const char* name) { return !only || *only == name; };

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
        "Exit codes: 0 success, 1 failure (one line on stderr naming step, path and reason), 2 usage;\n"
        "poststop exits 0 even when it fails (a container's removal never waits on its record).\n"
        "\n"
        "Called as oci-agent-runtime (a link to this binary) it is a runtime wrapper for containerd\n"
        "(runc shim BinaryName, ctr --runc-binary) and Docker (daemon.json runtimes): it takes runc's\n"
        "command line, rewrites the bundle's config.json on create and run (registering this hook at\n"
        "createRuntime and poststop), then executes the real runtime ($OCI_AGENT_RUNTIME, else the policy's\n"
        "runtime.path, default /usr/sbin/runc) with the same arguments. CRI pod sandboxes and containers\n"
        "the policy's match.annotations rejects are left alone; errors go to runc's --log file too.");

    // What the subcommands fill in (Options, or these locals checked below).
    std::string check_file, state_dir, config_dir, hook_path, doctor_id;
    uint32_t teardown_uid = 0;
    CLI::Option* uid_option = nullptr;
    int doctor_pid = 0;
    std::string doctor_format = "text", df_format = "text";
    std::vector<int> df_pids;
    std::vector<std::string> df_names;

    CLI::App *precreate = nullptr, *rewrite = nullptr, *check = nullptr, *create_runtime = nullptr,
             *prestart = nullptr, *poststop = nullptr, *ps = nullptr, *sweep = nullptr, *install = nullptr,
             *uninstall = nullptr, *doctor = nullptr, *df = nullptr;
    if (wanted("precreate"))
        precreate = app.add_subcommand(
            "precreate",
            "podman/CRI-O precreate stage: read a config.json on stdin, write the rewritten one on stdout");
    if (wanted("rewrite")) {
        rewrite = app.add_subcommand("rewrite", "rewrite BUNDLE/config.json in place, atomically");
        rewrite->add_option("--bundle,-b", o.bundle, "bundle directory holding config.json")->required();
        rewrite->add_flag("--dry-run", o.dry_run, "print the mounts that would be removed, added or moved, and a seccomp change; write nothing");
    }
    if (wanted("check-config")) {
        check = app.add_subcommand(
            "check-config", "validate a policy file; print the effective policy as JSON (exit 0) or every problem (exit 1)");
        check->add_option("file", check_file, "policy file (default: the one --config selects)");
    }
    if (wanted("createRuntime"))
        create_runtime = app.add_subcommand(
            "createRuntime",
            "OCI hook (runc/crun createRuntime): read the state on stdin, apply the mounts and home inside the\n"
            "live container's mount namespace, verify them, then record them in the bundle's config.json\n"
            "and in <state_dir>/<id>.json (see ps; a record that cannot be written is a warning)");
    if (wanted("prestart")) prestart = app.add_subcommand("prestart", "OCI hook, prestart stage: same as createRuntime");
    if (wanted("poststop"))
        poststop = app.add_subcommand(
            "poststop",
            "OCI hook (poststop): read the state on stdin, remove the stopped container's entries in\n"
            "cleanup.teardown_paths (owned by its host uid, from its record; see sweep --teardown) and its record;\n"
            "a failure is one line on stderr and syslog, and the exit status is 0 all the same (a container's\n"
            "removal never waits on its record)");
    if (wanted("ps")) {
        ps = app.add_subcommand(
            "ps",
            std::string("list the recorded containers that are running, one line each: id, pid, bundle, /tmp size,\n"
                        "age. Hook mode records every container it sets up in <state_dir>/<id>.json (policy\n"
                        "state_dir, default ") +
                kDefaultStateDir + "); records whose process is gone are pruned");
        ps->add_option("--state-dir", state_dir, "the records' directory (default: the policy's state_dir)");
        ps->add_option("--format", o.format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
    }

    if (wanted("sweep")) {
        sweep = app.add_subcommand(
            "sweep",
            "remove stale agent temp files: in each top entry of /tmp matching cleanup.patterns, files whose\n"
            "atime and mtime are both older than cleanup.max_age, then directories left empty; a top entry\n"
            "holding anything (atime or mtime) younger than cleanup.min_age is left alone. Symlinks are\n"
            "removed as links, never followed; other mounts are never entered. Prints one line per target:\n"
            "\"<target>: N entries, B bytes, I inodes freed\" (bytes: st_blocks*512 of the inodes freed)");
        sweep->add_option("--pid", o.sweep_pids, "sweep the /tmp of the container whose process this is (repeatable)")
            ->check(CLI::Range(2, 0x3fffffff));
        sweep->add_option("--path", o.sweep_paths, "sweep this host directory, such as a shared /tmp (repeatable)");
        sweep->add_option("--state-dir", state_dir,
                          "without --pid and --path, every running container recorded here is swept\n"
                          "(default: the policy's state_dir)");
        sweep->add_flag("--dry-run", o.dry_run, "list what would go and the bytes and inodes it would free; remove nothing");
        sweep->add_flag("--teardown", o.teardown,
                        "the poststop teardown: remove the matching entries owned by --uid, whatever their age,\n"
                        "in the --path directories (default: cleanup.teardown_paths)");
        uid_option = sweep->add_option("--uid", teardown_uid, "with --teardown: the container's uid, as the host sees it")
                         ->check(CLI::Range(uint32_t{0}, uint32_t{0xfffffffe}));
    }

    auto install_options = [&](CLI::App* sub) {
        sub->add_option("--engine", o.engine, "runc, crun, podman, crio, containerd or docker")
            ->required()
            ->check(CLI::IsMember({"runc", "crun", "podman", "crio", "containerd", "docker"}));
        sub->add_option("--config-dir", config_dir,
                        "the engine's configuration directory (default: /etc/docker for daemon.json,\n"
                        "/etc/containerd for config.toml, /etc/containers/oci/hooks.d for podman and crio)");
        sub->add_option("--bundle", o.bundle, "runc/crun only (required there): the bundle whose config.json gets the hook");
        sub->add_option("--runtime-name", o.runtime_name, "containerd runtime handler / Docker runtime name (default: agent)");
        sub->add_flag("--set-as-default", o.set_as_default,
                      "containerd default_runtime_name / Docker default-runtime becomes this runtime");
        sub->add_option("--hook-path", hook_path,
                        "absolute path of oci-agent-hook to register (default: this binary);\n"
                        "the wrapper is oci-agent-runtime in the same directory");
        sub->add_flag("--dry-run", o.dry_run, "print the exact change; write nothing");
    };
    if (wanted("install")) {
        install = app.add_subcommand(
            "install",
            "register the hook with an engine, idempotently: podman/crio hooks.d files, a containerd runtime\n"
            "handler, a Docker runtime, or the createRuntime and poststop entries of a runc/crun bundle;\n"
            "then verify the binaries, the policy and the engine's config, and say what to restart");
        install_options(install);
    }
    if (wanted("uninstall")) {
        uninstall = app.add_subcommand("uninstall", "remove exactly what install added (same options as install)");
        install_options(uninstall);
    }

    if (wanted("doctor")) {
        doctor = app.add_subcommand(
            "doctor",
            "check a running container against the policy, never silently: one line per probe,\n"
            "PASS name (observed) or FAIL name: reason (observed); WARN for a /tmp 80-95% full.\n"
            "Probes: tmp_is_tmpfs tmp_noexec tmp_nosuid tmp_nodev tmp_mode_1777 tmp_size (observed vs policy)\n"
            "tmp_usage (warn 80%, fail 95%, bytes and inodes) exclude_<path>_exec_1777 (each policy exclude\n"
            "path) agent_home_exists agent_home_owner (home.uid mapped through the container's uid_map)\n"
            "agent_home_writable (a file created and removed as the agent, from inside the container's\n"
            "namespaces) mount_lockdown (the container's real seccomp filter denies the mount syscalls).\n"
            "Paths are resolved inside the container's mount namespace, never following a symlink.\n"
            "Exit 0 when every probe passes, 1 otherwise (a warning too).");
        auto* doctor_by_pid =
            doctor->add_option("--pid", doctor_pid, "the container's process (host pid), e.g. from runc state")
                ->check(CLI::PositiveNumber);
        doctor->add_option("--id", doctor_id, "the container hook mode recorded under this id (see ps)")
            ->excludes(doctor_by_pid);
        doctor->add_option("--state-dir", state_dir, "the records' directory for --id (default: the policy's state_dir)");
        doctor->add_option("--format", doctor_format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
    }

    if (wanted("df")) {
        df = app.add_subcommand(
            "df",
            "/tmp and excluded-path use of running containers, one line each, most used first:\n"
            "LABEL /tmp size=BYTES used=BYTES (P%) inodes=USED/TOTAL (Q%), then the same per excluded path.\n"
            "Exit 1 when a container could not be observed (its line says why).");
        df->add_option("--pid", df_pids,
                       "a container's process (host pid); repeat for more containers\n"
                       "(default: every running container hook mode recorded, labelled by id)")
            ->check(CLI::PositiveNumber);
        df->add_option("--state-dir", state_dir, "the records' directory (default: the policy's state_dir)");
        df->add_option("--name", df_names, "the label of the --pid at the same position (default: the pid)");
        df->add_option("--format", df_format,
                       "text (default) or prometheus: node_exporter textfile metrics\n"
                       "oci_agent_hook_tmp_{size_bytes,used_bytes,inodes_used,inodes_total}{container,mountpoint}")
            ->check(CLI::IsMember({"text", "prometheus"}));
    }

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
    if (given(precreate)) o.command = Command::Precreate;
    else if (given(rewrite)) o.command = Command::Rewrite;
    else if (given(check)) {
        o.command = Command::CheckConfig;
        if (!check_file.empty()) o.check_file = check_file;
    } else if (given(create_runtime)) o.command = Command::CreateRuntime;
    else if (given(prestart)) o.command = Command::Prestart;
    else if (given(poststop)) o.command = Command::Poststop;
    else if (given(ps)) o.command = Command::Ps;
    else if (given(sweep)) {
        o.command = Command::Sweep;
        if (given(uid_option)) o.teardown_uid = teardown_uid;
        std::string problem;
        if (o.teardown && !o.teardown_uid) problem = "--teardown needs --uid";
        else if (!o.teardown && o.teardown_uid) problem = "--uid is only for --teardown";
        else if (o.teardown && !o.sweep_pids.empty()) problem = "--teardown is for host directories (--path), not --pid";
        for (const auto& path : o.sweep_paths)
            if (problem.empty() && (path.empty() || path[0] != '/')) problem = "--path must be absolute: " + path;
        if (!problem.empty()) {
            result.exit_code = 2;
            result.error = std::string("oci-agent-hook: sweep: ") + problem + "\n";
        }
    }
    else if (given(install) || given(uninstall)) {
        o.command = given(install) ? Command::Install : Command::Uninstall;
        if (!config_dir.empty()) o.config_dir = config_dir;
        if (!hook_path.empty()) o.hook_path = hook_path;
        const bool bundle_engine = o.engine == "runc" || o.engine == "crun";
        std::string problem;
        if (bundle_engine && o.bundle.empty()) problem = "--bundle is required for --engine " + o.engine;
        else if (!bundle_engine && !o.bundle.empty()) problem = "--bundle is only for --engine runc or crun";
        else if (bundle_engine && o.config_dir) problem = "--config-dir is not for --engine " + o.engine + " (use --bundle)";
        else if (o.runtime_name.empty() || o.runtime_name.find_first_of(". \t\"'") != std::string::npos)
            problem = "--runtime-name must be non-empty, without dots, spaces or quotes";
        else if (o.hook_path && (*o.hook_path)[0] != '/') problem = "--hook-path must be absolute";
        if (!problem.empty()) {
            result.exit_code = 2;
            result.error = std::string("oci-agent-hook: ") + command_name(o.command) + ": " + problem + "\n";
        }
    }
    else if (given(doctor)) {
        o.command = Command::Doctor;
        if (!doctor_id.empty()) o.targets.push_back({doctor_id, 0, doctor_id});
        else if (doctor_pid > 0) o.targets.push_back({std::to_string(doctor_pid), doctor_pid, std::nullopt});
        else {
            result.exit_code = 2;
            result.error = "oci-agent-hook: doctor: --pid or --id is required\n";
        }
        o.format = doctor_format;
    } else if (given(df)) {
        o.command = Command::Df;
        o.format = df_format;
        if (df_names.size() > df_pids.size()) {
            result.exit_code = 2;
            result.error = "oci-agent-hook: df: more --name than --pid options\n";
        }
        for (std::size_t i = 0; i < df_pids.size(); ++i)
            o.targets.push_back({i < df_names.size() ? df_names[i] : std::to_string(df_pids[i]), df_pids[i], std::nullopt});
    }
    else {
        result.output = app.help();
        result.exit_code = 2;
        result.error = "oci-agent-hook: a command is required (see --help)\n";
    }
    if (!state_dir.empty() && result.exit_code < 0) {
        if (state_dir[0] != '/') {
            result.exit_code = 2;
            result.error = std::string("oci-agent-hook: ") + command_name(o.command) + ": --state-dir must be absolute\n";
        }
        o.state_dir = state_dir;
    }
    return result;
}

}  // namespace agenthook
