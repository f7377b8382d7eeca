#!/usr/bin/env bash
# Builds the Debian package oci-agent-hook_<version>_<arch>.deb from a fresh
# Release build (BUILD_TESTING=OFF, prefix /usr, static-pie binary with no
# shared-library dependencies) with dpkg-deb, and prints the package's
# absolute path on its last line.
#
# The package holds: /usr/bin/oci-agent-hook, /usr/bin/oci-agent-runtime (a
# symlink), /etc/oci-agent-hook/config.json (a conffile: the defaults, as
# config.json.example), the podman/CRI-O hooks.d entries in
# /usr/share/containers/oci/hooks.d, the sweep's systemd service and timer in
# /usr/lib/systemd/system (not enabled: no postinst; without debhelper there
# is no deb-systemd-helper to do it the Debian way), oci-agent-hook(8), and README.md,
# config.json.example and copyright in /usr/share/doc/oci-agent-hook.
#
# Usage: scripts/package.sh
#   BUILD_DIR           build directory (default: build-package/); the .deb is written there
#   PACKAGE_MAINTAINER  the Maintainer field (default: oci-agent-hook maintainers <root@localhost>)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build-package}
maintainer=${PACKAGE_MAINTAINER:-oci-agent-hook maintainers <root@localhost>}
log=$build/package.log

say() { echo "package.sh: $*"; }
fail() { echo "package.sh: $*" >&2; exit 1; }
# step NAME COMMAND...: runs COMMAND with its output in the log; on failure
# shows the log's end.
step() {
    local name=$1
    shift
    say "$name"
    if ! "$@" >> "$log" 2>&1; then
        tail -n 30 "$log" >&2
        fail "$name failed (log: $log)"
    fi
}

for tool in cmake dpkg-deb dpkg readelf gzip; do
    command -v "$tool" > /dev/null || fail "$tool not found"
done
mkdir -p "$build"
: > "$log"
umask 022

# --fresh: a new cache, so no option of an earlier configure carries over.
step "configuring a Release build in $build" cmake --fresh -S "$top" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DCMAKE_INSTALL_PREFIX=/usr \
    -DOCI_AGENT_HOOK_STATIC=ON -DOCI_AGENT_HOOK_HARDEN=ON -DOCI_AGENT_HOOK_SANITIZE=
step "building" cmake --build "$build" -j "$(nproc)"

# The control file declares no Depends: the binary must need no shared library.
needed=$(readelf -dW "$build/oci-agent-hook" | grep -F '(NEEDED)' || true)
[ -z "$needed" ] || fail "$build/oci-agent-hook needs shared libraries, the package declares none: $needed"
version=$("$build/oci-agent-hook" --version | awk '{ print $2 }')
[[ $version =~ ^[0-9][0-9A-Za-z.+~-]*$ ]] || fail "cannot read the version from $build/oci-agent-hook --version"
arch=$(dpkg --print-architecture)

root=$build/deb-root
rm -rf "$root"
step "installing into $root" env DESTDIR="$root" cmake --install "$build" --strip
doc=$root/usr/share/doc/oci-agent-hook
gzip -9n "$root/usr/share/man/man8/oci-agent-hook.8"
install -D -m 0644 "$top/config.json.example" "$root/etc/oci-agent-hook/config.json"
cat > "$doc/copyright" << EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: oci-agent-hook

Files: *
Copyright: the oci-agent-hook authors
License: none stated
 The source tree states no license. Ask the authors before redistributing.
EOF

mkdir -p "$root/DEBIAN"
echo /etc/oci-agent-hook/config.json > "$root/DEBIAN/conffiles"
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" << EOF
Package: oci-agent-hook
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $installed_size
Recommends: runc | crun
Suggests: podman, containerd, docker.io
Section: admin
Priority: optional
Description: OCI runtime hook for the filesystem contract of AI-agent containers
 On every container start oci-agent-hook makes /tmp a bounded
 noexec,nosuid,nodev tmpfs (mode 1777), mounts the configured excluded paths
 as exec tmpfs, creates the agent's home owned by uid 1000, and records the
 mounts in the bundle's config.json.
 .
 It ships hooks.d entries for podman and CRI-O, and oci-agent-runtime, a
 runtime wrapper for containerd and Docker. The policy is
 /etc/oci-agent-hook/config.json; see oci-agent-hook(8) and
 /usr/share/doc/oci-agent-hook/README.md.
EOF
# Modes as Debian wants them, whatever the umask of the checkout was.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/bin/oci-agent-hook"

deb=$build/oci-agent-hook_${version}_${arch}.deb
step "packaging $deb" dpkg-deb --root-owner-group -Zxz --build "$root" "$deb.tmp"
mv -f "$deb.tmp" "$deb"
echo "$deb"
