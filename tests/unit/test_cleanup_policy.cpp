// The age grammar and the policy's cleanup section.
#include <doctest/doctest.h>

#include "hook/age.hpp"
#include "hook/policy.hpp"

using namespace agenthook;
using oci::Json;

namespace {

Policy parse(const std::string& text, Warnings& w) { return parse_policy(Json::parse(text), "policy.json", w); }

std::string first_error(const std::string& text) {
    Warnings w;
    try {
        parse(text, w);
    } catch (const PolicyError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

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

TEST_CASE("cleanup: defaults") {
    Warnings w;
    Policy p = parse("{}", w);
    CHECK(w.empty());
    CHECK(p.cleanup.enabled);
    CHECK(p.cleanup.patterns == std::vector<std::string>{"claude-*", "codex-*", "gemini-*"});
    CHECK(p.cleanup.max_age == 72u * 3600);
    CHECK(p.cleanup.min_age == 3600u);
    CHECK(p.cleanup.teardown_paths.empty());
}

TEST_CASE("cleanup: a full section is read, paths normalized") {
    Warnings w;
    Policy p = parse(R"({"cleanup": {"enabled": false, "patterns": ["aider-*", ".cache-?"], "max_age": "7d",
                       "min_age": "30m", "teardown_paths": ["/tmp", "/var/tmp//agents/"]}})",
                     w);
    CHECK(w.empty());
    CHECK(!p.cleanup.enabled);
    CHECK(p.cleanup.patterns == std::vector<std::string>{"aider-*", ".cache-?"});
    CHECK(p.cleanup.max_age == 7u * 86400);
    CHECK(p.cleanup.min_age == 1800u);
    CHECK(p.cleanup.teardown_paths == std::vector<std::string>{"/tmp", "/var/tmp/agents"});
}

TEST_CASE("cleanup: an empty pattern list sweeps nothing") {
    Warnings w;
    CHECK(parse(R"({"cleanup": {"patterns": []}})", w).cleanup.patterns.empty());
}

TEST_CASE("cleanup: bad values are errors naming the JSON path (fail closed)") {
    CHECK(first_error(R"({"cleanup": {"patterns": ["claude-*", ""]}})").find("cleanup.patterns[1]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": ["a/b"]}})").find("without '/'") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": [".."]}})").find("cleanup.patterns[0]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": [7]}})").find("expected string") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"patterns": "claude-*"}})").find("expected array") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"max_age": "72"}})").find("cleanup.max_age: invalid age \"72\"") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"min_age": "0h"}})").find("cleanup.min_age") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"max_age": 72}})").find("expected string") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"enabled": "yes"}})").find("cleanup.enabled") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"teardown_paths": ["tmp"]}})").find("cleanup.teardown_paths[0]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"teardown_paths": ["/"]}})").find("cleanup.teardown_paths[0]") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"teardown_paths": ["/tmp/../etc"]}})").find("..") != std::string::npos);
}

TEST_CASE("cleanup: min_age must not be more than max_age") {
    CHECK(first_error(R"({"cleanup": {"max_age": "2h", "min_age": "3h"}})")
              .find("cleanup.min_age: 3h is more than cleanup.max_age 2h") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"min_age": "4d"}})").find("more than cleanup.max_age 3d") != std::string::npos);
    CHECK(first_error(R"({"cleanup": {"max_age": "1h", "min_age": "60m"}})").empty());
}

TEST_CASE("cleanup: unknown keys warn; policy_to_json round-trips it") {
    Warnings w;
    Policy p = parse(R"({"cleanup": {"maxage": "1h", "max_age": "36h", "teardown_paths": ["/srv/tmp"]}})", w);
    REQUIRE(w.size() == 1);
    CHECK(w[0].find("cleanup.maxage: unknown key") != std::string::npos);
    Json j = policy_to_json(p);
    CHECK(j["cleanup"]["max_age"] == "36h");
    CHECK(j["cleanup"]["min_age"] == "1h");
    Warnings w2;
    Policy back = parse_policy(j, "round trip", w2);
    CHECK(w2.empty());
    CHECK(back.cleanup.max_age == p.cleanup.max_age);
    CHECK(back.cleanup.teardown_paths == p.cleanup.teardown_paths);
    CHECK(back.cleanup.patterns == p.cleanup.patterns);
}
