#include "json_parse.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <utility>
#include <vector>

#include "../hook/error.hpp"

using agenthook::HookError;

namespace oci {

namespace {

// "a", "b[3]", "annotations[\"oci-agent-hook/exclude\"]": the notation of the
// policy's problem paths, with keys that are not plain words quoted as JSON.
void append_key(std::string& path, const std::string& key) {
    bool word = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (word) {
        if (!path.empty()) path += '.';
        path += key;
    } else {
        path += '[' + Json(key).dump() + ']';
    }
}

// Bytes that a string copies as they are: printable ASCII but '"' and '\\'.
// Everything else (controls, quote, backslash, bytes of a multi-byte UTF-8
// sequence) takes the slow path.
constexpr std::array<bool, 256> kPlainTable = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
}();

bool plain(unsigned char c) { return kPlainTable[c]; }

// The length of the well-formed UTF-8 sequence starting at p (its first
// byte is >= 0x80), or 0 with `bad` set to the index of the first byte that
// makes it ill-formed (the lead byte itself, a wrong continuation byte, or
// the end of the input). Well-formed per RFC 3629 section 4: no overlong
// forms, no encoded surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end, std::size_t& bad) {
    unsigned char c = p[0];
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) n = 3;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    for (std::size_t i = 1; i < n; ++i, lo = 0x80, hi = 0xBF)
        if (p + i == end || p[i] < lo || p[i] > hi) {
            bad = i;
            return 0;
        }
    bad = 0;
    return n;
}

void append_utf8(std::string& s, std::uint32_t cp) {
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// A byte of the input as an error message shows it: 'x' when printable,
// else its value.
std::string describe(const unsigned char* p, const unsigned char* end) {
    if (p >= end) return "end of input";
    char buf[8];
    if (*p >= 0x21 && *p < 0x7F) return std::string("'") + static_cast<char>(*p) + "'";
    std::snprintf(buf, sizeof buf, "0x%02X", *p);
    return std::string("byte ") + buf;
}

// Objects with more members than this are checked for duplicate keys by
// sorting; smaller ones (nearly all of an OCI document) pairwise.
constexpr std::size_t kPairwiseKeys = 8;

// The index of the first member (in document order) whose key an earlier
// member already has, or SIZE_MAX. Sorting rather than a hash set: a hash
// set's worst case is quadratic, and std::hash's seed is fixed, so colliding
// keys can be made. Sorting 64-bit hashes first keeps the common case to
// integer comparisons; keys with equal hashes (real duplicates, or a crafted
// collision) are then compared as strings, so the worst case stays
// O(k log k) string comparisons.
std::size_t first_duplicate(const std::vector<std::pair<std::string, Json>>& m) {
    constexpr std::size_t kNone = SIZE_MAX;
    std::size_t first = kNone;
    if (m.size() <= kPairwiseKeys) {
        for (std::size_t j = 1; j < m.size(); ++j)
            for (std::size_t i = 0; i < j; ++i)
                if (m[i].first == m[j].first) return j;
        return kNone;
    }
    std::vector<std::pair<std::uint64_t, std::size_t>> hashed(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) {
        std::uint64_t h = 1469598103934665603ull;  // FNV-1a
        for (unsigned char c : m[i].first) h = (h ^ c) * 1099511628211ull;
        hashed[i] = {h, i};
    }
    std::sort(hashed.begin(), hashed.end());
    std::vector<std::pair<std::string_view, std::size_t>> run;
    for (std::size_t i = 0; i < hashed.size();) {
        std::size_t j = i + 1;
        while (j < hashed.size() && hashed[j].first == hashed[i].first) ++j;
        if (j - i > 1) {
            run.clear();
            for (std::size_t k = i; k < j; ++k) run.emplace_back(m[hashed[k].second].first, hashed[k].second);
            std::sort(run.begin(), run.end());  // equal keys end up adjacent, by index
            for (std::size_t k = 1; k < run.size(); ++k)
                if (run[k].first == run[k - 1].first) first = std::min(first, run[k].second);
        }
        i = j;
    }
    return first;
}

// The parser: a hand-written lexer and an explicit stack of open arrays
// and objects (no recursion on nesting), building nlohmann values
// directly. Offsets in errors count the bytes read when the problem was
// found, as nlohmann's did: the offending byte included (an end of input
// counts as one byte), or the end of the token (string or number) that is
// refused as a whole.
class Parser {
public:
    Parser(std::string_view text, const std::string& name, std::size_t max_depth)
        : begin_(reinterpret_cast<const unsigned char*>(text.data())),
          end_(begin_ + text.size()),
          p_(begin_),
          name_(name),
          max_depth_(max_depth) {}

    Json run() {
        // A UTF-8 byte order mark may start the document (nlohmann skipped one too).
        if (end_ - p_ >= 3 && p_[0] == 0xEF && p_[1] == 0xBB && p_[2] == 0xBF) p_ += 3;
        Json value;
        for (;;) {
            skip_space();
            if (!begin_value(value)) continue;  // a container was opened: its first element next
            // `value` is complete: store it, then close containers as far as
            // the input says.
            for (;;) {
                if (depth_ == 0) {
                    skip_space();
                    if (p_ != end_) syntax_error("unexpected " + describe(p_, end_) + " after the document", p_ + 1);
                    return value;
                }
                Frame& f = frames_[depth_ - 1];
                if (f.is_object)
                    f.members.back().second = std::move(value);
                else
                    f.items.push_back(std::move(value));
                skip_space();
                unsigned char c = p_ < end_ ? *p_ : 0;
                if (p_ < end_ && c == ',') {
                    ++p_;
                    if (f.is_object) {
                        skip_space();
                        read_key(f);
                    }
                    break;  // the next element's value
                }
                if (p_ < end_ && c == (f.is_object ? '}' : ']')) {
                    ++p_;
                    value = close(f);
                    continue;
                }
                syntax_error("unexpected " + describe(p_, end_) + " in " + (f.is_object ? "an object" : "an array") +
                                 "; expected ',' or '" + (f.is_object ? "}" : "]") + "'",
                             p_ + 1);
            }
        }
    }

private:
    struct Frame {
        bool is_object = false;
        Json::array_t items;                                // arrays, elements so far
        std::vector<std::pair<std::string, Json>> members;  // objects, document order
        std::vector<std::size_t> key_ends;                  // offset after each member's key
    };

    [[noreturn]] void fail(const std::string& reason, const unsigned char* at) const {
        throw HookError("parse JSON", name_, "byte " + std::to_string(at - begin_) + ": " + reason);
    }

    // A syntax error: the line and column too, for a person reading a
    // pretty-printed file.
    [[noreturn]] void syntax_error(const std::string& detail, const unsigned char* at) const {
        const unsigned char* last = std::min(at, end_);
        std::size_t line = 1;
        const unsigned char* line_start = begin_;
        for (const unsigned char* q = begin_; q < last; ++q)
            if (*q == '\n') ++line, line_start = q + 1;
        fail("parse error at line " + std::to_string(line) + ", column " + std::to_string(at - line_start) +
                 ": syntax error: " + detail,
             at);
    }

    void skip_space() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }

    // Reads the value starting at p_ into `out` and returns true, or opens
    // an array or object and returns false. An empty container is a
    // complete value.
    bool begin_value(Json& out) {
        if (p_ == end_) syntax_error("unexpected end of input; expected a value", p_ + 1);
        if (++values_ > kMaxJsonValues)
            fail("more than " + std::to_string(kMaxJsonValues) + " values (a spec holds a few thousand)", p_ + 1);
        switch (*p_) {
            case '{':
            case '[': {
                bool is_object = *p_ == '{';
                ++p_;
                if (depth_ == max_depth_)
                    fail("nesting deeper than " + std::to_string(max_depth_) + " arrays and objects", p_);
                skip_space();
                if (p_ < end_ && *p_ == (is_object ? '}' : ']')) {
                    ++p_;
                    out = is_object ? Json::object() : Json::array();
                    return true;
                }
                if (depth_ == frames_.size()) frames_.emplace_back();
                Frame& f = frames_[depth_++];
                f.is_object = is_object;
                if (is_object) read_key(f);
                return false;
            }
            case '"': {
                ++p_;
                std::string s;
                if (read_string(s)) fail("NUL character in the string at " + path_of(depth_), p_);
                out = std::move(s);
                return true;
            }
            case 't': return literal("true", Json(true), out);
            case 'f': return literal("false", Json(false), out);
            case 'n': return literal("null", Json(nullptr), out);
            default:
                if (*p_ == '-' || is_digit(*p_)) {
                    read_number(out);
                    return true;
                }
                syntax_error("unexpected " + describe(p_, end_) + "; expected a value", p_ + 1);
        }
    }

    bool literal(std::string_view word, Json v, Json& out) {
        for (char c : word) {
            if (p_ == end_ || *p_ != static_cast<unsigned char>(c))
                syntax_error("invalid literal; expected '" + std::string(word) + "'", p_ + 1);
            ++p_;
        }
        out = std::move(v);
        return true;
    }

    // At a member's key (after '{' or ','): reads it and the ':' after it.
    void read_key(Frame& f) {
        if (p_ == end_ || *p_ != '"')
            syntax_error("unexpected " + describe(p_, end_) + "; expected a string as object key", p_ + 1);
        ++p_;
        std::string key;
        bool nul = read_string(key);
        f.members.emplace_back(std::move(key), Json());
        if (nul) fail("NUL character in a key of " + path_of(depth_ - 1), p_);
        f.key_ends.push_back(static_cast<std::size_t>(p_ - begin_));
        skip_space();
        if (p_ == end_ || *p_ != ':')
            syntax_error("unexpected " + describe(p_, end_) + " after an object key; expected ':'", p_ + 1);
        ++p_;
    }

    Json close(Frame& f) {
        if (f.is_object) {
            if (std::size_t dup = first_duplicate(f.members); dup != SIZE_MAX)
                throw HookError("parse JSON", name_,
                                "byte " + std::to_string(f.key_ends[dup]) + ": duplicate key " +
                                    Json(f.members[dup].first).dump() + " in " + path_of(depth_ - 1));
            --depth_;
            Json obj = Json::object();
            // ordered_map's own insert searches its keys linearly (k keys:
            // O(k^2)); appending to its vector, reserved once, does not copy
            // the const keys.
            auto& map = static_cast<Json::object_t::Container&>(obj.get_ref<Json::object_t&>());
            map.reserve(f.members.size());
            for (auto& [k, v] : f.members) map.emplace_back(std::move(k), std::move(v));
            f.members.clear();  // keeps its capacity for the next object at this depth
            f.key_ends.clear();
            return obj;
        }
        --depth_;
        // Moved into a vector of the exact size: one allocation per array
        // (growing its own would be several), and f.items keeps its
        // capacity for the next array at this depth.
        Json arr = Json::array();
        arr.get_ref<Json::array_t&>().assign(std::make_move_iterator(f.items.begin()),
                                             std::make_move_iterator(f.items.end()));
        f.items.clear();
        return arr;
    }

    // After the opening quote: reads the string into `s` and leaves p_
    // after the closing quote. Returns whether it holds a NUL (the caller
    // refuses it, naming the path).
    bool read_string(std::string& s) {
        const unsigned char* run = p_;  // bytes to copy as they are, from here to p_
        bool nul = false;
        for (;;) {
            while (p_ < end_ && plain(*p_)) ++p_;
            if (p_ == end_) syntax_error("invalid string: missing closing quote", p_ + 1);
            unsigned char c = *p_;
            if (c == '"') {
                s.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p_ - run));
                ++p_;
                return nul;
            }
            if (c >= 0x80) {
                std::size_t bad = 0;
                std::size_t n = utf8_sequence(p_, end_, bad);
                if (n == 0) syntax_error("invalid string: ill-formed UTF-8 byte", p_ + bad + 1);
                p_ += n;
                continue;
            }
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "%04X", c);
                syntax_error(std::string("invalid string: control character U+") + buf + " must be escaped", p_ + 1);
            }
            // A backslash.
            s.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p_ - run));
            ++p_;
            if (p_ == end_) syntax_error("invalid string: missing closing quote", p_ + 1);
            switch (*p_++) {
                case '"': s += '"'; break;
                case '\\': s += '\\'; break;
                case '/': s += '/'; break;
                case 'b': s += '\b'; break;
                case 'f': s += '\f'; break;
                case 'n': s += '\n'; break;
                case 'r': s += '\r'; break;
                case 't': s += '\t'; break;
                case 'u': {
                    std::uint32_t cp = read_hex4();
                    if (cp >= 0xDC00 && cp <= 0xDFFF)
                        syntax_error("invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF", p_);
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
                            syntax_error("invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF",
                                         std::min(p_, end_) + 1);
                        p_ += 2;
                        std::uint32_t low = read_hex4();
                        if (low < 0xDC00 || low > 0xDFFF)
                            syntax_error("invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF",
                                         p_);
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    if (cp == 0) nul = true;
                    append_utf8(s, cp);
                    break;
                }
                default: syntax_error("invalid string: forbidden character after backslash", p_);
            }
            run = p_;
        }
    }

    std::uint32_t read_hex4() {
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            int d = p_ < end_ ? hex_digit(*p_) : -1;
            if (d < 0) syntax_error("invalid string: '\\u' must be followed by 4 hex digits", p_ + 1);
            v = v << 4 | static_cast<std::uint32_t>(d);
            ++p_;
        }
        return v;
    }

    // A number per RFC 8259 section 6. Typed as nlohmann typed it: an
    // integer without fraction or exponent is unsigned when not negative,
    // signed when negative, a double when it does not fit 64 bits; anything
    // else is a double, and one beyond a double's range is refused.
    void read_number(Json& out) {
        const unsigned char* start = p_;
        bool negative = *p_ == '-';
        if (negative) ++p_;
        auto digit_expected = [&](const char* after) {
            syntax_error(std::string("invalid number; expected a digit after ") + after, p_ + 1);
        };
        if (p_ == end_ || !is_digit(*p_)) digit_expected("'-'");
        std::uint64_t mag = 0;
        bool fits = true;
        if (*p_ == '0') {
            ++p_;
        } else {
            for (; p_ < end_ && is_digit(*p_); ++p_) {
                unsigned d = *p_ - '0';
                if (mag > (UINT64_MAX - d) / 10) fits = false;
                mag = mag * 10 + d;
            }
        }
        bool is_float = false;
        if (p_ < end_ && *p_ == '.') {
            is_float = true;
            ++p_;
            if (p_ == end_ || !is_digit(*p_)) digit_expected("'.'");
            while (p_ < end_ && is_digit(*p_)) ++p_;
        }
        if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
            is_float = true;
            ++p_;
            if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (p_ == end_ || !is_digit(*p_)) digit_expected("the exponent");
            while (p_ < end_ && is_digit(*p_)) ++p_;
        }
        if (!is_float && fits) {
            if (!negative) {
                out = Json(static_cast<Json::number_unsigned_t>(mag));
                return;
            }
            if (mag <= std::uint64_t{1} << 63) {
                // -(2^63) is representable; negate in unsigned arithmetic.
                out = Json(static_cast<Json::number_integer_t>(~mag + 1));
                return;
            }
        }
        out = Json(to_double(start));
    }

    double to_double(const unsigned char* start) {
        const char* first = reinterpret_cast<const char*>(start);
        const char* last = reinterpret_cast<const char*>(p_);
        double v = 0;
        auto [ptr, ec] = std::from_chars(first, last, v);
        if (ec == std::errc() && ptr == last) return v;
        // Out of range: an underflow is a zero or a subnormal, as strtod
        // (nlohmann's conversion) gave it; an overflow is refused.
        std::string token(first, last);
        v = std::strtod(token.c_str(), nullptr);
        if (std::isinf(v)) {
            if (token.size() > 40) token = token.substr(0, 40) + "...";
            fail("number overflow parsing '" + token + "'", p_);
        }
        return v;
    }

    // The JSON path of the value being built inside the first `levels` open
    // containers ("the top level" when none).
    std::string path_of(std::size_t levels) const {
        std::string path;
        for (std::size_t i = 0; i < levels; ++i) {
            const Frame& f = frames_[i];
            if (f.is_object)
                append_key(path, f.members.back().first);
            else
                path += '[' + std::to_string(f.items.size()) + ']';
        }
        return path.empty() ? "the top level" : path;
    }

    const unsigned char* begin_;
    const unsigned char* end_;
    const unsigned char* p_;
    const std::string& name_;
    std::size_t max_depth_;
    std::vector<Frame> frames_;  // frames_[0 .. depth_) are open; the rest keep their buffers
    std::size_t depth_ = 0;
    std::size_t values_ = 0;  // begun so far, against kMaxJsonValues
};

}  // namespace

Json parse_json(std::string_view text, const std::string& name, std::size_t max_depth) {
    return Parser(text, name, max_depth).run();
}

}  // namespace oci
