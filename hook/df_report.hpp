#pragma once
// PURE: `df`'s report of /tmp and excluded-path use per container, as text
// lines and as node_exporter textfile-collector metrics.
#include <cstdint>
#include <string>
#include <vector>

#include "observations.hpp"

namespace agenthook {

struct DfMount {
    std::string mountpoint;
    uint64_t size_bytes = 0, used_bytes = 0;
    uint64_t inodes_total = 0, inodes_used = 0;
};

struct DfRow {
    std::string label;
    std::string error;            // the container could not be observed; no mounts then
    std::vector<DfMount> mounts;  // /tmp first, then the excluded paths that are tmpfs mounts
    unsigned worst_percent = 0;   // highest byte or inode use of any of its mounts
};

// The row of one container: /tmp when it resolved, every excluded path that
// is a mount of its own. Errors of single paths are shown as the path's
// error in the text (a /tmp that is a symlink still gets a line).
DfRow df_row(const Observations& obs);

// Rows sorted by worst_percent, highest first (stable: ties keep their order).
void sort_by_use(std::vector<DfRow>& rows);

// One line per container:
// "LABEL /tmp size=S used=U (P%) inodes=I/T (Q%) /workspace/node_modules size=..."
std::string df_text(const std::vector<DfRow>& rows);

// Prometheus exposition format: a label value with \, " and newline escaped.
std::string prometheus_escape(const std::string& value);

// oci_agent_hook_tmp_size_bytes, _used_bytes, _inodes_used, _inodes_total
// (gauges, each with # HELP and # TYPE) labelled container and mountpoint.
std::string df_prometheus(const std::vector<DfRow>& rows);

}  // namespace agenthook
