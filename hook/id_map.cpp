#include "id_map.hpp"

#include <charconv>

#include "error.hpp"

namespace agenthook {

namespace {

// Fields are separated by runs of spaces (the kernel pads them to columns).
std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < line.size()) {
        while (pos < line.size() && line[pos] == ' ') ++pos;
        std::size_t end = line.find(' ', pos);
        if (end == std::string_view::npos) end = line.size();
        if (end > pos) out.push_back(line.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

std::optional<uint64_t> number(std::string_view s) {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::vector<oci::IdMapping> parse_proc_id_map(std::string_view text, const std::string& name) {
    std::vector<oci::IdMapping> maps;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        auto f = fields(line);
        if (f.empty()) continue;
        auto inside = f.size() == 3 ? number(f[0]) : std::nullopt;
        auto outside = f.size() == 3 ? number(f[1]) : std::nullopt;
        auto count = f.size() == 3 ? number(f[2]) : std::nullopt;
        if (!inside || !outside || !count)
            throw HookError("read id map", name, "malformed line \"" + std::string(line) + "\"");
        maps.push_back({*inside, *outside, *count});
    }
    return maps;
}

std::optional<uint32_t> map_to_container(const std::vector<oci::IdMapping>& maps, uint32_t host_id) {
    for (const auto& m : maps)
        if (host_id >= m.host_id && host_id - m.host_id < m.size) {
            uint64_t inside = m.container_id + (host_id - m.host_id);
            if (inside > 0xfffffffeULL) return std::nullopt;
            return static_cast<uint32_t>(inside);
        }
    return std::nullopt;
}

uint32_t host_id_of(const std::vector<oci::IdMapping>& maps, uint32_t id, const std::string& name,
                    const std::string& what) {
    auto host = oci::map_to_host(maps, id);
    if (!host)
        throw HookError("map ids", name,
                        what + " " + std::to_string(id) + " has no mapping in the container's user namespace");
    return *host;
}

}  // namespace agenthook
