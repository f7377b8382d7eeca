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
    auto m = find_mount(text, 22);
    REQUIRE(m.has_value());
    CHECK(m->mount_point == "/tmp");
    CHECK_FALSE(find_mount(text, 99).has_value());
}

TEST_CASE("unescape") {
    CHECK(unescape_mountinfo("a\\040b\\011c\\012d\\134e") == "a b\tc\nd\\e");
    CHECK(unescape_mountinfo("a\\04") == "a\\04");
    CHECK(unescape_mountinfo("a\\x41") == "a\\x41");
}

TEST_CASE("mount_points_beneath: outermost submounts, each once, relative") {
    std::string text =
        "1 0 8:1 / / rw - ext4 /dev/vda rw\n"
        "60 1 8:1 /b/rootfs /b/rootfs rw - ext4 /dev/vda rw\n"
        "61 60 0:40 / /b/rootfs/tmp rw - tmpfs tmpfs rw\n"
        "62 61 8:1 /x11 /b/rootfs/tmp/.X11-unix rw - ext4 /dev/vda rw\n"
        "63 62 8:1 /deeper /b/rootfs/tmp/.X11-unix/sub rw - ext4 /dev/vda rw\n"
        "64 61 8:1 /sock /b/rootfs/tmp/agent.sock rw - ext4 /dev/vda rw\n"
        "65 61 8:1 /sock /b/rootfs/tmp/agent.sock rw - ext4 /dev/vda rw\n"
        "66 60 8:1 /w /b/rootfs/tmpx rw - ext4 /dev/vda rw\n"
        "67 60 8:1 /w /b/rootfs/workspace rw - ext4 /dev/vda rw\n";
    CHECK(mount_points_beneath(text, "/b/rootfs/tmp") == std::vector<std::string>{"/.X11-unix", "/agent.sock"});
    CHECK(mount_points_beneath(text, "/b/rootfs/tmp/") == std::vector<std::string>{"/.X11-unix", "/agent.sock"});
    CHECK(mount_points_beneath(text, "/b/rootfs/workspace").empty());
    CHECK(mount_points_beneath(text, "/b/rootfs/tmp/.X11-unix") == std::vector<std::string>{"/sub"});
}
