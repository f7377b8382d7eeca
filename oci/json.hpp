#pragma once
// The OCI documents are handled as whole ordered JSON documents, so that
// unknown fields, vendor extensions and key order survive a rewrite.
#include <nlohmann/json.hpp>

namespace oci {
using Json = nlohmann::ordered_json;
}
