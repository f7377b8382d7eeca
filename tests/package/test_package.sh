#!/usr/bin/env bash
# The Debian package from scripts/package.sh, installed for real: its
# contents, modes, owners and control fields; `dpkg -i`; the hook from PATH;
# a podman container (private storage, but podman's default hooks.d
# directories) that gets the contract from the installed hooks.d entries
# alone; `dpkg -r` (the conffile stays), `dpkg --purge` (it goes); and the
# machine as before.
#
# Usage: test_package.sh [DEB]
#   DEB                 a package built already; without it, scripts/package.sh builds
#                       one in $PACKAGE_BUILD_DIR (default: a temporary directory)
#   PACKAGE_TEST_LOCK   a lock file to hold (flock) from dpkg -i to the purge, while
#                       other tests that start containers must wait
#
# Needs root and refuses to run where oci-agent-hook is installed already
# (it would remove an operator's install). Skips (exit 77) when it cannot
# run here; with E2E_REQUIRED=1 that fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/../e2e/lib.sh"
# shellcheck source=tests/e2e/functional_lib.sh
. "$here/../e2e/functional_lib.sh"
# shellcheck source=tests/engines/podman_lib.sh
. "$here/../engines/podman_lib.sh"
E2E_RUNTIME=package
started=$(date +%s)

[ $# -le 1 ] || { echo "usage: $0 [DEB]"; exit 2; }
[ "$(id -u)" = 0 ] || e2e_skip "the package test needs root (dpkg -i, real containers)"
for tool in dpkg dpkg-deb dpkg-query readelf jq; do
    command -v "$tool" > /dev/null || e2e_skip "$tool not installed"
done

package_status() { dpkg-query -W -f '${db:Status-Status}' oci-agent-hook 2> /dev/null; }
not_installed() { local s; s=$(package_status); [ -z "$s" ] || [ "$s" = not-installed ]; }
absent() {  # absent PATH...: none exists (not even as a dangling symlink)
    local p
    for p; do
        if [ -e "$p" ] || [ -L "$p" ]; then echo "     $p exists"; return 1; fi
    done
}
no_needed() { ! readelf -dW "$1" | grep -qF '(NEEDED)'; }
is_pie() { readelf -hW "$1" | grep -qE '^ *Type: +DYN'; }
man_ok() { zcat "$1" | grep -q '^\.TH OCI\\-AGENT\\-HOOK 8'; }

# Never touch an operator's install.
if ! not_installed; then
    echo "FAIL refusing to run: the package oci-agent-hook is on this machine (status $(package_status)); this test would remove it"
    exit 1
fi
for p in /usr/bin/oci-agent-hook /usr/bin/oci-agent-runtime /etc/oci-agent-hook; do
    if [ -e "$p" ] || [ -L "$p" ]; then
        echo "FAIL refusing to run: $p exists (an install this test would overwrite or remove)"
        exit 1
    fi
done

PKG_WORK=$(mktemp -d /var/tmp/oci-agent-hook-package.XXXXXX)
installed=0
package_cleanup() {
    if [ "$installed" = 1 ]; then
        echo "cleanup: dpkg --purge oci-agent-hook"
        dpkg --purge oci-agent-hook > /dev/null 2>&1
    fi
    [ "${PODMAN_READY:-0}" = 1 ] && podman_cleanup
    rm -rf "$PKG_WORK"
}
trap package_cleanup EXIT

# ---- the package file -------------------------------------------------------

if [ $# -eq 1 ]; then
    DEB=$(realpath -- "$1")
else
    t0=$(date +%s)
    DEB=$(BUILD_DIR=${PACKAGE_BUILD_DIR:-$PKG_WORK/build} "$E2E_ROOT/scripts/package.sh" | tail -n 1)
    echo "scripts/package.sh: $(($(date +%s) - t0)) s"
fi
[ -f "$DEB" ] || { echo "FAIL no package at '$DEB'"; exit 1; }
echo "package: $DEB"

arch=$(dpkg --print-architecture)
dpkg-deb -x "$DEB" "$PKG_WORK/x"
version=$("$PKG_WORK/x/usr/bin/oci-agent-hook" --version | awk '{ print $2 }')
field() { dpkg-deb -f "$DEB" "$1"; }

check "file name oci-agent-hook_<version>_<arch>.deb" [ "${DEB##*/}" = "oci-agent-hook_${version}_${arch}.deb" ]
check "Package: oci-agent-hook" [ "$(field Package)" = oci-agent-hook ]
check "Version: $version (the binary's --version)" [ "$(field Version)" = "$version" ]
check "Architecture: $arch" [ "$(field Architecture)" = "$arch" ]
check "Section: admin" [ "$(field Section)" = admin ]
check "Priority: optional" [ "$(field Priority)" = optional ]
check "Maintainer set" [ -n "$(field Maintainer)" ]
check "Description set" [ -n "$(field Description)" ]
check "Installed-Size is the unpacked size in KiB" \
    [ "$(field Installed-Size)" = "$(du -sk --apparent-size "$PKG_WORK/x" | cut -f1)" ]
check "no Depends or Pre-Depends (static binary)" [ -z "$(field Depends)$(field Pre-Depends)" ]
check "the binary needs no shared library (no NEEDED)" no_needed "$PKG_WORK/x/usr/bin/oci-agent-hook"
check "the binary is position independent (DYN)" is_pie "$PKG_WORK/x/usr/bin/oci-agent-hook"
dpkg-deb --ctrl-tarfile "$DEB" | tar -x -C "$PKG_WORK" ./conffiles 2> /dev/null
check "conffiles: /etc/oci-agent-hook/config.json" \
    [ "$(cat "$PKG_WORK/conffiles" 2> /dev/null)" = /etc/oci-agent-hook/config.json ]
check "the conffile is config.json.example" cmp -s "$PKG_WORK/x/etc/oci-agent-hook/config.json" "$E2E_ROOT/config.json.example"
for f in "$E2E_ROOT"/scripts/hooks.d/*.json; do
    check "hooks.d/${f##*/} is scripts/hooks.d's (path /usr/bin/oci-agent-hook)" \
        cmp -s "$PKG_WORK/x/usr/share/containers/oci/hooks.d/${f##*/}" "$f"
done
check "the man page is gzipped oci-agent-hook(8)" man_ok "$PKG_WORK/x/usr/share/man/man8/oci-agent-hook.8.gz"

# Contents: "MODE OWNER PATH" of every entry (a symlink with its target).
contents=$(dpkg-deb -c "$DEB" | awk '{ p = $6; for (i = 7; i <= NF; i++) p = p " " $i; print $1, $2, p }')
expected_files=$(sort << 'EOF'
-rw-r--r-- root/root ./etc/oci-agent-hook/config.json
-rwxr-xr-x root/root ./usr/bin/oci-agent-hook
lrwxrwxrwx root/root ./usr/bin/oci-agent-runtime -> oci-agent-hook
-rw-r--r-- root/root ./usr/share/containers/oci/hooks.d/oci-agent-hook-createruntime.json
-rw-r--r-- root/root ./usr/share/containers/oci/hooks.d/oci-agent-hook-poststop.json
-rw-r--r-- root/root ./usr/share/containers/oci/hooks.d/oci-agent-hook-precreate.json
-rw-r--r-- root/root ./usr/share/doc/oci-agent-hook/README.md
-rw-r--r-- root/root ./usr/share/doc/oci-agent-hook/config.json.example
-rw-r--r-- root/root ./usr/share/doc/oci-agent-hook/copyright
-rw-r--r-- root/root ./usr/share/man/man8/oci-agent-hook.8.gz
EOF
)
same() { [ "$1" = "$2" ] || { diff <(echo "$1") <(echo "$2") | sed 's/^/     /'; return 1; }; }
check "contents: exactly the expected files, modes and owners" same "$(grep -v '^d' <<< "$contents" | sort)" "$expected_files"
check "contents: every directory drwxr-xr-x root/root" \
    same "$(grep '^d' <<< "$contents" | grep -v '^drwxr-xr-x root/root ' || true)" ""
# Every path of the package, without the leading "." (directories end in /).
paths=$(awk '{ sub(/ -> .*/, "", $3); print substr($3, 2) }' <<< "$contents" | grep -v '^/$')
existed=()
while read -r p; do
    [ -e "$p" ] && existed+=("$p")
done <<< "$paths"

# ---- installed --------------------------------------------------------------

# podman first (private storage, the default hooks.d directories); HOOK is
# only checked for existence here, the hooks come from the package.
PODMAN_DEFAULT_HOOKS_DIRS=1 podman_init "$PKG_WORK/x/usr/bin/oci-agent-hook"
trap package_cleanup EXIT  # podman_init set its own
grep -q hooks_dir "$PODMAN_DIR/containers.conf" && { echo "FAIL containers.conf names a hooks_dir"; exit 1; }

if [ -n "${PACKAGE_TEST_LOCK:-}" ]; then
    exec {lock_fd}> "$PACKAGE_TEST_LOCK"
    echo "waiting for $PACKAGE_TEST_LOCK"
    flock "$lock_fd"
fi
t_lock=$(date +%s)

# What the workload sees: /tmp, /agent-home (the image's /tmp is 0755, it has no /agent-home).
probe() { prun "$1" --rm --user 1000:1000 -- /probe /tmp /agent-home; }
probe runc
check "before dpkg -i: the container runs" expect_rc 0
check "before dpkg -i: no tmpfs at /tmp (nothing in the default hooks.d dirs acts)" expect_no_tmpfs_at /tmp

out=$(dpkg -i "$DEB" 2>&1)
rc=$?
installed=1
check "dpkg -i exits 0" [ "$rc" -eq 0 ]
check "dpkg -s: install ok installed" [ "$(dpkg-query -W -f '${Status}' oci-agent-hook)" = "install ok installed" ]
check "oci-agent-hook on PATH is /usr/bin/oci-agent-hook" [ "$(command -v oci-agent-hook)" = /usr/bin/oci-agent-hook ]
check "oci-agent-hook --version from PATH: oci-agent-hook $version" [ "$(oci-agent-hook --version)" = "oci-agent-hook $version" ]
policy_ok() { oci-agent-hook check-config /etc/oci-agent-hook/config.json > /dev/null; }
check "oci-agent-hook check-config accepts the installed policy" policy_ok

for runtime in runc "$PODMAN_CRUN"; do
    label=${runtime##*/}
    probe "$runtime"
    check "$label, installed hooks.d only: the container runs" expect_rc 0
    check "$label, installed hooks.d only: /tmp is a noexec,nosuid,nodev tmpfs of 524288k (default 512m)" expect_tmpfs /tmp noexec 524288
    check "$label, installed hooks.d only: /tmp mode 1777" expect stat /tmp "directory 1777 0:0"
    check "$label, installed hooks.d only: a binary in /tmp cannot run" expect_noexec_denied /tmp
    check "$label, installed hooks.d only: /agent-home owned 1000:1000, mode 755" expect stat /agent-home "directory 755 1000:1000"
done

out=$(dpkg -r oci-agent-hook 2>&1)
rc=$?
check "dpkg -r exits 0" [ "$rc" -eq 0 ]
check "dpkg -r: binaries gone" absent /usr/bin/oci-agent-hook /usr/bin/oci-agent-runtime
check "dpkg -r: hooks.d entries gone" \
    absent /usr/share/containers/oci/hooks.d/oci-agent-hook-precreate.json /usr/share/containers/oci/hooks.d/oci-agent-hook-createruntime.json \
    /usr/share/containers/oci/hooks.d/oci-agent-hook-poststop.json
check "dpkg -r: the conffile stays" cmp -s /etc/oci-agent-hook/config.json "$E2E_ROOT/config.json.example"
check "dpkg -s: deinstall ok config-files" [ "$(dpkg-query -W -f '${Status}' oci-agent-hook)" = "deinstall ok config-files" ]

out=$(dpkg --purge oci-agent-hook 2>&1)
rc=$?
check "dpkg --purge exits 0" [ "$rc" -eq 0 ]
installed=0
check "dpkg --purge: /etc/oci-agent-hook gone" absent /etc/oci-agent-hook
check "dpkg -s: not installed" not_installed
# The machine as before: every path of the package gone, but directories
# that were there before.
left=()
while read -r p; do
    if [ -e "$p" ] || [ -L "$p" ]; then
        [[ " ${existed[*]} " == *" $p "* ]] || left+=("$p")
    fi
done <<< "$paths"
out="left: ${left[*]:-}"
check "after purge: no path of the package left but directories that were there before" [ ${#left[@]} -eq 0 ]
probe runc
check "after purge: no tmpfs at /tmp again" expect_no_tmpfs_at /tmp

[ -n "${lock_fd:-}" ] && flock -u "$lock_fd"
echo "dpkg -i .. purge span: $(($(date +%s) - t_lock)) s; whole test: $(($(date +%s) - started)) s"
echo "package: $e2e_passed passed, $e2e_failed failed"
[ "$e2e_failed" -eq 0 ]
