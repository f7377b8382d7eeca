#include <doctest/doctest.h>

#include "oci/mount.hpp"

using namespace oci;

TEST_CASE("normalize_destination") {
    struct Case { const char* in; const char* out; };
    const Case cases[] = {
        {"/tmp", "/tmp"},       {"/tmp/", "/tmp"},        {"//tmp", "/tmp"},
        {"/./tmp", "/tmp"},     {"tmp", "/tmp"},          {"./tmp", "/tmp"},
        {"/", "/"},             {"", "/"},                {"/a//b///c/", "/a/b/c"},
        {"/a/b/../c", "/a/c"},  {"/../../tmp", "/tmp"},   {"a/./b/.", "/a/b"},
        {"/tmp/.X11-unix", "/tmp/.X11-unix"}, {"/..", "/"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.in);
        CHECK(normalize_destination(c.in) == c.out);
    }
}

TEST_CASE("ancestors") {
    CHECK(is_strict_ancestor("/", "/tmp"));
    CHECK_FALSE(is_strict_ancestor("/", "/"));
    CHECK(is_strict_ancestor("/workspace", "/workspace/node_modules"));
    CHECK_FALSE(is_strict_ancestor("/workspace", "/workspace"));
    CHECK_FALSE(is_strict_ancestor("/work", "/workspace"));
    CHECK_FALSE(is_strict_ancestor("/workspace/node_modules", "/workspace"));
    CHECK(is_at_or_under("/proc", "/proc"));
    CHECK(is_at_or_under("/proc/sys", "/proc"));
    CHECK_FALSE(is_at_or_under("/processes", "/proc"));
}

TEST_CASE("has_dotdot_segment") {
    CHECK(has_dotdot_segment("/a/../b"));
    CHECK(has_dotdot_segment(".."));
    CHECK(has_dotdot_segment("/a/.."));
    CHECK_FALSE(has_dotdot_segment("/a/..b"));
    CHECK_FALSE(has_dotdot_segment("/a/b.."));
    CHECK_FALSE(has_dotdot_segment("/a/./b"));
}

TEST_CASE("parent_path and last_segment") {
    CHECK(parent_path("/tmp") == "/");
    CHECK(parent_path("/workspace/node_modules") == "/workspace");
    CHECK(parent_path("/") == "/");
    CHECK(last_segment("/workspace/node_modules") == "node_modules");
    CHECK(last_segment("/tmp") == "tmp");
    CHECK(last_segment("/") == "");
}
