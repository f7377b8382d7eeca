#include <doctest/doctest.h>

#include <charconv>
#include <string>
#include <utility>
#include <vector>

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
        // The largest value for each unit: one more is 2^63 bytes.
        {"9007199254740991k", 9007199254740991ull << 10},
        {"8796093022207m", 8796093022207ull << 20},
        {"8796093022207M", 8796093022207ull << 20},
        // Leading zeros do not count towards the bound.
        {"0000000000000000000000001", 1},
        {"00000000000000000000000512m", 512ull << 20},
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

TEST_CASE("size grammar: a number that does not fit is invalid, never wrapped around") {
    const char* cases[] = {
        // 2^63 and more, without a unit.
        "9223372036854775808",            // 2^63
        "9223372036854775809",            // 2^63 + 1
        "10000000000000000000",           // 20 digits
        "12345678901234567890",           // 20 digits
        "18446744073709551615",           // 2^64 - 1
        "18446744073709551616",           // 2^64: used to wrap to 0
        "18446744073709551617",           // 2^64 + 1: used to wrap to 1
        "18446744073709552640",           // 2^64 + 1024: used to wrap to 1024
        "18446744074246422528",           // 2^64 + 512m: used to wrap to 512m
        "36893488147419103233",           // 2^65 + 1
        "99999999999999999999",           // 20 digits
        "1000000000000000000000000000000",
        // Fits before the unit, not after it.
        "9223372036854775807k", "9223372036854775807K", "9223372036854775807m", "9223372036854775807g",
        "9007199254740992k",              // exactly 2^63 bytes
        "8796093022208m",                 // exactly 2^63 bytes
        "8589934592G",                    // exactly 2^63 bytes
        // Does not fit before the unit either.
        "9223372036854775808k", "18446744073709551617k", "18446744073709551617m", "18446744073709551617g",
        "99999999999999999999k", "99999999999999999999g",
    };
    for (const char* text : cases) {
        CAPTURE(text);
        CHECK_FALSE(parse_size(text).has_value());
    }
}

// std::from_chars reports a number that does not fit in uint64_t as out of
// range instead of wrapping it, so it is an independent reference.
static std::optional<uint64_t> reference_size(const std::string& digits, uint64_t multiplier) {
    uint64_t value = 0;
    const char* end = digits.data() + digits.size();
    auto [stop, ec] = std::from_chars(digits.data(), end, value);
    if (ec != std::errc() || stop != end || value == 0) return std::nullopt;
    constexpr uint64_t below = uint64_t{1} << 63;
    if (value >= below || value > (below - 1) / multiplier) return std::nullopt;
    return value * multiplier;
}

TEST_CASE("size grammar: agrees with from_chars on every length around the bounds") {
    const std::pair<const char*, uint64_t> units[] = {{"", 1}, {"k", 1ull << 10}, {"m", 1ull << 20}, {"g", 1ull << 30}};
    // Prefixes of numbers around 2^63 and 2^64, and runs of nines and of zeros.
    std::vector<std::string> numbers;
    for (std::string full : {"9223372036854775807", "9223372036854775808", "18446744073709551615",
                             "18446744073709551617", "36893488147419103233", "99999999999999999999999"})
        for (std::size_t n = 1; n <= full.size(); ++n) numbers.push_back(full.substr(0, n));
    for (std::size_t n = 1; n <= 25; ++n) {
        numbers.push_back(std::string(n, '9'));
        numbers.push_back("1" + std::string(n - 1, '0'));
    }
    for (const auto& digits : numbers)
        for (const auto& [unit, multiplier] : units) {
            std::string text = digits + unit;
            CAPTURE(text);
            CHECK(parse_size(text) == reference_size(digits, multiplier));
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
