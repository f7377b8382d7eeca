#pragma once
// PURE: the OCI state document a runtime writes to a hook's stdin.
#include <string>

#include "json.hpp"

namespace oci {

struct State {
    std::string oci_version;
    std::string id;
    std::string status;
    int pid = 0;            // host pid of the container process; 0 when none
    std::string bundle;     // absolute host path of the bundle directory
    Json annotations = Json::object();
};

// Validates and extracts the state; errors name `name` and the JSON path.
// Without `pid_required` a missing pid reads as 0: runc leaves it out of
// the poststop state (omitempty once the process is gone).
State parse_state(const Json& doc, const std::string& name, bool pid_required = true);

}  // namespace oci
