#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
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

TEST_CASE("parse_json: a million values parse, one more is refused with the offset") {
    // An array of kMaxJsonValues - 1 zeros is kMaxJsonValues values.
    std::string text = "[0";
    text.reserve(2 * kMaxJsonValues + 8);
    for (std::size_t i = 2; i < kMaxJsonValues; ++i) text += ",0";
    text += "]";
    CHECK(parse_json(text, "x").size() == kMaxJsonValues - 1);
    text.insert(text.size() - 1, ",0");
    CHECK_THROWS_WITH_AS(parse_json(text, "x"),
                         ("parse JSON: x: byte " + std::to_string(text.size() - 1) +
                          ": more than 1000000 values (a spec holds a few thousand)")
                             .c_str(),
                         HookError);
    // Objects, keys' values and empty containers count too.
    std::string objects = "[";
    for (std::size_t i = 0; i < kMaxJsonValues / 2; ++i) objects += i ? ",{\"a\":{}}" : "{\"a\":{}}";
    objects += "]";
    CHECK_THROWS_AS(parse_json(objects, "x"), HookError);
}

// ---- differential: parse_json against nlohmann::json::parse ------------------

namespace {

// Equal values of equal types: number_unsigned 1 and number_integer 1 are ==
// for nlohmann, not here; doubles compare by bits (so -0.0 != 0.0); object
// keys in the same order.
bool same(const Json& a, const Json& b) {
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case Json::value_t::object: {
            if (a.size() != b.size()) return false;
            for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
                if (i.key() != j.key() || !same(*i, *j)) return false;
            return true;
        }
        case Json::value_t::array:
            if (a.size() != b.size()) return false;
            for (std::size_t i = 0; i < a.size(); ++i)
                if (!same(a[i], b[i])) return false;
            return true;
        case Json::value_t::number_float: {
            double x = a.get<double>(), y = b.get<double>();
            return std::memcmp(&x, &y, sizeof x) == 0;
        }
        default: return a == b;
    }
}

// The outcome of one parser: the value, or the refusal's message.
struct Outcome {
    bool ok = false;
    Json value;
    std::string error;
};

Outcome ours(const std::string& text) {
    try {
        return {true, parse_json(text, "doc"), ""};
    } catch (const HookError& e) {
        return {false, nullptr, e.what()};
    }
}

Outcome theirs(const std::string& text) {
    try {
        return {true, Json::parse(text), ""};
    } catch (const Json::exception& e) {  // parse_error, or out_of_range.406 for 1e400
        return {false, nullptr, e.what()};
    }
}

// What parse_json refuses on purpose where nlohmann accepts: duplicate
// keys, \u0000, nesting past the limit, and a NUL byte after the document
// (nlohmann's lexer takes a NUL byte for the end of the input and ignores
// what follows).
bool deliberate(const std::string& error) {
    return error.find("duplicate key") != std::string::npos || error.find("NUL character") != std::string::npos ||
           error.find("nesting deeper than") != std::string::npos ||
           error.find("unexpected byte 0x00 after the document") != std::string::npos;
}

// Both accept with the same value, or both refuse, or parse_json refuses on
// purpose; "" when so, else what differs.
std::string compare(const std::string& text) {
    Outcome a = ours(text), b = theirs(text);
    if (a.ok && b.ok) return same(a.value, b.value) ? "" : "values differ: " + a.value.dump() + " vs " + b.value.dump();
    if (a.ok) return "only parse_json accepts (nlohmann: " + b.error + ")";
    if (b.ok && !deliberate(a.error)) return "only nlohmann accepts (parse_json: " + a.error + ")";
    return "";
}

// Random JSON texts with a fixed seed: every kind of value, numbers at the
// edges of each type, escapes (surrogate pairs too), raw multi-byte UTF-8,
// any whitespace; keys unique per object (a key's decoded text ends with
// "#" and its index, and '#' appears nowhere else), no \u0000.
class Generator {
public:
    explicit Generator(std::uint64_t seed) : rng_(seed) {}

    std::string document() {
        std::string s;
        space(s);
        value(s, 0);
        space(s);
        return s;
    }

private:
    std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

    void space(std::string& s) {
        static const char* kSpaces[] = {"", "", "", " ", "\n", "\t", "\r\n  ", "  "};
        s += kSpaces[pick(8)];
    }

    void value(std::string& s, int depth) {
        std::size_t kind = pick(depth < 6 ? 9 : 6);
        switch (kind) {
            case 0: s += "null"; break;
            case 1: s += pick(2) ? "true" : "false"; break;
            case 2:
            case 3: number(s); break;
            case 4:
            case 5: string(s, std::string()); break;
            case 6:
            case 7: {
                s += '{';
                std::size_t n = pick(5);
                for (std::size_t i = 0; i < n; ++i) {
                    if (i) s += ',';
                    space(s);
                    string(s, "#" + std::to_string(i));
                    space(s);
                    s += ':';
                    space(s);
                    value(s, depth + 1);
                    space(s);
                }
                s += '}';
                break;
            }
            default: {
                s += '[';
                std::size_t n = pick(5);
                for (std::size_t i = 0; i < n; ++i) {
                    if (i) s += ',';
                    space(s);
                    value(s, depth + 1);
                    space(s);
                }
                s += ']';
            }
        }
    }

    void number(std::string& s) {
        static const char* kEdges[] = {"0", "-0", "0.0", "-0.0", "1", "-1", "9223372036854775807",
                                       "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                                       "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
                                       "1e308", "1.7976931348623157e308", "4.9e-324", "2.2250738585072011e-308", "1e-400",
                                       "-1e-400", "1E2", "1e+2", "1e-2", "0.1", "2.5E-3", "100000000000000000000.5",
                                       "0.30000000000000004", "123e-1", "1e22", "1e23"};
        if (pick(3) == 0) {
            s += kEdges[pick(sizeof kEdges / sizeof kEdges[0])];
            return;
        }
        if (pick(2)) s += '-';
        std::size_t digits = 1 + pick(22);
        s += static_cast<char>('1' + pick(9));
        for (std::size_t i = 1; i < digits; ++i) s += static_cast<char>('0' + pick(10));
        if (pick(3) == 0) {
            s += '.';
            for (std::size_t i = 0, n = 1 + pick(18); i < n; ++i) s += static_cast<char>('0' + pick(10));
        }
        if (pick(3) == 0) {
            s += "eE"[pick(2)];
            if (pick(2)) s += "+-"[pick(2)];
            s += std::to_string(pick(280));  // 23 digits and e+280 still fit a double
        }
    }

    // A string of random characters, then `tail` (plain ASCII).
    void string(std::string& s, const std::string& tail) {
        s += '"';
        for (std::size_t i = 0, n = pick(12); i < n; ++i) {
            switch (pick(8)) {
                case 0: {
                    static const char* kEscapes[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"};
                    s += kEscapes[pick(8)];
                    break;
                }
                case 1: {  // \uXXXX of a BMP character that is not a surrogate, NUL or '#'
                    unsigned cp;
                    do cp = 1 + static_cast<unsigned>(pick(0xFFFE));
                    while ((cp >= 0xD800 && cp <= 0xDFFF) || cp == '#');
                    char buf[8];
                    std::snprintf(buf, sizeof buf, pick(2) ? "\\u%04x" : "\\u%04X", cp);
                    s += buf;
                    break;
                }
                case 2: {  // a surrogate pair
                    char buf[16];
                    std::snprintf(buf, sizeof buf, "\\u%04X\\u%04x", static_cast<unsigned>(0xD800 + pick(0x400)),
                                  static_cast<unsigned>(0xDC00 + pick(0x400)));
                    s += buf;
                    break;
                }
                case 3: {  // raw UTF-8: 2, 3 and 4 bytes, at the edges of each range
                    static const char* kRaw[] = {"\xc2\x80", "\xdf\xbf", "\xc3\xa9", "\xe0\xa0\x80", "\xed\x9f\xbf",
                                                 "\xee\x80\x80", "\xef\xbf\xbf", "\xe2\x82\xac", "\xf0\x90\x80\x80",
                                                 "\xf4\x8f\xbf\xbf", "\xf0\x9f\x98\x80", "\x7f"};
                    s += kRaw[pick(sizeof kRaw / sizeof kRaw[0])];
                    break;
                }
                default: {
                    char c;
                    do c = static_cast<char>(0x20 + pick(0x5F));
                    while (c == '"' || c == '\\' || c == '#');
                    s += c;
                }
            }
        }
        s += tail;
        s += '"';
    }

    std::mt19937_64 rng_;
};

}  // namespace

TEST_CASE("parse_json: equals nlohmann::json::parse on 3,000 random documents (fixed seed), types included") {
    Generator gen(20261130);
    int compared = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string text = gen.document();
        INFO("document: " << text);
        CHECK(compare(text) == "");
        compared += ours(text).ok;
    }
    CHECK(compared == 3000);
}

TEST_CASE("parse_json: refuses what nlohmann refuses, on damaged random documents (fixed seed)") {
    Generator gen(9);
    std::mt19937_64 rng(99);
    int refused_by_both = 0, deliberately = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string text = gen.document();
        if (text.empty()) continue;
        std::size_t at = rng() % text.size();
        switch (rng() % 4) {
            case 0: text.resize(at); break;                                // truncated
            case 1: text[at] = static_cast<char>(rng() % 256); break;      // a byte changed
            case 2: text.insert(at, 1, static_cast<char>(rng() % 256)); break;  // a byte inserted
            default: text.erase(at, 1);                                    // a byte removed
        }
        INFO("document: " << text);
        CHECK(compare(text) == "");
        Outcome a = ours(text), b = theirs(text);
        refused_by_both += !a.ok && !b.ok;
        deliberately += !a.ok && b.ok;
    }
    // Most damage breaks a document; the test must see refusals to mean anything.
    CHECK(refused_by_both > 1000);
    MESSAGE("refused by both: " << refused_by_both << ", by parse_json alone (duplicate key, NUL, NUL byte): " << deliberately);
}

TEST_CASE("parse_json: agrees with nlohmann on edge cases of the grammar, UTF-8 and numbers") {
    const char* accepted[] = {
        "[-0]", "[-0.0]", "[0e0]", "[0.0e+0]", "[1E+2]", "[1e-400]", "[-1e-400]", "[4.9e-324]", "[2.4e-324]",
        "[2.2250738585072011e-308]", "[1.7976931348623157e308]", "[123456789012345678901234567890]",
        "[-9223372036854775808]", "[-9223372036854775809]", "[18446744073709551615]", "[18446744073709551616]",
        "[\"\\uD83D\\uDE00\"]", "[\"\\ud83d\\ude00\"]", "[\"\xf4\x8f\xbf\xbf\"]", "[\"\xed\x9f\xbf\"]", "[\"\xee\x80\x80\"]",
        "[\"\x7f\"]", "[\"\\u0001\\u001f\\/\"]", "\xef\xbb\xbf{}", " \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n} \t\r\n] \t\r\n",
        "\"top\"", "17", "-3", "2.5", "true", "false", "null", "[[[]],{},{\"\":{}}]", "{\"\":1,\"a\":2}",
    };
    for (const char* text : accepted) {
        INFO("document: " << std::string(text));
        CHECK(compare(text) == "");
        CHECK(ours(text).ok);
    }
    const char* refused[] = {
        "", " ", "[", "]", "{", "}", "[1,]", "[,1]", "{\"a\":1,}", "{,}", "[01]", "[-01]", "[00]", "[-]", "[1.]", "[.1]",
        "[1e]", "[1e+]", "[1.e1]", "[+1]", "[0x1]", "[Infinity]", "[-Infinity]", "[NaN]", "['a']", "[\"\t\"]",
        "[\"\n\"]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\u12G4\"]", "[\"\\uD800\"]", "[\"\\uD800\\u0041\"]",
        "[\"\\uD800\\\\\"]", "[\"\\uDC00\"]", "[\"\\uDBFF\\uDBFF\"]", "[tru]", "[nul]", "[fals]", "[True]", "[] []",
        "{\"a\" 1}", "{1:1}", "{\"a\":}", "{\"a\"}", "\"", "[\"abc", "[\"\xed\xa0\x80\"]", "[\"\xed\xbf\xbf\"]",
        "[\"\xe0\x80\xaf\"]", "[\"\xc0\xaf\"]", "[\"\xc1\xbf\"]", "[\"\xf0\x80\x80\xaf\"]", "[\"\xf0\x8f\xbf\xbf\"]",
        "[\"\xf4\x90\x80\x80\"]", "[\"\xf5\x80\x80\x80\"]", "[\"\xff\"]", "[\"\x80\"]", "[\"\xc2\"]", "[\"\xe2\x82\"]",
        "[\"\xf0\x9f\x98\"]", "[\"\xc3\xa9", "\xef\xbb", "\xef\xbb\xbf", "[1e400]", "[-1e400]", "[1.7976931348623159e308]",
        "/* c */ {}", "{} // c", "[1 2]", "{\"a\":1 \"b\":2}", "nul", "truex", "[\"\\", "[\"\\u",
    };
    for (const char* text : refused) {
        INFO("document: " << std::string(text));
        CHECK(compare(text) == "");
        CHECK(!ours(text).ok);
    }
    // Embedded NUL bytes (the lists above stop at the first one): refused in
    // a string by both; after the document by parse_json alone, nlohmann
    // stopping at the NUL.
    CHECK(!ours(std::string("[\"a\0\"]", 6)).ok);
    CHECK(compare(std::string("[\"a\0\"]", 6)) == "");
    CHECK(theirs(std::string("[1]\0garbage", 11)).ok);
    CHECK(error_of(std::string("{}\0garbage", 10)) ==
          "parse JSON: config.json: byte 3: parse error at line 1, column 3: syntax error: unexpected byte 0x00 after "
          "the document");
}

TEST_CASE("parse_json: equals nlohmann on the fixtures; refuses what nlohmann accepts only on purpose") {
    for (const char* name : {"runc-spec.json", "crun-spec.json", "docker-tmp-exec.json", "podman-precreate.json"}) {
        std::ifstream in(std::string(FIXTURES_DIR) + "/" + name);
        REQUIRE(in);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO("fixture: " << name);
        CHECK(compare(text) == "");
        CHECK(ours(text).ok);
    }
    // nlohmann accepts these; parse_json refuses them on purpose.
    CHECK(theirs(R"({"root":1,"root":2})").ok);
    CHECK(theirs(R"(["\u0000"])").ok);
    CHECK(theirs(std::string(200, '[') + std::string(200, ']')).ok);
    CHECK(!ours(R"({"root":1,"root":2})").ok);
    CHECK(!ours(R"(["\u0000"])").ok);
    CHECK(!ours(std::string(200, '[') + std::string(200, ']')).ok);
}

TEST_CASE("parse_json: the error offset and line of a syntax error") {
    CHECK(error_of("{\n  \"a\": 1,\n  \"b\": x\n}") ==
          "parse JSON: config.json: byte 20: parse error at line 3, column 8: syntax error: unexpected 'x'; expected a value");
    CHECK(error_of("{\"a\":\"x") ==
          "parse JSON: config.json: byte 8: parse error at line 1, column 8: syntax error: invalid string: missing closing quote");
    CHECK(error_of("{\"a\":\"\xe2\x82x\"}") ==
          "parse JSON: config.json: byte 9: parse error at line 1, column 9: syntax error: invalid string: ill-formed UTF-8 byte");
    CHECK(error_of("{\"a\":01}") ==
          "parse JSON: config.json: byte 7: parse error at line 1, column 7: syntax error: unexpected '1' in an object; expected ',' or '}'");
}
