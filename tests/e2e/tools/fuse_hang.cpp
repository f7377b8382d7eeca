// fuse_hang: a FUSE filesystem that never answers.
//
// Usage: fuse_hang DIR
//
// Opens /dev/fuse, mounts a FUSE filesystem on DIR with it, prints "ready"
// and then sleeps without ever reading the device: the kernel's INIT
// request and every later one (lookup, getattr, statfs...) wait forever,
// as on a FUSE server that hangs. Ending this process (SIGTERM) closes the
// device, which aborts the connection: waiting requests fail with ENOTCONN
// and DIR can be unmounted. The fault tests mount it in a rootfs to make
// the hook's worker hang where a real hung FUSE mount would make it hang.
// Mount it in a private mount namespace: a host-wide `df` would hang too.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuse_hang DIR\n");
        return 2;
    }
    int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "fuse_hang: open /dev/fuse: %s\n", std::strerror(errno));
        return 1;
    }
    std::string opts = "fd=" + std::to_string(fd) + ",rootmode=40000,user_id=0,group_id=0,allow_other";
    if (mount("fuse_hang", argv[1], "fuse.fuse_hang", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
        std::fprintf(stderr, "fuse_hang: mount %s: %s\n", argv[1], std::strerror(errno));
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) pause();
}
