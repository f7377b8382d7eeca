#include <doctest/doctest.h>

#include "hook/mountinfo.hpp"

using namespace agenthook;

TEST_CASE("parse a mountinfo line") {
    auto m = parse_mountinfo_line(
        "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 - ext3 /dev/root rw,errors=continue");
    REQUIRE(m.has_value());
    CHECK(m->mnt_id == 36);
    CHECK(m->parent_id == 35);
    CHECK(m->dev == "98:0");
    CHECK(m->root == "/mnt1");
    CHECK(m->mount_point == "/mnt2");
    CHECK(m->options == "rw,noatime");
    CHECK(m->optional_fields == std::vector<std::string>{"master:1", "shared:7"});
    CHECK(m->fstype == "ext3");
    CHECK(m->source == "/dev/root");
    CHECK(m->super_options == "rw,errors=continue");
    CHECK(is_shared(*m));
}

TEST_CASE("a tmpfs line without optional fields, with escaped spaces") {
    auto m = parse_mountinfo_line("501 400 0:55 / /var/tmp/my\\040bundle/rootfs/tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=524288k,mode=1777");
    REQUIRE(m.has_value());
    CHECK(m->mount_point == "/var/tmp/my bundle/rootfs/tmp");
    CHECK(m->optional_fields.empty());
    CHECK(m->fstype == "tmpfs");
    CHECK(m->super_options == "rw,size=524288k,mode=1777");
    CHECK_FALSE(is_shared(*m));
}

TEST_CASE("malformed lines") {
    for (const char* bad : {"", "36 35 98:0 /mnt1 /mnt2 rw", "x 35 98:0 / / rw - ext4 /dev/x rw",
                            "36 35 98:0 / / rw master:1 ext4 /dev/x rw"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_mountinfo_line(bad).has_value());
    }
}

TEST_CASE("find_mount skips malformed lines") {
    std::string text =
        "1 0 8:1 / / rw shared:1 - ext4 /dev/vda rw\n"
        "garbage line\n"
        "22 1 0:40 / /tmp rw,nosuid - tmpfs tmpfs rw,size=1024k\n";
    auto table = parse_mountinfo(text);
    CHECK(table.size() == 2);
    const MountInfo* m = find_mount(table, 22);
    REQUIRE(m != nullptr);
    CHECK(m->mount_point == "/tmp");
    CHECK(find_mount(table, 99) == nullptr);
}

TEST_CASE("unescape") {
    CHECK(unescape_mountinfo("a\\040b\\011c\\012d\\134e") == "a b\tc\nd\\e");
    CHECK(unescape_mountinfo("a\\04") == "a\\04");
    CHECK(unescape_mountinfo("a\\x41") == "a\\x41");
}

namespace {
std::vector<std::string> visible(const std::string& text, uint64_t parent, const char* dir) {
    auto table = parse_mountinfo(text);
    std::vector<std::string> points;
    for (const MountInfo* m : visible_children(table, parent, dir)) points.push_back(m->mount_point);
    return points;
}
}  // namespace

TEST_CASE("visible_children: what sits directly on a mount beneath a directory, hidden ones left out") {
    std::string text =
        "1 0 8:1 / / rw - ext4 /dev/vda rw\n"
        "60 1 8:1 /b/rootfs /b/rootfs rw - ext4 /dev/vda rw\n"
        "61 60 0:40 / /b/rootfs/tmp rw - tmpfs tmpfs rw\n"
        "62 61 8:1 /x11 /b/rootfs/tmp/.X11-unix rw - ext4 /dev/vda rw\n"
        "63 62 8:1 /deeper /b/rootfs/tmp/.X11-unix/sub rw - ext4 /dev/vda rw\n"
        "64 61 8:1 /sock /b/rootfs/tmp/agent.sock rw - ext4 /dev/vda rw\n"
        "65 64 8:1 /sock /b/rootfs/tmp/agent.sock rw - ext4 /dev/vda rw\n"
        "66 60 8:1 /w /b/rootfs/tmpx rw - ext4 /dev/vda rw\n"
        "67 60 8:1 /w /b/rootfs/workspace rw - ext4 /dev/vda rw\n"
        // Mounted on the rootfs's /work/a/b, then hidden by a mount at /work/a.
        "68 60 8:1 /hidden /b/rootfs/work/a/b rw - ext4 /dev/vda rw\n"
        "69 60 8:1 /cover /b/rootfs/work/a rw - ext4 /dev/vda rw\n";
    using V = std::vector<std::string>;
    // On the tmpfs at /tmp: the outermost two (a stack at agent.sock counts once: its bottom).
    CHECK(visible(text, 61, "/b/rootfs/tmp") == V{"/b/rootfs/tmp/.X11-unix", "/b/rootfs/tmp/agent.sock"});
    CHECK(visible(text, 61, "/b/rootfs/tmp/") == V{"/b/rootfs/tmp/.X11-unix", "/b/rootfs/tmp/agent.sock"});
    // The rootfs's own /tmp directory, covered by 61: nothing of 61's is on the rootfs mount.
    CHECK(visible(text, 60, "/b/rootfs/tmp").empty());
    CHECK(visible(text, 62, "/b/rootfs/tmp/.X11-unix") == V{"/b/rootfs/tmp/.X11-unix/sub"});
    CHECK(visible(text, 60, "/b/rootfs/workspace").empty());   // the mount at the directory itself is no child
    CHECK(visible(text, 60, "/b/rootfs/work") == V{"/b/rootfs/work/a"});  // /work/a/b is hidden
    CHECK(visible(text, 60, "/b/rootfs/tm").empty());          // not a path prefix
}
