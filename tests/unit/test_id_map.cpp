#include <doctest/doctest.h>

#include "hook/error.hpp"
#include "hook/id_map.hpp"

using namespace agenthook;

TEST_CASE("parse_proc_id_map reads the kernel's padded columns") {
    auto host = parse_proc_id_map("         0          0 4294967295\n", "uid_map");
    REQUIRE(host.size() == 1);
    CHECK(host[0].size == 4294967295ULL);
    auto two = parse_proc_id_map("0 100000 1000\n  1000 101000 64536\n", "uid_map");
    REQUIRE(two.size() == 2);
    CHECK(two[1].container_id == 1000);
    CHECK(two[1].host_id == 101000);
    CHECK(parse_proc_id_map("", "uid_map").empty());  // a namespace whose map is not written yet
    CHECK_THROWS_WITH_AS(parse_proc_id_map("0 100000\n", "/proc/9/uid_map"),
                         "read id map: /proc/9/uid_map: malformed line \"0 100000\"", HookError);
    CHECK_THROWS_AS(parse_proc_id_map("0 x 5\n", "m"), HookError);
}

TEST_CASE("ids map both ways") {
    auto maps = parse_proc_id_map("0 100000 65536\n", "uid_map");
    CHECK(host_id_of(maps, 1000, "uid_map", "home uid") == 101000);
    CHECK(map_to_container(maps, 101000) == 1000u);
    CHECK(map_to_container(maps, 1000) == std::nullopt);  // a host id the container cannot see
    CHECK(map_to_container(maps, 165536) == std::nullopt);
    CHECK_THROWS_WITH_AS(host_id_of(maps, 70000, "/proc/9/uid_map", "home uid"),
                         "map ids: /proc/9/uid_map: home uid 70000 has no mapping in the container's user namespace",
                         HookError);
    auto identity = parse_proc_id_map("0 0 4294967295\n", "uid_map");
    CHECK(host_id_of(identity, 1000, "m", "uid") == 1000);
    CHECK(map_to_container(identity, 0) == 0u);
}
