#include "mount.hpp"

#include <vector>

namespace oci {

std::string normalize_destination(std::string_view destination) {
    std::vector<std::string_view> segments;
    std::size_t pos = 0;
    while (pos <= destination.size()) {
        std::size_t next = destination.find('/', pos);
        if (next == std::string_view::npos) next = destination.size();
        std::string_view seg = destination.substr(pos, next - pos);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        pos = next + 1;
    }
    if (segments.empty()) return "/";
    std::string out;
    for (auto seg : segments) {
        out += '/';
        out += seg;
    }
    return out;
}

bool is_strict_ancestor(std::string_view ancestor, std::string_view path) {
    if (ancestor == "/") return path != "/";
    return path.size() > ancestor.size() && path.substr(0, ancestor.size()) == ancestor &&
           path[ancestor.size()] == '/';
}

bool is_at_or_under(std::string_view path, std::string_view root) {
    return path == root || is_strict_ancestor(root, path);
}

std::string parent_path(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == 0 || slash == std::string_view::npos ? "/" : std::string(path.substr(0, slash));
}

std::string last_segment(std::string_view path) {
    auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

bool has_dotdot_segment(std::string_view path) {
    std::size_t pos = 0;
    while (pos <= path.size()) {
        std::size_t next = path.find('/', pos);
        if (next == std::string_view::npos) next = path.size();
        if (path.substr(pos, next - pos) == "..") return true;
        pos = next + 1;
    }
    return false;
}

}  // namespace oci
