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
