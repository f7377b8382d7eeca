#pragma once
// PURE: one line of /proc/<pid>/mountinfo as data (see proc(5)):
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
// The kernel escapes space, tab, newline and backslash in the path-like
// fields as octal (\040, \011, \012, \134); they come back unescaped here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agenthook {

struct MountInfo {
    uint64_t mnt_id = 0;
    uint64_t parent_id = 0;
    std::string dev;                          // "major:minor"
    std::string root;                         // path inside the filesystem, unescaped
    std::string mount_point;                  // unescaped
    std::string options;                      // per-mount options, e.g. "rw,nosuid"
    std::vector<std::string> optional_fields; // e.g. "shared:1", "master:2"
    std::string fstype;                       // unescaped
    std::string source;                       // unescaped
    std::string super_options;                // per-superblock options
};

// nullopt when the line does not have the mountinfo shape (missing fields,
// no "-" separator, ids that are not decimal numbers).
std::optional<MountInfo> parse_mountinfo_line(std::string_view line);

// Every well-formed line of a whole mountinfo text, in order.
std::vector<MountInfo> parse_mountinfo(std::string_view mountinfo_text);

// The entry with that mount id; nullptr if absent.
const MountInfo* find_mount(const std::vector<MountInfo>& table, uint64_t mnt_id);

// The mounts that sit directly on mount `parent_id` strictly beneath `dir`
// (a path as mountinfo shows it) and can be seen there: a child hidden
// beneath another child's mount point (mounted first, then covered) is
// left out. Moving each of these moves everything mounted on it too.
std::vector<const MountInfo*> visible_children(const std::vector<MountInfo>& table, uint64_t parent_id,
                                               std::string_view dir);

// The mount has shared propagation (an optional field "shared:N").
bool is_shared(const MountInfo& m);

// "\040" -> " " and so on; a backslash not followed by three octal digits is kept.
std::string unescape_mountinfo(std::string_view field);

}  // namespace agenthook
