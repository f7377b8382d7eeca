#include <doctest/doctest.h>

#include <sstream>
#include <toml.hpp>

#include "hook/error.hpp"
#include "hook/install/bundle_hooks.hpp"
#include "hook/install/containerd_config.hpp"
#include "hook/install/docker_config.hpp"
#include "hook/install/hooks_d.hpp"

using namespace agenthook;
using namespace agenthook::install;
using oci::Json;
using A = FileChange::Action;

namespace {
Target target(bool set_default = false, std::string name = "agent") {
    Target t;
    t.runtime_name = std::move(name);
    t.hook_path = "/usr/bin/oci-agent-hook";
    t.wrapper_path = wrapper_beside(t.hook_path);
    t.set_as_default = set_default;
    return t;
}
std::string error_of(auto&& f) {
    try {
        f();
    } catch (const HookError& e) {
        return e.line();
    }
    return "";
}
// The value at `keys` in a TOML text, as a string ("" when absent): the
// checks do not depend on how toml11 lays tables out.
std::string at(const std::string& text, std::vector<std::string> keys) {
    std::istringstream in(text);
    toml::value v = toml::parse(in, "t");
    for (const auto& k : keys) {
        if (!v.is_table() || !v.as_table().count(k)) return "";
        toml::value next = v.as_table().at(k);
        v = next;
    }
    if (v.is_string()) return v.as_string();
    if (v.is_array() && !v.as_array().empty() && v.as_array()[0].is_string()) return "[" + v.as_array()[0].as_string().str + "]";
    return v.is_table() ? "table" : "other";
}
const std::vector<std::string> kRt = {"plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes"};
std::vector<std::string> rt(std::initializer_list<std::string> more) {
    auto k = kRt;
    k.insert(k.end(), more);
    return k;
}
const char* kCtrd = R"(version = 2
root = "/var/lib/containerd"
[grpc]
  address = "/run/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "pause"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
)";
}  // namespace

TEST_CASE("engine names and the wrapper beside the hook") {
    CHECK(parse_engine("containerd") == Engine::Containerd);
    CHECK_FALSE(parse_engine("lxc"));
    CHECK(std::string(engine_name(Engine::Crio)) == "crio");
    CHECK(wrapper_beside("/opt/x/oci-agent-hook") == "/opt/x/oci-agent-runtime");
}

TEST_CASE("docker: install merges runtimes.<name>, keeps other keys, is idempotent; uninstall restores") {
    const std::string before = R"({"log-level":"warn","runtimes":{"other":{"path":"/x"}}})";
    FileChange c = docker_install(before, "d.json", target());
    REQUIRE(c.action == A::Update);
    Json doc = Json::parse(c.content);
    CHECK(doc["runtimes"]["agent"] == Json{{"path", "/usr/bin/oci-agent-runtime"}});
    CHECK(doc["runtimes"]["other"]["path"] == "/x");
    CHECK(doc["log-level"] == "warn");
    CHECK_FALSE(doc.contains("default-runtime"));
    CHECK(docker_install(c.content, "d.json", target()).action == A::None);
    FileChange u = docker_uninstall(c.content, "d.json", target());
    REQUIRE(u.action == A::Update);
    CHECK(Json::parse(u.content) == Json::parse(before));
    CHECK(docker_uninstall(u.content, "d.json", target()).action == A::None);
}

TEST_CASE("docker: a created daemon.json is removed again; custom name; set-as-default") {
    FileChange c = docker_install(std::nullopt, "d.json", target(true, "gvisor-agent"));
    CHECK(c.action == A::Create);
    Json doc = Json::parse(c.content);
    CHECK(doc["default-runtime"] == "gvisor-agent");
    CHECK(doc["runtimes"].contains("gvisor-agent"));
    CHECK(error_of([&] { docker_uninstall(c.content, "d.json", target(false, "gvisor-agent")); }).find("--set-as-default") != std::string::npos);
    CHECK(docker_uninstall(c.content, "d.json", target(true, "gvisor-agent")).action == A::Remove);
    CHECK(docker_uninstall(std::nullopt, "d.json", target()).action == A::None);
    // runc, dockerd's own default, may be replaced: uninstall's removal means runc again
    FileChange r = docker_install(R"({"default-runtime":"runc"})", "d.json", target(true));
    CHECK(Json::parse(r.content)["default-runtime"] == "agent");
}

TEST_CASE("docker: conflicts and parse errors are refused") {
    CHECK(error_of([] { docker_install(R"({"runtimes":{"agent":{"path":"/other"}}})", "d.json", target()); })
              .find("merge: d.json: runtimes.agent is") == 0);
    CHECK(error_of([] { docker_install(R"({"default-runtime":"nvidia"})", "d.json", target(true)); })
              .find("default-runtime is \"nvidia\"") != std::string::npos);
    CHECK(error_of([] { docker_install(R"({"runtimes":[]})", "d.json", target()); }).find("not an object") != std::string::npos);
    CHECK(error_of([] { docker_install("{\"a\": 1,,}", "d.json", target()); }).find("parse JSON: d.json: byte 9") == 0);
    // someone else's entry under our name is not removed
    CHECK(docker_uninstall(R"({"runtimes":{"agent":{"path":"/other"}}})", "d.json", target()).action == A::None);
}

TEST_CASE("containerd: install merges the handler key by key; idempotent; uninstall restores") {
    FileChange c = containerd_install(std::string(kCtrd), "c.toml", target());
    REQUIRE(c.action == A::Update);
    CHECK(at(c.content, rt({"agent", "runtime_type"})) == "io.containerd.runc.v2");
    CHECK(at(c.content, rt({"agent", "options", "BinaryName"})) == "/usr/bin/oci-agent-runtime");
    CHECK(at(c.content, rt({"agent", "pod_annotations"})) == "[oci-agent-hook/*]");
    CHECK(at(c.content, {"plugins", "io.containerd.grpc.v1.cri", "sandbox_image"}) == "pause");
    CHECK(at(c.content, {"grpc", "address"}) == "/run/containerd/containerd.sock");
    CHECK(c.diff.size() == 3);
    CHECK(containerd_install(c.content, "c.toml", target()).action == A::None);
    FileChange u = containerd_uninstall(c.content, "c.toml", target());
    REQUIRE(u.action == A::Update);
    // semantically what it was: re-install gives the same file again
    CHECK(containerd_install(u.content, "c.toml", target()).content == c.content);
    CHECK(at(u.content, rt({"agent"})).empty());
    // runc exactly as containerd's default, alone: dropped, containerd's defaults say the same
    CHECK(at(u.content, kRt).empty());
    CHECK(at(u.content, {"plugins", "io.containerd.grpc.v1.cri", "containerd", "default_runtime_name"}) == "runc");
}

TEST_CASE("containerd: other keys of the handler are kept and survive uninstall") {
    std::string with_root = std::string(kCtrd) +
                            "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.agent.options]\n"
                            "      Root = \"/run/x\"\n";
    FileChange c = containerd_install(with_root, "c.toml", target());
    CHECK(at(c.content, rt({"agent", "options", "Root"})) == "/run/x");
    FileChange u = containerd_uninstall(c.content, "c.toml", target());
    CHECK(at(u.content, rt({"agent", "options", "Root"})) == "/run/x");
    CHECK(at(u.content, rt({"agent", "options", "BinaryName"})).empty());
}

TEST_CASE("containerd: set-as-default, conflicts, no runtimes table, new file, version 3") {
    FileChange d = containerd_install(std::string(kCtrd), "c.toml", target(true));
    CHECK(at(d.content, {"plugins", "io.containerd.grpc.v1.cri", "containerd", "default_runtime_name"}) == "agent");
    CHECK(error_of([&] { containerd_uninstall(d.content, "c.toml", target()); }).find("--set-as-default") != std::string::npos);
    CHECK(containerd_uninstall(d.content, "c.toml", target(true)).content.find("default_runtime_name") == std::string::npos);

    std::string other_default = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\ndefault_runtime_name = \"kata\"\n";
    CHECK(error_of([&] { containerd_install(other_default, "c.toml", target(true)); }).find("\"kata\"") != std::string::npos);
    std::string other_binary = std::string(kCtrd) +
                               "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.agent.options]\n"
                               "BinaryName = \"/usr/bin/other\"\n";
    CHECK(error_of([&] { containerd_install(other_binary, "c.toml", target()); }).find("BinaryName is \"/usr/bin/other\"") != std::string::npos);
    CHECK(containerd_uninstall(other_binary, "c.toml", target()).action == A::None);

    // No runtimes table: containerd's default runc comes along, and goes again.
    std::string debian = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\nbin_dir = \"/usr/lib/cni\"\n";
    FileChange n = containerd_install(debian, "c.toml", target());
    CHECK(at(n.content, rt({"runc", "runtime_type"})) == "io.containerd.runc.v2");
    FileChange nu = containerd_uninstall(n.content, "c.toml", target());
    CHECK(at(nu.content, kRt).empty());
    CHECK(at(nu.content, {"plugins", "io.containerd.grpc.v1.cri", "cni", "bin_dir"}) == "/usr/lib/cni");
    // Tables keep their [section] shape (toml11's formatter would inline a
    // short one as `cni = {...}`), and comments attached to values stay.
    std::string commented = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\n# where CNI plugins live\n"
                            "bin_dir = \"/usr/lib/cni\"\n";
    FileChange sc = containerd_install(commented, "c.toml", target());
    CHECK(sc.content.find("[plugins.\"io.containerd.grpc.v1.cri\".cni]\n# where CNI plugins live\nbin_dir = \"/usr/lib/cni\"\n") !=
          std::string::npos);
    CHECK(sc.content.find("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.agent.options]\nBinaryName = ") !=
          std::string::npos);
    CHECK(sc.content.find("= {") == std::string::npos);

    FileChange created = containerd_install(std::nullopt, "c.toml", target());
    CHECK(created.action == A::Create);
    CHECK(created.content.rfind("version = 2\n", 0) == 0);
    CHECK(containerd_uninstall(created.content, "c.toml", target()).action == A::Remove);

    FileChange v3 = containerd_install(std::string("version = 3\n"), "c.toml", target());
    CHECK(at(v3.content, {"plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "agent", "runtime_type"}) == "io.containerd.runc.v2");
    CHECK(error_of([] { containerd_install(std::string("root = \"/x\"\n"), "c.toml", target()); }).find("version 1") != std::string::npos);
}

TEST_CASE("containerd: parse errors name line and column") {
    std::string e = error_of([] { containerd_install(std::string("version = 2\n[plugins\nx = 1\n"), "/etc/c.toml", target()); });
    CHECK(e.find("parse TOML: /etc/c.toml: line 2, column") == 0);
    CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("containerd: a drop-in only where imports match and the main file has no CRI table") {
    CHECK(containerd_dropin("version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n", "c") ==
          std::optional<std::string>("/etc/containerd/conf.d/oci-agent-hook.toml"));
    CHECK_FALSE(containerd_dropin(std::string(kCtrd) + "imports = [\"/etc/containerd/conf.d/*.toml\"]\n", "c"));
    CHECK_FALSE(containerd_dropin("version = 2\nimports = [\"/etc/containerd/conf.d/*.conf\"]\n", "c"));
    CHECK_FALSE(containerd_dropin("version = 2\nimports = [\"conf.d/*.toml\"]\n", "c"));
    CHECK_FALSE(containerd_dropin("version = 2\n", "c"));
}

TEST_CASE("hooks.d: content from the embedded templates; create, identical, conflict, remove") {
    Target t = target();
    auto files = hooks_d_files(t);
    REQUIRE(files.size() == 3);
    CHECK(files[2].name == "oci-agent-hook-poststop.json");
    for (const auto& f : files) {
        Json doc = Json::parse(f.content);
        CHECK(doc["hook"]["path"] == "/usr/bin/oci-agent-hook");
        CHECK(doc["when"]["always"] == true);
    }
    t.policy_path = "/etc/p.json";
    Json with_policy = Json::parse(hooks_d_files(t)[1].content);
    CHECK(with_policy["hook"]["args"] == Json::parse(R"(["oci-agent-hook","--config","/etc/p.json","createRuntime"])"));
    Json poststop = Json::parse(hooks_d_files(t)[2].content);
    CHECK(poststop["hook"]["args"] == Json::parse(R"(["oci-agent-hook","--config","/etc/p.json","poststop"])"));
    CHECK(poststop["stages"] == Json::parse(R"(["poststop"])"));
    const std::string& content = files[0].content;
    CHECK(hooks_d_install(std::nullopt, "h", content).action == A::Create);
    CHECK(hooks_d_install(content, "h", content).action == A::None);
    CHECK(error_of([] { hooks_d_install(std::string("{}"), "h", "x"); }).find("exists with other content") != std::string::npos);
    CHECK(hooks_d_uninstall(content, "h", content).action == A::Remove);
    CHECK(hooks_d_uninstall(std::nullopt, "h", content).action == A::None);
    CHECK(error_of([] { hooks_d_uninstall(std::string("{}"), "h", "x"); }).find("not removed") != std::string::npos);
}

TEST_CASE("crio: a hooks.d directory other than CRI-O's default needs crio.conf's hooks_dir") {
    auto note = crio_hooks_dir_note("/etc/containers/oci/hooks.d");
    REQUIRE(note);
    CHECK(note->find("crio.conf's hooks_dir (default /usr/share/containers/oci/hooks.d)") != std::string::npos);
    CHECK(note->find("add /etc/containers/oci/hooks.d to it") != std::string::npos);
    CHECK(note->find("--config-dir /usr/share/containers/oci/hooks.d") != std::string::npos);
    CHECK(crio_hooks_dir_note("/srv/hooks/")->find("add /srv/hooks to it") != std::string::npos);
    CHECK_FALSE(crio_hooks_dir_note("/usr/share/containers/oci/hooks.d"));
    CHECK_FALSE(crio_hooks_dir_note("/usr/share/containers/oci/hooks.d/"));
}

TEST_CASE("bundle: the createRuntime and poststop entries added once and removed exactly") {
    auto e = self_hook_entries("/usr/bin/oci-agent-hook", std::nullopt, std::nullopt);
    const std::string spec = R"({"ociVersion":"1.0.2","hooks":{"prestart":[{"path":"/x"}],"poststop":[{"path":"/y"}]}})";
    FileChange c = bundle_install(spec, "config.json", e);
    REQUIRE(c.action == A::Update);
    REQUIRE(c.diff.size() == 2);
    CHECK(c.diff[0].rfind("+ hooks.createRuntime[] = ", 0) == 0);
    CHECK(c.diff[1].rfind("+ hooks.poststop[] = ", 0) == 0);
    Json installed = Json::parse(c.content);
    CHECK(installed["hooks"]["poststop"].size() == 2);  // after the one there
    CHECK(installed["hooks"]["poststop"][1]["args"] == Json{"oci-agent-hook", "poststop"});
    // Half installed (an older install: createRuntime only): poststop is added.
    Json half = Json::parse(spec);
    half["hooks"]["createRuntime"] = Json::array({e[0].to_json()});
    FileChange rest = bundle_install(half.dump(), "c", e);
    REQUIRE(rest.diff.size() == 1);
    CHECK(rest.diff[0].rfind("+ hooks.poststop[] = ", 0) == 0);
    CHECK(bundle_install(c.content, "config.json", e).action == A::None);
    FileChange u = bundle_uninstall(c.content, "config.json", e);
    CHECK(Json::parse(u.content) == Json::parse(spec));
    FileChange plain = bundle_uninstall(bundle_install(R"({"ociVersion":"1.0.2"})", "c", e).content, "c", e);
    CHECK(Json::parse(plain.content) == Json::parse(R"({"ociVersion":"1.0.2"})"));
    CHECK(bundle_uninstall(spec, "c", e).action == A::None);
}
