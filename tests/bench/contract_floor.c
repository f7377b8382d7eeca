// contract_floor: a benchmark's yardstick, not a hook to use. The least
// kernel work a createRuntime hook can do for the contract of the example
// policy, with none of oci-agent-hook's checks (no policy, no validation,
// no identity of mounts, no symlink defences beyond RESOLVE_IN_ROOT, no
// sandbox, no record, no log): read the state, read config.json, enter the
// container's mount namespace, mount /tmp (512m, noexec,nosuid,nodev, mode
// 1777), create /agent-home owned by 1000:1000, and replace config.json
// with one that lists the /tmp mount (an unnamed temp file, linked, renamed;
// no fsync, as hook mode). bench_concurrent.sh runs it beside the hook: the
// hook's cost over this is what its checks and its own code cost; this
// one's cost over the no-op hook is what the contract itself costs.
// Exits 1 with one line on the first failure.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char state[65536], config[1 << 22];

static void die(const char* step) {
    fprintf(stderr, "contract_floor: %s: %s\n", step, strerror(errno));
    exit(1);
}

// Reads fd to its end into buf (NUL-terminated); returns the length.
static size_t read_all(int fd, char* buf, size_t cap, const char* step) {
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, cap - 1 - n)) > 0) n += (size_t)r;
    if (r < 0) die(step);
    buf[n] = 0;
    return n;
}

int main(void) {
    read_all(0, state, sizeof state, "read state");
    // The state as runc and crun write it: "pid":N and "bundle":"PATH".
    char* pid_at = strstr(state, "\"pid\":");
    char* bundle = strstr(state, "\"bundle\":\"");
    if (!pid_at || !bundle) {
        errno = EINVAL;
        die("parse state");
    }
    int pid = atoi(pid_at + 6);
    bundle += 10;
    char* end = strchr(bundle, '"');
    if (!end) {
        errno = EINVAL;
        die("parse state");
    }
    *end = 0;

    int bundle_fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (bundle_fd < 0) die("open bundle");
    int config_fd = openat(bundle_fd, "config.json", O_RDONLY | O_CLOEXEC);
    if (config_fd < 0) die("open config.json");
    size_t config_len = read_all(config_fd, config, sizeof config, "read config.json");
    close(config_fd);

    char path[4096];
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) die("open mount namespace");
    if (setns(ns, CLONE_NEWNS) < 0) die("setns");
    // Opened after setns: a mount of the container's namespace.
    snprintf(path, sizeof path, "%s/rootfs", bundle);
    int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) die("open rootfs");

    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
    int tmp = (int)syscall(SYS_openat2, root, "tmp", &how, sizeof how);
    if (tmp < 0) die("open /tmp");
    int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "536870912", 0) < 0 ||
        syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "1777", 0) < 0 ||
        syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        die("create tmpfs");
    int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0) die("fsmount");
    if (syscall(SYS_move_mount, mnt, "", tmp, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        die("move_mount /tmp");

    if (mkdirat(root, "agent-home", 0755) < 0 && errno != EEXIST) die("mkdir /agent-home");
    if (fchownat(root, "agent-home", 1000, 1000, AT_SYMLINK_NOFOLLOW) < 0) die("chown /agent-home");

    int out = openat(bundle_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (out < 0) die("open temp config.json");
    static const char kTmp[] =
        "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        "\"options\":[\"size=512m\",\"mode=1777\",\"noexec\",\"nosuid\",\"nodev\"]},";
    char* mounts = strstr(config, "\"mounts\": [");
    size_t head = mounts ? (size_t)(mounts - config) + 11 : config_len;
    if (write(out, config, head) != (ssize_t)head ||
        (mounts && (write(out, kTmp, sizeof kTmp - 1) != (ssize_t)(sizeof kTmp - 1) ||
                    write(out, config + head, config_len - head) != (ssize_t)(config_len - head))))
        die("write config.json");
    if (linkat(out, "", bundle_fd, ".config.json.contract_floor", AT_EMPTY_PATH) < 0) die("link config.json");
    if (renameat(bundle_fd, ".config.json.contract_floor", bundle_fd, "config.json") < 0) die("rename config.json");
    return 0;
}
