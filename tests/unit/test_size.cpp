#include <doctest/doctest.h>

#include "hook/size.hpp"

using namespace agenthook;

TEST_CASE("size grammar: valid sizes") {
    struct Case { const char* text; uint64_t bytes; };
    const Case cases[] = {
        {"1", 1},
        {"512", 512},
        {"1048576", 1048576},
        {"1k", 1024},
        {"1K", 1024},
        {"4k", 4096},
        {"512m", 512ull << 20},
        {"512M", 512ull << 20},
        {"1g", 1ull << 30},
        {"2G", 2ull << 30},
        {"0512m", 512ull << 20},
        {"100m", 100ull << 20},
        {"8589934591k", 8589934591ull << 10},
        {"9223372036854775807", 9223372036854775807ull},
        {"8589934591g", 8589934591ull << 30},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto got = parse_size(c.text);
        REQUIRE(got.has_value());
        CHECK(*got == c.bytes);
    }
}

TEST_CASE("size grammar: invalid sizes") {
    const char* cases[] = {
        "", "0", "0k", "000", "-1", "-1m", "+1m", "1.5g", "1.0", "512mb", "512MB", "50%", "m", "k",
        " 512m", "512m ", "5 12m", "1t", "1T", "1e9", "0x10", "abc", "1kk", "9223372036854775808",
        "8589934592g", "99999999999999999999", "1g\n", "1_000", "１", "1b",
    };
    for (const char* text : cases) {
        CAPTURE(text);
        CHECK_FALSE(parse_size(text).has_value());
    }
}

TEST_CASE("format_size uses the largest exact unit and parses back") {
    CHECK(format_size(512ull << 20) == "512m");
    CHECK(format_size(1ull << 30) == "1g");
    CHECK(format_size(3ull << 30) == "3g");
    CHECK(format_size(1536) == "1536");
    CHECK(format_size(2048) == "2k");
    CHECK(format_size(1536ull << 20) == "1536m");
    CHECK(format_size(1) == "1");
    for (uint64_t bytes : {1ull, 4095ull, 4096ull, 1ull << 20, (1ull << 30) + 4096, 7ull << 30}) {
        auto back = parse_size(format_size(bytes));
        REQUIRE(back.has_value());
        CHECK(*back == bytes);
    }
}
