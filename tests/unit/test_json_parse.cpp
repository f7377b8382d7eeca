#include <doctest/doctest.h>

#include <string>

#include "hook/error.hpp"
#include "oci/json_io.hpp"
#include "oci/json_parse.hpp"

using namespace oci;
using agenthook::HookError;

namespace {

// The message parse_object throws for `text`, or "" when it parses.
std::string error_of(const std::string& text) {
    try {
        parse_object(text, "config.json");
    } catch (const HookError& e) {
        return e.what();
    }
    return "";
}

// `depth` nested objects {"a":{"a":...{}}}, outermost first.
std::string objects(std::size_t depth) {
    std::string s;
    for (std::size_t i = 1; i < depth; ++i) s += "{\"a\":";
    return s + "{}" + std::string(depth - 1, '}');
}

// An object holding `depth - 1` nested arrays.
std::string arrays(std::size_t depth) { return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}"; }

}  // namespace

TEST_CASE("parse_json: depth 128 parses, 129 is refused with the offset") {
    CHECK(error_of(objects(128)) == "");
    CHECK(error_of(arrays(128)) == "");
    CHECK(error_of(objects(129)) == "parse JSON: config.json: byte " + std::to_string(5 * 128 + 1) +
                                        ": nesting deeper than 128 arrays and objects");
    CHECK(error_of(arrays(129)) == "parse JSON: config.json: byte " + std::to_string(5 + 128) +
                                       ": nesting deeper than 128 arrays and objects");
    Json doc = parse_object(objects(128), "config.json");
    const Json* at = &doc;
    std::size_t depth = 1;
    while (at->contains("a")) at = &(*at)["a"], ++depth;
    CHECK(depth == 128);
    CHECK(parse_json("[[1]]", "x", 2) == Json::parse("[[1]]"));
    CHECK_THROWS_WITH_AS(parse_json("[[[1]]]", "x", 2), "parse JSON: x: byte 3: nesting deeper than 2 arrays and objects",
                         HookError);
}

TEST_CASE("parse_json: 200,000 levels of arrays or objects are refused, not a crash") {
    std::size_t n = 200000;
    CHECK(error_of(std::string(n, '[') + std::string(n, ']')).find("nesting deeper than 128") != std::string::npos);
    CHECK(error_of(objects(n)).find("nesting deeper than 128") != std::string::npos);
    // Unterminated, and mixed.
    CHECK(error_of(std::string(n, '[')).find("nesting deeper than 128") != std::string::npos);
    std::string mixed;
    for (std::size_t i = 0; i < n; ++i) mixed += i % 2 ? "[" : "{\"k\":";
    CHECK(error_of(mixed).find("nesting deeper than 128") != std::string::npos);
}

TEST_CASE("parse_json: a key twice in one object is refused, naming the key and the object") {
    CHECK(error_of(R"({"root":{"path":"a"},"root":{"path":"b"}})") ==
          R"(parse JSON: config.json: byte 27: duplicate key "root" in the top level)");
    CHECK(error_of(R"({"mounts":[{"destination":"/a"},{"destination":"/tmp","type":"tmpfs","destination":"/x"}]})") ==
          R"(parse JSON: config.json: byte 82: duplicate key "destination" in mounts[1])");
    CHECK(error_of(R"({"annotations":{"oci-agent-hook/exclude":"/a","oci-agent-hook/exclude":"/b"}})") ==
          R"(parse JSON: config.json: byte 70: duplicate key "oci-agent-hook/exclude" in annotations)");
    // Keys that differ only by escapes are the same key.
    CHECK(error_of(R"({"root":1,"r\u006fot":2})").find(R"(duplicate key "root")") != std::string::npos);
    // Many keys (the sorted check): the first repeated key in document order.
    std::string many = "{";
    for (int i = 0; i < 100; ++i) many += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    CHECK(error_of(many + R"("k7":0,"k3":0})").find(R"(duplicate key "k7" in the top level)") != std::string::npos);
    // Same key in different objects is fine.
    CHECK(error_of(R"({"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]})") == "");
}

TEST_CASE("parse_json: numbers beyond a double are a parse error with the offset") {
    CHECK(error_of(R"({"a": 1e400})") == "parse JSON: config.json: byte 11: number overflow parsing '1e400'");
    CHECK(error_of(R"({"a": -1e400})") == "parse JSON: config.json: byte 12: number overflow parsing '-1e400'");
    // Integers past 64 bits become doubles, as before.
    CHECK(parse_object(R"({"a": 18446744073709551616})", "x")["a"].is_number_float());
    CHECK(parse_object(R"({"a": -9223372036854775808, "b": 18446744073709551615, "c": 1.5})", "x") ==
          Json::parse(R"({"a": -9223372036854775808, "b": 18446744073709551615, "c": 1.5})"));
}

TEST_CASE("parse_json: NUL is refused in every string and key, with the JSON path") {
    CHECK(error_of(R"({"mounts":[{"destination":"/tmp\u0000/x"}]})") ==
          R"(parse JSON: config.json: byte 40: NUL character in the string at mounts[0].destination)");
    CHECK(error_of(R"({"root":{"path":"rootfs\u0000"}})") ==
          R"(parse JSON: config.json: byte 30: NUL character in the string at root.path)");
    CHECK(error_of(R"({"annotations":{"oci-agent-hook/exclude":"/workspace/a\u0000b"}})") ==
          R"(parse JSON: config.json: byte 62: NUL character in the string at annotations["oci-agent-hook/exclude"])");
    CHECK(error_of(R"({"process":{"args":["sh","-c\u0000"]}})") ==
          R"(parse JSON: config.json: byte 35: NUL character in the string at process.args[1])");
    CHECK(error_of(R"({"annotations":{"a\u0000b":"x"}})") ==
          R"(parse JSON: config.json: byte 26: NUL character in a key of annotations)");
    // Other control characters, escaped, are ordinary text.
    CHECK(parse_object(R"({"a":"x\u0001y"})", "x")["a"] == std::string("x\x01y"));
}

TEST_CASE("parse_json: invalid UTF-8 and unpaired surrogates are parse errors") {
    CHECK(error_of("{\"a\":\"\xff\"}").find("parse JSON: config.json: byte 7: ") == 0);
    CHECK(error_of("{\"a\":\"\xc3\"}").find("ill-formed UTF-8 byte") != std::string::npos);
    CHECK(error_of("{\"a\":\"\xed\xa0\x80\"}").find("ill-formed UTF-8 byte") != std::string::npos);  // encoded surrogate
    CHECK(error_of("{\"\xc0\xaf\":1}").find("ill-formed UTF-8 byte") != std::string::npos);  // overlong '/'
    CHECK(error_of(R"({"a":"\ud800"})").find("surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF") !=
          std::string::npos);
    CHECK(parse_object("{\"a\":\"\xc3\xa9\xf0\x9f\x98\x80\"}", "x")["a"] == "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST_CASE("parse_json: key order, vendor fields and values survive; the result equals nlohmann's") {
    const std::string text =
        R"({"zeta":1,"ociVersion":"1.0.2","alpha":{"z":[1,2,{"b":null,"a":true}],"a":-1.25},"e":[],"o":{},)"
        R"("s":"x\"y\\z","u":18446744073709551615})";
    Json doc = parse_object(text, "x");
    CHECK(doc == Json::parse(text));
    CHECK(doc.dump() == Json::parse(text).dump());
    std::string keys;
    for (const auto& [k, v] : doc.items()) keys += k + ",";
    CHECK(keys == "zeta,ociVersion,alpha,e,o,s,u,");
    // Scalars and arrays at the top level parse (parse_object refuses them).
    CHECK(parse_json("[1,\"a\"]", "x") == Json::parse("[1,\"a\"]"));
    CHECK(parse_json(" 7 ", "x") == 7);
    CHECK(error_of("{} x").find("parse JSON: config.json: byte 4: parse error at line 1, column 4: syntax error") == 0);
    CHECK(error_of("").find("parse JSON: config.json: byte 1: parse error at line 1, column 1: syntax error") == 0);
}

TEST_CASE("parse_json: 30,000 keys in one object parse, in order") {
    std::string text = "{\"annotations\":{";
    for (int i = 0; i < 30000; ++i) text += (i ? ",\"" : "\"") + std::string("key") + std::to_string(29999 - i) + "\":\"" + std::to_string(i) + "\"";
    text += "}}";
    Json doc = parse_object(text, "x");
    const Json& a = doc["annotations"];
    REQUIRE(a.size() == 30000);
    CHECK(a.begin().key() == "key29999");
    CHECK((--a.end()).key() == "key0");
    CHECK(a["key12345"] == std::to_string(29999 - 12345));
    CHECK(doc == Json::parse(text));
}
