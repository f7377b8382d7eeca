#include "observe.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "../oci/json_io.hpp"
#include "child.hpp"
#include "error.hpp"
#include "mountinfo.hpp"
#include "seccomp_dump.hpp"
#include "sys_linux.hpp"

namespace agenthook {

namespace {

// Resolving a few paths and statfs; far longer means a hung mount.
constexpr std::chrono::milliseconds kWorkerDeadline{10000};

// The namespace's root, after setns: the container's rootfs.
Fd open_ns_root() {
    Fd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) throw sys_error("open container root", "/", errno);
    return root;
}

DirObservation observe_dir(LinuxSys& sys, const Fd& root, const std::string& path,
                           const std::vector<MountInfo>& table) {
    DirObservation d;
    d.path = path;
    try {
        Found found = sys.find_dir(root, path);
        if (!found.missing.empty()) {
            d.error = "does not exist (" + (found.path == "/" ? std::string() : found.path) + "/" + found.missing[0] +
                      " is missing)";
            return d;
        }
        DirFacts f = sys.inspect(found.dir, path);
        d.found = true;
        d.mode = f.st_mode;
        d.uid = f.uid;
        d.gid = f.gid;
        d.is_mount_root = f.is_mount_root;
        if (const MountInfo* m = find_mount(table, f.mnt_id)) {
            d.fstype = m->fstype;
            d.mount_options = m->options;
        }
        d.statfs_tmpfs = f.is_tmpfs;
        d.noexec = f.noexec;
        d.nosuid = f.nosuid;
        d.nodev = f.nodev;
        d.size_bytes = f.size_bytes;
        d.used_bytes = f.size_bytes >= f.free_bytes ? f.size_bytes - f.free_bytes : 0;
        d.inodes_total = f.inodes;
        d.inodes_used = f.inodes >= f.free_inodes ? f.inodes - f.free_inodes : 0;
    } catch (const HookError& e) {
        d.error = e.line();
    }
    return d;
}

// In the worker: everything observed by path, as JSON for the wire.
std::string observe_mounts_worker(int pid, const Policy& policy) {
    LinuxSys sys;
    IdMaps maps = sys.pin_container(pid);
    sys.enter_mount_ns();
    const auto table = parse_mountinfo(sys.read_mountinfo());
    Fd root = open_ns_root();
    oci::Json reply = oci::Json::object();
    reply["tmp"] = dir_to_json(observe_dir(sys, root, "/tmp", table));
    oci::Json excludes = oci::Json::array();
    for (const auto& path : policy.exclude_paths) excludes.push_back(dir_to_json(observe_dir(sys, root, path, table)));
    reply["excludes"] = std::move(excludes);
    reply["home"] = dir_to_json(observe_dir(sys, root, policy.home_path, table));
    if (auto uid = oci::map_to_host(maps.uid, policy.home_uid)) reply["home_host_uid"] = *uid;
    if (auto gid = oci::map_to_host(maps.gid, policy.home_gid)) reply["home_host_gid"] = *gid;
    return reply.dump();
}

bool same_namespace(const std::string& a, const std::string& b) {
    struct stat sa{}, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

// In the worker: join the container's user namespace (if it has its own)
// and mount namespace, become the agent, create and remove a file in the
// home. The home is resolved (safely) before the ids drop; the create is
// checked against the agent's ids.
std::string write_home_worker(int pid, const Policy& policy) {
    LinuxSys sys;
    sys.pin_container(pid);
    const std::string user_ns = "/proc/" + std::to_string(pid) + "/ns/user";
    if (!same_namespace(user_ns, "/proc/self/ns/user")) {
        Fd userfd(::open(user_ns.c_str(), O_RDONLY | O_CLOEXEC));
        if (!userfd.valid()) throw sys_error("enter user namespace", user_ns, errno);
        if (::setns(userfd.get(), CLONE_NEWUSER) < 0) throw sys_error("enter user namespace", user_ns, errno);
    }
    sys.enter_mount_ns();
    Fd root = open_ns_root();
    Fd home = sys.open_dir_in_root(root, policy.home_path, false);
    // Container ids: inside its user namespace (or with none, where they
    // are the host's) the agent is home_uid:home_gid.
    const gid_t gid = policy.home_gid;
    if (::setgroups(0, nullptr) < 0) throw sys_error("drop supplementary groups", policy.home_path, errno);
    if (::setgid(gid) < 0) throw sys_error("setgid " + std::to_string(gid), policy.home_path, errno);
    if (::setuid(policy.home_uid) < 0)
        throw sys_error("setuid " + std::to_string(policy.home_uid), policy.home_path, errno);
    const std::string name = ".oci-agent-hook-doctor-" + std::to_string(::getpid());
    const std::string path = policy.home_path + "/" + name;
    Fd file(::openat(home.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file.valid()) throw sys_error("create a file as the agent", path, errno);
    file.reset();
    if (::unlinkat(home.get(), name.c_str(), 0) < 0) throw sys_error("remove the file as the agent", path, errno);
    return "ok";
}

}  // namespace

Observations observe_container(const std::string& label, int pid, const Policy& policy, Depth depth) {
    Observations obs;
    obs.label = label;
    obs.pid = pid;
    long page = ::sysconf(_SC_PAGESIZE);
    if (page > 0) obs.page_size = static_cast<uint64_t>(page);
    const std::string who = "pid " + std::to_string(pid);
    try {
        std::string reply =
            run_in_child([&] { return observe_mounts_worker(pid, policy); }, kWorkerDeadline, "observe container", who);
        oci::Json j = oci::parse_object(reply, "observation of " + who);
        obs.tmp = dir_from_json(j.at("tmp"));
        for (const auto& e : j.at("excludes")) obs.excludes.push_back(dir_from_json(e));
        obs.home = dir_from_json(j.at("home"));
        if (j.contains("home_host_uid")) obs.home_host_uid = j["home_host_uid"].get<uint32_t>();
        if (j.contains("home_host_gid")) obs.home_host_gid = j["home_host_gid"].get<uint32_t>();
    } catch (const HookError& e) {
        obs.error = e.line();
        return obs;
    } catch (const std::exception& e) {  // a reply of the wrong shape
        obs.error = "observe container: " + who + ": " + e.what();
        return obs;
    }
    if (depth == Depth::Mounts) return obs;

    if (obs.home.found) {
        obs.home_write.attempted = true;
        try {
            run_in_child([&] { return write_home_worker(pid, policy); }, kWorkerDeadline, "write as the agent", who);
            obs.home_write.ok = true;
        } catch (const HookError& e) {
            obs.home_write.error = e.line();
        }
    }
    obs.seccomp = observe_seccomp(pid);
    return obs;
}

}  // namespace agenthook
