#pragma once
// PURE: the words of a stage's outcome line (syslog and the log file, see
// hook/log.hpp), so an operator can tell from the log alone which
// container got which contract.
#include <string>

#include "../oci/json.hpp"
#include "plan.hpp"

namespace agenthook {

// "/tmp tmpfs 512m, 1 excluded path (/workspace/node_modules), home /agent-home".
std::string contract_summary(const Plan& plan);

// What names a container whose spec carries no id (precreate, the
// wrapper without one): CRI-O's container id annotation, else a CRI
// container name annotation ("name NAME"), else the hostname ("host
// NAME": podman's default is the short id), else "spec".
std::string spec_label(const oci::Json& config);

}  // namespace agenthook
