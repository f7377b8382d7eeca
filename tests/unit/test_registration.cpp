#include <doctest/doctest.h>

#include "hook/registration.hpp"
#include "hook/runtime_args.hpp"

using namespace agenthook;
using oci::Json;

TEST_CASE("self_hook_entry passes the explicit policy and AGENT_TMP_SIZE on") {
    HookEntry plain = self_hook_entry("/usr/bin/oci-agent-hook", std::nullopt, std::nullopt);
    CHECK(plain.to_json() == Json::parse(R"({"path":"/usr/bin/oci-agent-hook","args":["oci-agent-hook","createRuntime"],"env":[]})"));
    HookEntry full = self_hook_entry("/opt/oah", std::string("/etc/p.json"), std::string("1g"));
    CHECK(full.args == std::vector<std::string>{"oci-agent-hook", "--config", "/etc/p.json", "createRuntime"});
    CHECK(full.env == std::vector<std::string>{"AGENT_TMP_SIZE=1g"});
}

TEST_CASE("register_hook adds the entry once, after what is there") {
    HookEntry e = self_hook_entry("/opt/oah", std::nullopt, std::nullopt);
    bool changed = false;
    Json once = register_hook(Json::parse(R"({"hooks":{"prestart":[{"path":"/x"}]}})"), e, &changed);
    CHECK(changed);
    CHECK(once["hooks"]["createRuntime"].size() == 1);
    CHECK(once["hooks"]["prestart"].size() == 1);
    Json twice = register_hook(once, e, &changed);
    CHECK_FALSE(changed);
    CHECK(twice == once);

    Json other = Json::parse(R"({"hooks":{"createRuntime":[{"path":"/usr/libexec/nvidia-hook","args":["x","createRuntime"]}]}})");
    Json added = register_hook(other, e, &changed);
    CHECK(changed);
    CHECK(added["hooks"]["createRuntime"].size() == 2);
    CHECK(added["hooks"]["createRuntime"][0]["path"] == "/usr/libexec/nvidia-hook");  // order kept

    CHECK(register_hook(Json::object(), e)["hooks"]["createRuntime"][0]["path"] == "/opt/oah");
}

TEST_CASE("registered: a hooks.d entry for the installed binary counts; other stages do not") {
    HookEntry e = self_hook_entry("/work/build/oci-agent-hook", std::nullopt, std::nullopt);
    CHECK(registered(Json::parse(R"({"hooks":{"createRuntime":[{"path":"/usr/bin/oci-agent-hook",
        "args":["oci-agent-hook","--config","/p","createRuntime"]}]}})"), e));
    CHECK_FALSE(registered(Json::parse(R"({"hooks":{"createRuntime":[{"path":"/usr/bin/oci-agent-hook",
        "args":["oci-agent-hook","precreate"]}]}})"), e));
    CHECK_FALSE(registered(Json::parse(R"({"hooks":{"prestart":[{"path":"/work/build/oci-agent-hook",
        "args":["oci-agent-hook","createRuntime"]}]}})"), e));
    CHECK_FALSE(registered(Json::parse(R"({"hooks":{"createRuntime":[{"path":"/usr/bin/not-oci-agent-hook",
        "args":["x","createRuntime"]}]}})"), e));
    CHECK_FALSE(registered(Json::parse(R"({"hooks":{"createRuntime":[{"path":"/work/build/oci-agent-hook"}]}})"), e));
    CHECK_FALSE(registered(Json::object(), e));
}

TEST_CASE("parse_runtime_call: runc and crun command lines as containerd and Docker write them") {
    RuntimeCall shim = parse_runtime_call({"--root", "/run/containerd/runc/default", "--log", "/b/log.json",
                                           "--log-format", "json", "create", "--bundle", "/b", "--pid-file",
                                           "/b/init.pid", "id"});
    CHECK(shim.command == "create");
    CHECK(shim.creates());
    CHECK(shim.bundle == "/b");
    CHECK(shim.log_file == "/b/log.json");
    CHECK(shim.log_format == "json");
    CHECK(shim.id == "id");

    RuntimeCall eq = parse_runtime_call({"--log=/l", "--log-format=json", "--systemd-cgroup", "run", "--bundle=/b2", "id"});
    CHECK(eq.command == "run");
    CHECK(eq.bundle == "/b2");
    CHECK(eq.log_file == "/l");

    CHECK(parse_runtime_call({"create", "-b", "/b3", "id"}).bundle == "/b3");
    CHECK(parse_runtime_call({"create", "-b=/b4", "id"}).bundle == "/b4");
    CHECK(parse_runtime_call({"create", "-bundle", "/b5", "id"}).bundle == "/b5");
    CHECK_FALSE(parse_runtime_call({"create", "id"}).bundle.has_value());  // the working directory
    // The container id is the positional argument, wherever the options' values are.
    CHECK(parse_runtime_call({"create", "--console-socket", "/s.sock", "--bundle", "/b", "--pid-file", "/p", "abc"}).id == "abc");
    CHECK(parse_runtime_call({"run", "abc", "-b", "/b", "--pid-file=/p", "--detach"}).id == "abc");
    CHECK(parse_runtime_call({"create", "--preserve-fds", "3", "-f", "/c.json", "abc"}).id == "abc");
    CHECK_FALSE(parse_runtime_call({"create", "--bundle", "/b"}).id.has_value());
    CHECK_FALSE(parse_runtime_call({"delete", "abc"}).id.has_value());  // only create and run are read

    RuntimeCall state = parse_runtime_call({"--root", "/r", "state", "--bundle", "/not-read", "id"});
    CHECK(state.command == "state");
    CHECK_FALSE(state.creates());
    CHECK_FALSE(state.bundle.has_value());  // only create and run are read
    CHECK(parse_runtime_call({"--debug", "--cgroup-manager", "disabled", "create", "x"}).command == "create");
    CHECK(parse_runtime_call({"--version"}).command.empty());
    CHECK(parse_runtime_call({}).command.empty());
    CHECK(parse_runtime_call({"--root"}).command.empty());  // a value that never came
}

TEST_CASE("runtime_log_line: what runc writes to its --log") {
    Json line = Json::parse(runtime_log_line("json", "oci-agent-runtime: create: x: \"y\"", "2026-11-30T07:00:00Z"));
    CHECK(line == Json::parse(R"({"level":"error","msg":"oci-agent-runtime: create: x: \"y\"","time":"2026-11-30T07:00:00Z"})"));
    CHECK(runtime_log_line("text", "a \"b\"", "T") == "time=\"T\" level=error msg=\"a \\\"b\\\"\"\n");
}

TEST_CASE("self_hook_entries: createRuntime, then poststop with the same policy and no size") {
    auto entries = self_hook_entries("/opt/oah", std::string("/etc/p.json"), std::string("1g"));
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].args == std::vector<std::string>{"oci-agent-hook", "--config", "/etc/p.json", "createRuntime"});
    CHECK(entries[1].args == std::vector<std::string>{"oci-agent-hook", "--config", "/etc/p.json", "poststop"});
    CHECK(entries[1].env.empty());
    CHECK(entry_stage(entries[1]) == "poststop");

    bool changed = false;
    Json once = register_hooks(Json::parse(R"({"hooks":{"poststop":[{"path":"/x"}]}})"), entries, &changed);
    CHECK(changed);
    CHECK(once["hooks"]["createRuntime"].size() == 1);
    REQUIRE(once["hooks"]["poststop"].size() == 2);
    CHECK(once["hooks"]["poststop"][1] == entries[1].to_json());
    Json twice = register_hooks(once, entries, &changed);
    CHECK_FALSE(changed);
    CHECK(twice == once);
    // A createRuntime entry does not count as the poststop one, nor the reverse.
    CHECK_FALSE(registered(Json::parse(R"({"hooks":{"createRuntime":[{"path":"/opt/oah","args":["oah","createRuntime"]}]}})"),
                           entries[1]));
    CHECK(registered(Json::parse(R"({"hooks":{"poststop":[{"path":"/usr/bin/oci-agent-hook","args":["oci-agent-hook","poststop"]}]}})"),
                     entries[1]));
}
