// The age grammar of cleanup.max_age and cleanup.min_age (hook/age.hpp).
#include <doctest/doctest.h>

#include "hook/age.hpp"

using namespace agenthook;

TEST_CASE("parse_age: minutes, hours, days") {
    CHECK(parse_age("1m") == 60u);
    CHECK(parse_age("90m") == 5400u);
    CHECK(parse_age("72h") == 259200u);
    CHECK(parse_age("3d") == 259200u);
    CHECK(parse_age("007h") == 7u * 3600);
}

TEST_CASE("parse_age: what is not an age") {
    for (const char* bad : {"", "m", "h", "0m", "0d", "00h", "72", "72s", "72H", "72D", "1w", "-1h", "+1h", " 1h",
                            "1h ", "1.5h", "1hh", "h1", "1 h", "0x10m"})
        CHECK_MESSAGE(!parse_age(bad), bad);
}

TEST_CASE("parse_age: bounds and overflow") {
    CHECK(parse_age("3650d") == kMaxAgeSeconds);
    CHECK(!parse_age("3651d"));
    CHECK(parse_age("87600h") == kMaxAgeSeconds);
    CHECK(!parse_age("87601h"));
    CHECK(parse_age("5256000m") == kMaxAgeSeconds);
    CHECK(!parse_age("5256001m"));
    // Numbers that would wrap a uint64_t (times 60, or by themselves) are
    // refused, not taken modulo 2^64.
    CHECK(!parse_age("307445734561825861m"));  // (2^64 / 60) + 1: times 60 wraps to a small value
    CHECK(!parse_age("18446744073709551617d"));
    CHECK(!parse_age("99999999999999999999999999999h"));
}

TEST_CASE("format_age: the largest exact unit, parses back") {
    CHECK(format_age(259200) == "3d");
    CHECK(format_age(3600) == "1h");
    CHECK(format_age(5400) == "90m");
    CHECK(format_age(90) == "90s");
    for (const char* text : {"1m", "59m", "25h", "3650d"}) CHECK(format_age(*parse_age(text)) == text);
}
