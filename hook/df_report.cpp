#include "df_report.hpp"

#include <algorithm>

#include "doctor_verdicts.hpp"

namespace agenthook {

namespace {

DfMount df_mount(const DirObservation& d) {
    return {d.path, d.size_bytes, d.used_bytes, d.inodes_total, d.inodes_used};
}

}  // namespace

DfRow df_row(const Observations& obs) {
    DfRow row;
    row.label = obs.label;
    if (!obs.error.empty()) {
        row.error = obs.error;
        return row;
    }
    if (obs.tmp.found) row.mounts.push_back(df_mount(obs.tmp));
    else row.error = obs.tmp.path + ": " + obs.tmp.error;
    for (const auto& d : obs.excludes)
        if (d.found && d.is_mount_root) row.mounts.push_back(df_mount(d));
    for (const auto& m : row.mounts)
        row.worst_percent = std::max({row.worst_percent, usage_percent(m.used_bytes, m.size_bytes),
                                      usage_percent(m.inodes_used, m.inodes_total)});
    return row;
}

void sort_by_use(std::vector<DfRow>& rows) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const DfRow& a, const DfRow& b) { return a.worst_percent > b.worst_percent; });
}

std::string df_text(const std::vector<DfRow>& rows) {
    std::string out;
    for (const auto& r : rows) {
        std::string line = r.label;
        for (const auto& m : r.mounts)
            line += " " + m.mountpoint + " size=" + std::to_string(m.size_bytes) + " used=" +
                    std::to_string(m.used_bytes) + " (" + std::to_string(usage_percent(m.used_bytes, m.size_bytes)) +
                    "%) inodes=" + std::to_string(m.inodes_used) + "/" + std::to_string(m.inodes_total) + " (" +
                    std::to_string(usage_percent(m.inodes_used, m.inodes_total)) + "%)";
        if (!r.error.empty()) line += " error: " + r.error;
        out += line + "\n";
    }
    return out;
}

std::string prometheus_escape(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string df_prometheus(const std::vector<DfRow>& rows) {
    struct Metric {
        const char* name;
        const char* help;
        uint64_t DfMount::*field;
    };
    static const Metric metrics[] = {
        {"oci_agent_hook_tmp_size_bytes", "Size of the container's tmpfs in bytes.", &DfMount::size_bytes},
        {"oci_agent_hook_tmp_used_bytes", "Bytes used on the container's tmpfs.", &DfMount::used_bytes},
        {"oci_agent_hook_tmp_inodes_used", "Inodes used on the container's tmpfs.", &DfMount::inodes_used},
        {"oci_agent_hook_tmp_inodes_total", "Inodes of the container's tmpfs.", &DfMount::inodes_total},
    };
    std::string out;
    for (const auto& metric : metrics) {
        out += std::string("# HELP ") + metric.name + " " + metric.help + "\n";
        out += std::string("# TYPE ") + metric.name + " gauge\n";
        for (const auto& r : rows)
            for (const auto& m : r.mounts)
                out += std::string(metric.name) + "{container=\"" + prometheus_escape(r.label) + "\",mountpoint=\"" +
                       prometheus_escape(m.mountpoint) + "\"} " + std::to_string(m.*metric.field) + "\n";
    }
    return out;
}

}  // namespace agenthook
