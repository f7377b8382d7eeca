#include "outcome.hpp"

#include "../oci/config.hpp"
#include "size.hpp"

namespace agenthook {

std::string contract_summary(const Plan& plan) {
    std::string s = "/tmp tmpfs " + format_size(plan.tmp.size_bytes) + ", ";
    const std::size_t n = plan.excludes.size();
    s += std::to_string(n) + (n == 1 ? " excluded path" : " excluded paths");
    if (n > 0) {
        s += " (";
        for (std::size_t i = 0; i < n; ++i) s += (i ? ", " : "") + plan.excludes[i].destination;
        s += ")";
    }
    return s + ", home " + plan.home.path;
}

namespace {
// The values are the container creator's: a label stays a label, not a
// megabyte in every log line.
constexpr std::size_t kMaxLabel = 128;
std::string capped(std::string s) {
    if (s.size() > kMaxLabel) s = s.substr(0, kMaxLabel) + "...";
    return s;
}
}  // namespace

std::string spec_label(const oci::Json& config) {
    if (!config.is_object()) return "spec";
    if (auto id = oci::annotation(config, "io.kubernetes.cri-o.ContainerID"); id && !id->empty()) return capped(*id);
    for (const char* key : {"io.kubernetes.cri.container-name", "io.kubernetes.cri-o.ContainerName",
                            "io.kubernetes.container.name"})
        if (auto name = oci::annotation(config, key); name && !name->empty()) return "name " + capped(*name);
    auto host = config.find("hostname");
    if (host != config.end() && host->is_string() && !host->get_ref<const std::string&>().empty())
        return "host " + capped(host->get<std::string>());
    return "spec";
}

}  // namespace agenthook
