#include "state.hpp"

#include "../hook/error.hpp"

using agenthook::HookError;

namespace oci {

State parse_state(const Json& doc, const std::string& name, bool pid_required) {
    auto bad = [&](const std::string& key, const std::string& reason) -> HookError {
        return HookError("parse state", name + ": " + key, reason);
    };
    State s;
    auto str = [&](const char* key, bool required) -> std::string {
        auto it = doc.find(key);
        if (it == doc.end()) {
            if (required) throw bad(key, "missing");
            return "";
        }
        if (!it->is_string()) throw bad(key, std::string("expected string, got ") + it->type_name());
        return it->get<std::string>();
    };
    s.oci_version = str("ociVersion", false);
    s.id = str("id", false);
    s.status = str("status", false);
    s.bundle = str("bundle", true);
    if (s.bundle.empty() || s.bundle[0] != '/') throw bad("bundle", "must be an absolute path, got \"" + s.bundle + "\"");

    auto pid = doc.find("pid");
    if (pid == doc.end()) {
        if (pid_required) throw bad("pid", "missing");
    } else if (!pid->is_number_integer() || *pid < 0 || *pid > 0x3fffffff)
        throw bad("pid", "expected a process id, got " + pid->dump());
    else s.pid = pid->get<int>();

    if (auto a = doc.find("annotations"); a != doc.end()) {
        if (!a->is_object()) throw bad("annotations", std::string("expected object, got ") + a->type_name());
        s.annotations = *a;
    }
    return s;
}

}  // namespace oci
