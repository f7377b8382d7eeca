#include "change.hpp"

namespace agenthook::install {

namespace {
struct Named {
    Engine engine;
    const char* name;
};
constexpr Named kEngines[] = {{Engine::Runc, "runc"},         {Engine::Crun, "crun"},
                              {Engine::Podman, "podman"},     {Engine::Crio, "crio"},
                              {Engine::Containerd, "containerd"}, {Engine::Docker, "docker"}};
}  // namespace

std::optional<Engine> parse_engine(const std::string& name) {
    for (const auto& e : kEngines)
        if (name == e.name) return e.engine;
    return std::nullopt;
}

const char* engine_name(Engine engine) {
    for (const auto& e : kEngines)
        if (engine == e.engine) return e.name;
    return "?";
}

std::string wrapper_beside(const std::string& hook_path) {
    auto slash = hook_path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : hook_path.substr(0, slash);
    return dir + "/oci-agent-runtime";
}

}  // namespace agenthook::install
