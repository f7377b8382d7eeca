#include "live_plan.hpp"

#include "../oci/config.hpp"
#include "../oci/mount.hpp"
#include "error.hpp"

namespace agenthook {

namespace {

// The host id the container sees as `id`: itself without a user namespace.
uint32_t host_id(const oci::Json& config, bool uid, uint32_t id, const std::string& what) {
    if (!oci::has_user_namespace(config)) return id;
    auto maps = uid ? oci::uid_mappings(config) : oci::gid_mappings(config);
    const char* key = uid ? "linux.uidMappings" : "linux.gidMappings";
    if (maps.empty()) return id;  // the runtime maps nothing: ids are shared with the host
    auto host = oci::map_to_host(maps, id);
    if (!host)
        throw HookError("map ids", key,
                        what + " " + std::to_string(id) + " has no mapping in the container's user namespace");
    return *host;
}

}  // namespace

std::string read_only_mount_holding(const oci::Json& config, const std::string& path) {
    auto mounts = config.find("mounts");
    if (mounts == config.end()) return "";
    std::string holder;  // deepest destination at or above path; later mounts win ties
    bool holder_ro = false;
    for (const auto& m : *mounts) {
        std::string dest = oci::normalize_destination(m.at("destination").get<std::string>());
        if (!oci::is_at_or_under(path, dest) || dest.size() < holder.size()) continue;
        bool ro = false;
        if (auto o = m.find("options"); o != m.end())
            for (const auto& opt : *o) {
                if (opt == "ro") ro = true;
                if (opt == "rw") ro = false;
            }
        holder = dest;
        holder_ro = ro;
    }
    return holder_ro ? holder : "";
}

LivePlan plan_live(int pid, const std::string& bundle, const oci::Json& config, const Plan& plan) {
    LivePlan live;
    live.pid = pid;
    std::string root = oci::root_path(config);
    if (root.empty()) throw HookError("read config", bundle + "/config.json: root.path", "missing");
    live.rootfs = root[0] == '/' ? root : bundle + "/" + root;

    const uint32_t root_uid = host_id(config, true, 0, "uid");
    const uint32_t root_gid = host_id(config, false, 0, "gid");
    const std::string context = oci::mount_label(config);

    std::vector<const PlannedTmpfs*> mounts{&plan.tmp};
    for (const auto& e : plan.excludes) mounts.push_back(&e);
    std::vector<std::string> destinations;
    for (const auto* m : mounts) destinations.push_back(m->destination);
    // The tmpfs at a target is the hook's own: what holds the target is its parent's mount.
    for (std::size_t i : parent_first_order(destinations)) {
        const PlannedTmpfs& m = *mounts[i];
        live.tmpfs.push_back(TmpfsOp{m.destination, m.size_bytes, 01777, m.exec, m.nr_inodes, root_uid,
                                     root_gid, context, read_only_mount_holding(config, oci::parent_path(m.destination))});
    }

    live.home = HomeOp{plan.home.path, host_id(config, true, plan.home.uid, "home uid"),
                       host_id(config, false, plan.home.gid, "home gid"), plan.home.mode,
                       read_only_mount_holding(config, plan.home.path)};
    return live;
}

}  // namespace agenthook
