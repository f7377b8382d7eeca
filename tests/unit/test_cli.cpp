#include <doctest/doctest.h>

#include "hook/cli.hpp"

using namespace agenthook;

TEST_CASE("commands and options") {
    auto r = parse_cli({"oci-agent-hook", "rewrite", "--bundle", "/b", "--dry-run"});
    CHECK(r.exit_code == -1);
    CHECK(r.options.command == Command::Rewrite);
    CHECK(r.options.bundle == "/b");
    CHECK(r.options.dry_run);

    r = parse_cli({"oci-agent-hook", "--config", "/p.json", "createRuntime"});
    CHECK(r.options.command == Command::CreateRuntime);
    CHECK(r.options.config_path == "/p.json");

    r = parse_cli({"oci-agent-hook", "prestart", "--config", "/p.json"});
    CHECK(r.options.command == Command::Prestart);
    CHECK(r.options.config_path == "/p.json");

    r = parse_cli({"oci-agent-hook", "check-config", "/x.json"});
    CHECK(r.options.command == Command::CheckConfig);
    CHECK(r.options.check_file == "/x.json");

    r = parse_cli({"oci-agent-hook", "precreate"});
    CHECK(r.options.command == Command::Precreate);
    CHECK_FALSE(r.options.config_path.has_value());
}

TEST_CASE("usage errors, help and version end the run") {
    auto r = parse_cli({"oci-agent-hook"});
    CHECK(r.exit_code == 2);
    r = parse_cli({"oci-agent-hook", "rewrite"});
    CHECK(r.exit_code == 2);
    CHECK(r.error.find("--bundle") != std::string::npos);
    r = parse_cli({"oci-agent-hook", "frobnicate"});
    CHECK(r.exit_code == 2);
    r = parse_cli({"oci-agent-hook", "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("createRuntime") != std::string::npos);
    CHECK(r.output.find("AGENT_TMP_SIZE") != std::string::npos);
    r = parse_cli({"oci-agent-hook", "--version"});
    CHECK(r.exit_code == 0);
    CHECK(r.output.find(kVersion) != std::string::npos);
}

TEST_CASE("poststop and ps") {
    auto r = parse_cli({"oci-agent-hook", "--config", "/p.json", "poststop"});
    CHECK(r.exit_code == -1);
    CHECK(r.options.command == Command::Poststop);
    CHECK(r.options.config_path == "/p.json");

    r = parse_cli({"oci-agent-hook", "ps"});
    CHECK(r.exit_code == -1);
    CHECK(r.options.command == Command::Ps);
    CHECK(r.options.format == "text");
    CHECK_FALSE(r.options.state_dir);

    r = parse_cli({"oci-agent-hook", "ps", "--state-dir", "/srv/state", "--format", "json"});
    CHECK(r.exit_code == -1);
    CHECK(r.options.state_dir == "/srv/state");
    CHECK(r.options.format == "json");

    r = parse_cli({"oci-agent-hook", "ps", "--format", "yaml"});
    CHECK(r.exit_code == 2);
    r = parse_cli({"oci-agent-hook", "ps", "--state-dir", "relative"});
    CHECK(r.exit_code == 2);
    CHECK(r.error == "oci-agent-hook: ps: --state-dir must be absolute\n");
}

TEST_CASE("doctor and df: pids, labels, formats") {
    auto r = parse_cli({"oci-agent-hook", "doctor", "--pid", "42"});
    REQUIRE(r.exit_code == -1);
    CHECK(r.options.command == Command::Doctor);
    REQUIRE(r.options.targets.size() == 1);
    CHECK(r.options.targets[0].pid == 42);
    CHECK(r.options.targets[0].label == "42");
    CHECK(r.options.format == "text");
    r = parse_cli({"oci-agent-hook", "doctor", "--pid", "42", "--format", "json", "--config", "/p.json"});
    CHECK(r.options.format == "json");
    CHECK(r.options.config_path == "/p.json");
    CHECK(parse_cli({"oci-agent-hook", "doctor"}).exit_code == 2);
    CHECK(parse_cli({"oci-agent-hook", "doctor", "--pid", "0"}).exit_code == 2);
    CHECK(parse_cli({"oci-agent-hook", "doctor", "--pid", "x"}).exit_code == 2);
    CHECK(parse_cli({"oci-agent-hook", "doctor", "--pid", "4", "--format", "prometheus"}).exit_code == 2);

    r = parse_cli({"oci-agent-hook", "df", "--pid", "7", "--name", "web", "--pid", "8", "--format", "prometheus"});
    REQUIRE(r.exit_code == -1);
    CHECK(r.options.command == Command::Df);
    REQUIRE(r.options.targets.size() == 2);
    CHECK(r.options.targets[0].label == "web");
    CHECK(r.options.targets[0].pid == 7);
    CHECK(r.options.targets[1].label == "8");
    CHECK(r.options.format == "prometheus");
    CHECK(parse_cli({"oci-agent-hook", "df", "--pid", "7", "--name", "a", "--name", "b"}).exit_code == 2);
    CHECK(parse_cli({"oci-agent-hook", "df", "--pid", "7", "--format", "json"}).exit_code == 2);
    r = parse_cli({"oci-agent-hook", "df", "--state-dir", "/srv/state"});
    REQUIRE(r.exit_code == -1);
    CHECK(r.options.targets.empty());  // every recorded container
    CHECK(r.options.state_dir == "/srv/state");
    CHECK(parse_cli({"oci-agent-hook", "df", "--state-dir", "rel"}).error == "oci-agent-hook: df: --state-dir must be absolute\n");

    r = parse_cli({"oci-agent-hook", "doctor", "--id", "web-1"});
    REQUIRE(r.exit_code == -1);
    REQUIRE(r.options.targets.size() == 1);
    CHECK(r.options.targets[0].record_id == "web-1");
    CHECK(r.options.targets[0].label == "web-1");
    CHECK(parse_cli({"oci-agent-hook", "doctor", "--id", "a", "--pid", "3"}).exit_code == 2);
    CHECK(parse_cli({"oci-agent-hook", "doctor"}).error == "oci-agent-hook: doctor: --pid or --id is required\n");
}

// parse_cli defines only the subcommand argv[1] names (the start-path
// saving); every command must parse the same whether it comes first or
// after a global option, which defines them all.
TEST_CASE("a command first parses as it does after a global option") {
    const std::vector<std::vector<std::string>> commands = {
        {"createRuntime"}, {"prestart"}, {"poststop"}, {"precreate"},
        {"rewrite", "--bundle", "/b", "--dry-run"}, {"check-config", "/x.json"},
        {"ps", "--format", "json", "--state-dir", "/s"}, {"sweep", "--path", "/t", "--dry-run"},
        {"sweep", "--teardown", "--uid", "1000", "--path", "/t"},
        {"install", "--engine", "podman", "--dry-run"}, {"uninstall", "--engine", "docker", "--runtime-name", "x"},
        {"doctor", "--id", "c1", "--format", "json"}, {"df", "--pid", "7", "--name", "a"},
        // usage errors too
        {"rewrite"}, {"createRuntime", "--bogus"}, {"ps", "--state-dir", "rel"}, {"sweep", "--uid", "5"},
        {"doctor"}, {"install", "--engine", "runc"}, {"df", "--format", "xml"},
    };
    for (const auto& command : commands) {
        std::vector<std::string> first = {"oci-agent-hook"}, after = {"oci-agent-hook", "--config", "/p.json"};
        first.insert(first.end(), command.begin(), command.end());
        after.insert(after.end(), command.begin(), command.end());
        first.insert(first.end(), {"--config", "/p.json"});
        CAPTURE(first);
        const auto a = parse_cli(first), b = parse_cli(after);
        CHECK(a.exit_code == b.exit_code);
        CHECK((a.exit_code == -1 || !a.error.empty()));
        CHECK(a.options.command == b.options.command);
        CHECK(a.options.config_path == b.options.config_path);
        CHECK(a.options.bundle == b.options.bundle);
        CHECK(a.options.dry_run == b.options.dry_run);
        CHECK(a.options.engine == b.options.engine);
        CHECK(a.options.runtime_name == b.options.runtime_name);
        CHECK(a.options.check_file == b.options.check_file);
        CHECK(a.options.state_dir == b.options.state_dir);
        CHECK(a.options.format == b.options.format);
        CHECK(a.options.sweep_paths == b.options.sweep_paths);
        CHECK(a.options.teardown == b.options.teardown);
        CHECK(a.options.teardown_uid == b.options.teardown_uid);
        CHECK(a.options.targets.size() == b.options.targets.size());
    }
    // The subcommand's own help is still whole.
    auto help = parse_cli({"oci-agent-hook", "doctor", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.output.find("--format") != std::string::npos);
}
