#include "observations.hpp"

namespace agenthook {

oci::Json dir_to_json(const DirObservation& d) {
    return oci::Json{{"path", d.path},
                     {"found", d.found},
                     {"error", d.error},
                     {"mode", d.mode},
                     {"uid", d.uid},
                     {"gid", d.gid},
                     {"is_mount_root", d.is_mount_root},
                     {"fstype", d.fstype},
                     {"mount_options", d.mount_options},
                     {"statfs_tmpfs", d.statfs_tmpfs},
                     {"noexec", d.noexec},
                     {"nosuid", d.nosuid},
                     {"nodev", d.nodev},
                     {"size_bytes", d.size_bytes},
                     {"used_bytes", d.used_bytes},
                     {"inodes_total", d.inodes_total},
                     {"inodes_used", d.inodes_used}};
}

DirObservation dir_from_json(const oci::Json& j) {
    DirObservation d;
    d.path = j.at("path").get<std::string>();
    d.found = j.at("found").get<bool>();
    d.error = j.at("error").get<std::string>();
    d.mode = j.at("mode").get<uint32_t>();
    d.uid = j.at("uid").get<uint32_t>();
    d.gid = j.at("gid").get<uint32_t>();
    d.is_mount_root = j.at("is_mount_root").get<bool>();
    d.fstype = j.at("fstype").get<std::string>();
    d.mount_options = j.at("mount_options").get<std::string>();
    d.statfs_tmpfs = j.at("statfs_tmpfs").get<bool>();
    d.noexec = j.at("noexec").get<bool>();
    d.nosuid = j.at("nosuid").get<bool>();
    d.nodev = j.at("nodev").get<bool>();
    d.size_bytes = j.at("size_bytes").get<uint64_t>();
    d.used_bytes = j.at("used_bytes").get<uint64_t>();
    d.inodes_total = j.at("inodes_total").get<uint64_t>();
    d.inodes_used = j.at("inodes_used").get<uint64_t>();
    return d;
}

}  // namespace agenthook
