#include "live_plan.hpp"

#include "../oci/config.hpp"
#include "../oci/mount.hpp"
#include "error.hpp"

namespace agenthook {

namespace {

std::string absolute(const std::string& bundle, const std::string& path) {
    return !path.empty() && path[0] == '/' ? path : bundle + "/" + path;
}

}  // namespace

SpecMount spec_mount(const oci::Json& entry, const std::string& bundle) {
    SpecMount m;
    m.destination = oci::normalize_destination(entry.at("destination").get_ref<const std::string&>());
    if (auto t = entry.find("type"); t != entry.end() && t->is_string()) m.type = t->get<std::string>();
    m.bind = m.type == "bind";
    if (auto o = entry.find("options"); o != entry.end())
        for (const auto& opt : *o) {
            if (!opt.is_string()) continue;
            const std::string& s = opt.get_ref<const std::string&>();
            // Later options override earlier ones, as in runc and crun.
            if (s == "bind" || s == "rbind") {
                m.bind = true;
                m.recursive = s == "rbind";
            }
            else if (s == "ro" || s == "rw") m.read_only = s == "ro";
            else if (s == "rro" || s == "rrw") m.recursive_read_only = s == "rro";
            else if (s == "nosuid" || s == "suid") m.nosuid = s == "nosuid";
            else if (s == "nodev" || s == "dev") m.nodev = s == "nodev";
            else if (s == "noexec" || s == "exec") m.noexec = s == "noexec";
            else if (s == "slave" || s == "rslave") m.slave = true;
            else if (s == "private" || s == "rprivate" || s == "shared" || s == "rshared") m.slave = false;
        }
    if (m.bind)
        if (auto s = entry.find("source"); s != entry.end() && s->is_string())
            m.source = absolute(bundle, s->get<std::string>());
    return m;
}

LivePlan plan_live(int pid, const std::string& bundle, const oci::Json& config, const Plan& plan) {
    LivePlan live;
    live.pid = pid;
    std::string root = oci::root_path(config);
    if (root.empty()) throw HookError("read config", bundle + "/config.json: root.path", "missing");
    live.rootfs = absolute(bundle, root);

    if (auto mounts = config.find("mounts"); mounts != config.end())
        for (const auto& m : *mounts) live.spec_mounts.push_back(spec_mount(m, bundle));

    const std::string context = oci::mount_label(config);
    std::vector<const PlannedTmpfs*> mounts{&plan.tmp};
    for (const auto& e : plan.excludes) mounts.push_back(&e);
    std::vector<std::string> destinations;
    for (const auto* m : mounts) destinations.push_back(m->destination);
    for (std::size_t i : parent_first_order(destinations)) {
        const PlannedTmpfs& m = *mounts[i];
        for (const auto& s : live.spec_mounts)
            if (s.destination == m.destination && (s.read_only || s.recursive_read_only))
                throw HookError("plan", m.destination,
                                "the spec mounts " + m.destination +
                                    " read-only, and the runtime remounts it read-only after the hooks, "
                                    "on top of whatever the hook puts there",
                                0,
                                "refused: hook mode cannot enforce the planned tmpfs there; drop \"ro\" from "
                                "that mount, or let precreate or the runtime wrapper rewrite the spec");
        live.tmpfs.push_back(TmpfsOp{m.destination, m.size_bytes, 01777, m.exec, m.nr_inodes, context});
    }

    live.home = HomeOp{plan.home.path, plan.home.uid, plan.home.gid, plan.home.mode};
    return live;
}

}  // namespace agenthook
