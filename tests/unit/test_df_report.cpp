// df's text lines and node_exporter metrics from observations.
#include <doctest/doctest.h>

#include "hook/df_report.hpp"

using namespace agenthook;

namespace {

DirObservation mount(const std::string& path, uint64_t size, uint64_t used, uint64_t inodes, uint64_t inodes_used) {
    DirObservation d;
    d.path = path;
    d.found = true;
    d.is_mount_root = true;
    d.size_bytes = size;
    d.used_bytes = used;
    d.inodes_total = inodes;
    d.inodes_used = inodes_used;
    return d;
}

Observations container(const std::string& label, uint64_t tmp_used) {
    Observations o;
    o.label = label;
    o.tmp = mount("/tmp", 1000, tmp_used, 100, 1);
    return o;
}

}  // namespace

TEST_CASE("one line per container with /tmp and each excluded mount, most used first") {
    Observations a = container("a", 100);
    Observations b = container("b", 900);
    b.excludes = {mount("/workspace/node_modules", 2000, 20, 50, 5), DirObservation{}};
    b.excludes[1].path = "/workspace/.venv";  // missing: no line part
    Observations c = container("c", 10);
    c.excludes = {mount("/w/nm", 100, 0, 10, 10)};  // inodes 100% used
    std::vector<DfRow> rows = {df_row(a), df_row(b), df_row(c)};
    sort_by_use(rows);
    CHECK(df_text(rows) ==
          "c /tmp size=1000 used=10 (1%) inodes=1/100 (1%) /w/nm size=100 used=0 (0%) inodes=10/10 (100%)\n"
          "b /tmp size=1000 used=900 (90%) inodes=1/100 (1%) /workspace/node_modules size=2000 used=20 (1%) "
          "inodes=5/50 (10%)\n"
          "a /tmp size=1000 used=100 (10%) inodes=1/100 (1%)\n");
}

TEST_CASE("a container that could not be observed, or whose /tmp is refused, keeps a line with the reason") {
    Observations gone;
    gone.label = "gone";
    gone.error = "enter mount namespace: pid 9: process 9 is gone";
    Observations linked = container("linked", 0);
    linked.tmp = DirObservation{};
    linked.tmp.path = "/tmp";
    linked.tmp.error = "open in rootfs: /tmp: is a symlink";
    std::vector<DfRow> rows = {df_row(gone), df_row(linked)};
    CHECK(df_text(rows) ==
          "gone error: enter mount namespace: pid 9: process 9 is gone\n"
          "linked error: /tmp: open in rootfs: /tmp: is a symlink\n");
    CHECK(df_prometheus(rows).find("oci_agent_hook_tmp_size_bytes{") == std::string::npos);
}

TEST_CASE("prometheus: HELP and TYPE per metric, labels escaped per the exposition format") {
    CHECK(prometheus_escape("plain") == "plain");
    CHECK(prometheus_escape("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    Observations o = container("we\"ird\\name\n", 250);
    o.excludes = {mount("/w/n m", 2000, 20, 50, 5)};
    const std::string out = df_prometheus({df_row(o)});
    CHECK(out ==
          "# HELP oci_agent_hook_tmp_size_bytes Size of the container's tmpfs in bytes.\n"
          "# TYPE oci_agent_hook_tmp_size_bytes gauge\n"
          "oci_agent_hook_tmp_size_bytes{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/tmp\"} 1000\n"
          "oci_agent_hook_tmp_size_bytes{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/w/n m\"} 2000\n"
          "# HELP oci_agent_hook_tmp_used_bytes Bytes used on the container's tmpfs.\n"
          "# TYPE oci_agent_hook_tmp_used_bytes gauge\n"
          "oci_agent_hook_tmp_used_bytes{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/tmp\"} 250\n"
          "oci_agent_hook_tmp_used_bytes{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/w/n m\"} 20\n"
          "# HELP oci_agent_hook_tmp_inodes_used Inodes used on the container's tmpfs.\n"
          "# TYPE oci_agent_hook_tmp_inodes_used gauge\n"
          "oci_agent_hook_tmp_inodes_used{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/tmp\"} 1\n"
          "oci_agent_hook_tmp_inodes_used{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/w/n m\"} 5\n"
          "# HELP oci_agent_hook_tmp_inodes_total Inodes of the container's tmpfs.\n"
          "# TYPE oci_agent_hook_tmp_inodes_total gauge\n"
          "oci_agent_hook_tmp_inodes_total{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/tmp\"} 100\n"
          "oci_agent_hook_tmp_inodes_total{container=\"we\\\"ird\\\\name\\n\",mountpoint=\"/w/n m\"} 50\n");
}
