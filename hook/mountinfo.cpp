#include "mountinfo.hpp"

#include <algorithm>
#include <charconv>

#include "../oci/mount.hpp"

namespace agenthook {

namespace {

// mountinfo separates fields by exactly one space (the kernel escapes spaces
// inside fields), so an empty field, e.g. an empty source, stays a field.
std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        size_t sp = line.find(' ', start);
        if (sp == std::string_view::npos) {
            out.push_back(line.substr(start));
            return out;
        }
        out.push_back(line.substr(start, sp - start));
        start = sp + 1;
    }
}

std::optional<uint64_t> parse_id(std::string_view s) {
    uint64_t v = 0;
    if (s.empty()) return std::nullopt;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

}  // namespace

std::string unescape_mountinfo(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (size_t i = 0; i < field.size(); ++i) {
        // A byte is at most \377, so the first digit is 0-3.
        if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' &&
            field[i + 1] <= '3' && is_octal(field[i + 2]) && is_octal(field[i + 3])) {
            int v = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
            out.push_back(static_cast<char>(v));
            i += 3;
        } else {
            out.push_back(field[i]);
        }
    }
    return out;
}

std::optional<MountInfo> parse_mountinfo_line(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    auto f = split_spaces(line);

    // Six fixed fields, any number of optional fields, "-", then three more.
    size_t sep = 6;
    while (sep < f.size() && f[sep] != "-") ++sep;
    if (sep >= f.size() || f.size() - sep - 1 != 3) return std::nullopt;

    auto id = parse_id(f[0]);
    auto parent = parse_id(f[1]);
    if (!id || !parent) return std::nullopt;

    MountInfo m;
    m.mnt_id = *id;
    m.parent_id = *parent;
    m.dev = std::string(f[2]);
    m.root = unescape_mountinfo(f[3]);
    m.mount_point = unescape_mountinfo(f[4]);
    m.options = std::string(f[5]);
    for (size_t i = 6; i < sep; ++i) m.optional_fields.emplace_back(f[i]);
    m.fstype = unescape_mountinfo(f[sep + 1]);
    m.source = unescape_mountinfo(f[sep + 2]);
    m.super_options = std::string(f[sep + 3]);
    return m;
}

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
    std::vector<MountInfo> mounts;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        if (auto m = parse_mountinfo_line(text.substr(start, end - start))) mounts.push_back(std::move(*m));
        start = end + 1;
    }
    return mounts;
}

const MountInfo* find_mount(const std::vector<MountInfo>& table, uint64_t mnt_id) {
    for (const auto& m : table)
        if (m.mnt_id == mnt_id) return &m;
    return nullptr;
}

std::vector<const MountInfo*> visible_children(const std::vector<MountInfo>& table, uint64_t parent_id,
                                               std::string_view dir) {
    const std::string at = oci::normalize_destination(dir);
    std::vector<const MountInfo*> children;
    for (const auto& m : table)
        if (m.parent_id == parent_id && m.mnt_id != parent_id && oci::is_strict_ancestor(at, m.mount_point))
            children.push_back(&m);
    std::vector<const MountInfo*> visible;
    for (const MountInfo* c : children) {
        bool covered = std::any_of(children.begin(), children.end(), [&](const MountInfo* o) {
            return o != c && oci::is_strict_ancestor(o->mount_point, c->mount_point);
        });
        if (!covered) visible.push_back(c);
    }
    return visible;
}

bool is_shared(const MountInfo& m) {
    for (const auto& f : m.optional_fields)
        if (f.rfind("shared:", 0) == 0) return true;
    return false;
}

}  // namespace agenthook
