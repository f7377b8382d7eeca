#include "full_mount.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

#include "../oci/mount.hpp"

namespace agenthook {

namespace {

std::string kib(uint64_t blocks, uint64_t block_size) { return std::to_string(blocks * block_size / 1024); }

// The mountinfo text, read without the bounded readers of oci/json_io:
// their failures are sys_error()s, which would come back here. The calling
// thread's table: hook mode's worker thread is in the container's mount
// namespace, the rest of the process in the host's.
std::string read_mountinfo() {
    int fd = ::open("/proc/thread-self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    std::string text;
    char buf[8192];
    ssize_t n;
    // 16 MiB: far beyond any real table, a bound on a hostile one.
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < (std::size_t{16} << 20))
        text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return text;
}

}  // namespace

const MountInfo* containing_mount(const std::vector<MountInfo>& table, std::optional<uint64_t> mnt_id,
                                  std::string_view path) {
    if (mnt_id)
        if (const MountInfo* m = find_mount(table, *mnt_id)) return m;
    const MountInfo* best = nullptr;
    for (const auto& m : table)
        if (oci::is_at_or_under(path, m.mount_point) && (!best || m.mount_point.size() >= best->mount_point.size())) best = &m;
    return best;
}

std::string no_space_hint(int err, const MountInfo* mount, const std::string& path, const FsUsage& u) {
    if (err != ENOSPC && err != EDQUOT) return {};
    const std::string fs = mount ? "the filesystem mounted at " + mount->mount_point + " (" + mount->fstype + ")"
                                 : "the filesystem holding " + path;
    std::string what;
    if (err == EDQUOT) what = "a disk quota on " + fs + " is exhausted, not the disk";
    else if (u.inodes > 0 && u.inodes_free == 0 && u.blocks_free > 0) what = fs + " has no free inodes";
    else what = fs + " is full";
    std::string inodes = u.inodes == 0 ? "no inode limit"
                                       : std::to_string(u.inodes_free) + " of " + std::to_string(u.inodes) + " inodes free";
    return what + ": " + kib(u.blocks_free, u.block_size) + " of " + kib(u.blocks, u.block_size) + " KiB free, " + inodes;
}

std::string no_space_hint_for(const std::string& path, int err) {
    if ((err != ENOSPC && err != EDQUOT) || path.empty() || path[0] != '/') return {};
    // The nearest existing ancestor: a file that could not be created is
    // not there, its directory is (and "/" always is).
    std::string at = path;
    struct statx stx {};
    while (::statx(AT_FDCWD, at.c_str(), 0, STATX_MNT_ID, &stx) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) return {};
        auto slash = at.rfind('/');
        at = slash == 0 ? "/" : at.substr(0, slash);
    }
    struct statfs sfs {};
    if (::statfs(at.c_str(), &sfs) != 0) return {};
    const FsUsage usage{static_cast<uint64_t>(sfs.f_frsize ? sfs.f_frsize : sfs.f_bsize), sfs.f_blocks, sfs.f_bfree,
                        sfs.f_files, sfs.f_ffree};
    std::optional<uint64_t> mnt_id;
    if (stx.stx_mask & STATX_MNT_ID) mnt_id = stx.stx_mnt_id;
    const std::vector<MountInfo> table = parse_mountinfo(read_mountinfo());
    return no_space_hint(err, containing_mount(table, mnt_id, at), path, usage);
}

}  // namespace agenthook
