#include "json_parse.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

#include "../hook/error.hpp"

using agenthook::HookError;

namespace oci {

namespace {

// A const char* that also publishes how far it has got. nlohmann's lexer
// reads its input one character at a time through a copy of this iterator,
// so *cursor is the end of what the lexer has read: the offset of the
// problems the builder finds (depth, duplicate keys, NUL), which the SAX
// callbacks are not told.
class CountingIterator {
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    CountingIterator(const char* p, const char** cursor) : p_(p), cursor_(cursor) {}
    reference operator*() const { return *p_; }
    CountingIterator& operator++() {
        *cursor_ = ++p_;
        return *this;
    }
    CountingIterator operator++(int) {
        CountingIterator old = *this;
        ++*this;
        return old;
    }
    bool operator==(const CountingIterator& other) const { return p_ == other.p_; }

private:
    const char* p_;
    const char** cursor_;
};

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

// Objects with more members than this are checked for duplicate keys by
// sorting; smaller ones (nearly all of an OCI document) pairwise.
constexpr std::size_t kPairwiseKeys = 8;

// nlohmann SAX handler that builds the document. Each open array or object
// is a Frame on an explicit stack (no recursion). An object's members are
// collected in document order and moved into its ordered_map in one go when
// it closes, after the duplicate check: ordered_map's own insert searches
// linearly, and growing its vector of pair<const string, Json> copies
// (const keys cannot be moved) every member, subtrees included.
class Builder {
public:
    Builder(std::string_view text, const std::string& name, std::size_t max_depth)
        : begin_(text.data()), cursor_(text.data()), name_(name), max_depth_(max_depth) {
        // Never reallocated, so a frame's buffers are reused by the next
        // container at the same depth.
        frames_.reserve(max_depth);
    }

    CountingIterator first() { return {begin_, &cursor_}; }
    CountingIterator last(std::string_view text) { return {text.data() + text.size(), &cursor_}; }

    Json take_result() { return std::move(root_); }
    const HookError& error() const { return error_; }

    // --- nlohmann SAX interface ---
    bool null() { return put(Json(nullptr)); }
    bool boolean(bool v) { return put(Json(v)); }
    bool number_integer(Json::number_integer_t v) { return put(Json(v)); }
    bool number_unsigned(Json::number_unsigned_t v) { return put(Json(v)); }
    bool number_float(Json::number_float_t v, const Json::string_t&) { return put(Json(v)); }
    bool string(Json::string_t& v) {
        if (v.find('\0') != std::string::npos) return fail("NUL character in the string at " + path_of(depth_));
        return put(Json(std::move(v)));
    }
    // Only binary formats (CBOR, ...) produce these; JSON text never does.
    bool binary(Json::binary_t&) { return fail("binary value"); }

    bool start_object(std::size_t) { return open(true); }
    bool start_array(std::size_t) { return open(false); }

    bool key(Json::string_t& k) {
        Frame& f = frames_[depth_ - 1];
        if (k.find('\0') != std::string::npos) return fail("NUL character in a key of " + path_of(depth_ - 1));
        f.members.emplace_back(std::move(k), Json());
        f.key_ends.push_back(offset());
        return true;
    }

    bool end_object() {
        Frame& f = frames_[depth_ - 1];
        if (std::size_t dup = duplicate_of(f); dup != kNone) {
            error_ = HookError("parse JSON", name_,
                               "byte " + std::to_string(f.key_ends[dup]) + ": duplicate key " +
                                   Json(f.members[dup].first).dump() + " in " + path_of(depth_ - 1));
            return false;
        }
        Json obj = Json::object();
        auto& map = static_cast<Json::object_t::Container&>(obj.get_ref<Json::object_t&>());
        map.reserve(f.members.size());
        for (auto& [k, v] : f.members) map.emplace_back(std::move(k), std::move(v));
        f.members.clear();
        f.key_ends.clear();
        --depth_;
        return put(std::move(obj));
    }

    bool end_array() {
        Frame& f = frames_[depth_ - 1];
        Json arr = Json::array();
        arr.get_ref<Json::array_t&>() = std::move(f.items);
        f.items = {};
        --depth_;
        return put(std::move(arr));
    }

    bool parse_error(std::size_t position, const std::string&, const Json::exception& e) {
        // e.what() is "[json.exception.parse_error.101] parse error at line 1,
        // column 5: ..."; keep the part after the bracketed id.
        std::string msg = e.what();
        if (auto cut = msg.find("] "); cut != std::string::npos) msg = msg.substr(cut + 2);
        error_ = HookError("parse JSON", name_, "byte " + std::to_string(position) + ": " + msg);
        return false;
    }

private:
    static constexpr std::size_t kNone = SIZE_MAX;

    struct Frame {
        bool is_object = false;
        Json::array_t items;                              // arrays
        std::vector<std::pair<std::string, Json>> members;  // objects, document order
        std::vector<std::size_t> key_ends;                // offset after each member's key
    };

    std::size_t offset() const { return static_cast<std::size_t>(cursor_ - begin_); }

    bool fail(const std::string& reason) {
        error_ = HookError("parse JSON", name_, "byte " + std::to_string(offset()) + ": " + reason);
        return false;
    }

    bool open(bool is_object) {
        if (depth_ == max_depth_)
            return fail("nesting deeper than " + std::to_string(max_depth_) + " arrays and objects");
        if (depth_ == frames_.size()) frames_.emplace_back();
        frames_[depth_].is_object = is_object;
        ++depth_;
        return true;
    }

    bool put(Json&& v) {
        if (depth_ == 0) {
            root_ = std::move(v);
            return true;
        }
        Frame& f = frames_[depth_ - 1];
        if (f.is_object)
            f.members.back().second = std::move(v);
        else
            f.items.push_back(std::move(v));
        return true;
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

    // The index of the first member whose key an earlier member already has,
    // or kNone. Sorting rather than hashing: a hash set's worst case is
    // quadratic, and std::hash's seed is fixed, so colliding keys can be made.
    static std::size_t duplicate_of(const Frame& f) {
        const auto& m = f.members;
        std::size_t first = kNone;
        if (m.size() <= kPairwiseKeys) {
            for (std::size_t j = 1; j < m.size() && first == kNone; ++j)
                for (std::size_t i = 0; i < j; ++i)
                    if (m[i].first == m[j].first) {
                        first = j;
                        break;
                    }
            return first;
        }
        std::vector<std::pair<std::string_view, std::size_t>> sorted;
        sorted.reserve(m.size());
        for (std::size_t i = 0; i < m.size(); ++i) sorted.emplace_back(m[i].first, i);
        std::sort(sorted.begin(), sorted.end());  // equal keys end up adjacent, by index
        for (std::size_t i = 1; i < sorted.size(); ++i)
            if (sorted[i].first == sorted[i - 1].first) first = std::min(first, sorted[i].second);
        return first;
    }

    const char* begin_;
    const char* cursor_;
    const std::string& name_;
    std::size_t max_depth_;
    std::vector<Frame> frames_;
    std::size_t depth_ = 0;  // open arrays and objects
    Json root_;
    HookError error_{"parse JSON", "", ""};
};

}  // namespace

Json parse_json(std::string_view text, const std::string& name, std::size_t max_depth) {
    Builder builder(text, name, max_depth);
    if (!Json::sax_parse(builder.first(), builder.last(text), &builder)) throw builder.error();
    return builder.take_result();
}

}  // namespace oci
