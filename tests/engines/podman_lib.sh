# shellcheck shell=bash
# shellcheck disable=SC2034 # out, rc, PODMAN_CRUN, HOOK are set for the test that sources this
# Helpers for the podman engine test (test_podman.sh): a private podman
# (config, storage, hooks.d, locks, events, all under one work directory in
# /var/tmp), a busybox image built without a registry, and hooks.d entries:
# the hooks_dir of containers.conf gets what `oci-agent-hook install --engine
# podman` writes (podman_install), the variants a case needs are made from the
# shipped scripts/hooks.d files (hooks_dir). Source it after
# tests/e2e/lib.sh and tests/e2e/functional_lib.sh, then call
# podman_init HOOK-BINARY.
#
# Nothing outside the work directory is read or written on purpose: no
# /etc/containers file is changed (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF
# and CONTAINERS_REGISTRIES_CONF point at private files; lock_type "file"
# keeps podman's locks out of /dev/shm). podman_cleanup removes every
# container and image of the private storage, then the directory (after
# unmounting anything left under it).

# podman_init HOOK: checks what the test needs (or skips, see e2e_skip), makes
# the private podman in $E2E_WORK and the image $PODMAN_IMAGE. Sets HOOK,
# PODMAN_CRUN (the crun runtime to hand podman: scripts/crun-hybrid, which
# runs crun on a cgroup v2 only host and on a hybrid one).
podman_init() {
    HOOK=$(realpath -m -- "$1")
    [ "$(id -u)" = 0 ] || e2e_skip "the podman test needs root (rootful podman, real containers)"
    [ -x "$HOOK" ] || e2e_skip "hook binary $HOOK not built"
    local tool
    for tool in podman conmon runc crun jq tar; do
        command -v "$tool" > /dev/null || e2e_skip "$tool not installed (Debian package: $tool)"
    done
    [ -x /bin/busybox ] || e2e_skip "/bin/busybox not installed (Debian package: busybox-static)"
    # crun 1.8.1 refuses hybrid cgroups: scripts/crun-hybrid then gives it a
    # private cgroup2 /sys/fs/cgroup; on a cgroup v2 only host it runs crun
    # as it is.
    PODMAN_CRUN=$E2E_ROOT/scripts/crun-hybrid

    E2E_WORK=$(mktemp -d /var/tmp/oci-agent-hook-podman.XXXXXX)
    chmod 0755 "$E2E_WORK"
    trap podman_cleanup EXIT
    PODMAN_DIR=$E2E_WORK/podman
    mkdir -p "$PODMAN_DIR"/{storage,run,tmp,cni,hooks.d}
    cat > "$PODMAN_DIR/storage.conf" << EOF
[storage]
driver = "overlay"
graphroot = "$PODMAN_DIR/storage"
runroot = "$PODMAN_DIR/run"
EOF
    # default_ulimits: without it podman asks for nofile 1048576 and runc
    # fails where the process lacks CAP_SYS_RESOURCE (hard limit 20000 on
    # the machines this was written on): ask for no more than our own.
    local nofile nproc
    nofile=$(ulimit -Hn)
    nproc=$(ulimit -Hu)
    [[ $nofile =~ ^[0-9]+$ ]] && [ "$nofile" -le 1048576 ] || nofile=1048576
    [[ $nproc =~ ^[0-9]+$ ]] && [ "$nproc" -le 32768 ] || nproc=32768
    cat > "$PODMAN_DIR/containers.conf" << EOF
[containers]
netns = "none"
cgroupns = "host"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
runtime = "runc"
tmp_dir = "$PODMAN_DIR/tmp"
image_copy_tmp_dir = "$PODMAN_DIR/tmp"
lock_type = "file"
hooks_dir = ["$PODMAN_DIR/hooks.d"]
[network]
network_backend = "cni"
network_config_dir = "$PODMAN_DIR/cni"
EOF
    : > "$PODMAN_DIR/registries.conf"
    export CONTAINERS_CONF=$PODMAN_DIR/containers.conf
    export CONTAINERS_STORAGE_CONF=$PODMAN_DIR/storage.conf
    export CONTAINERS_REGISTRIES_CONF=$PODMAN_DIR/registries.conf
    export TMPDIR=$PODMAN_DIR/tmp
    PODMAN_READY=1

    PODMAN_IMAGE=localhost/oci-agent-hook-bb:latest
    podman_build_image || e2e_skip "cannot build the busybox image (see above)"
}

pm() { timeout 120 podman "$@"; }

# podman_build_image: the rootfs scripts/make-bundle.sh builds (busybox
# applets, root and agent users, /tmp mode 0755 on purpose, /workspace),
# plus functional_lib.sh's /probe and /try, imported as $PODMAN_IMAGE.
podman_build_image() {
    local b=$E2E_WORK/image
    "$E2E_ROOT/scripts/make-bundle.sh" "$b" > /dev/null || return 1
    install_probe "$b/rootfs"
    tar -C "$b/rootfs" -cf "$E2E_WORK/rootfs.tar" . || return 1
    pm import -q "$E2E_WORK/rootfs.tar" "$PODMAN_IMAGE" > /dev/null || return 1
    rm -rf "$b" "$E2E_WORK/rootfs.tar"
}

# hooks_dir NAME PRECREATE_POLICY CREATERUNTIME_POLICY: a hooks.d directory
# $PODMAN_DIR/NAME holding the two shipped entries, their path rewritten to
# the built hook, and OCI_AGENT_HOOK_CONFIG=<policy> added to each one's env.
# A policy "-" leaves that entry out. Prints the directory.
hooks_dir() {
    local dir=$PODMAN_DIR/$1 pre=$2 cr=$3 f policy
    mkdir -p "$dir"
    for f in "$E2E_ROOT"/scripts/hooks.d/oci-agent-hook-*.json; do
        case $f in
            *precreate.json) policy=$pre ;;
            *) policy=$cr ;;
        esac
        [ "$policy" = - ] && continue
        jq --arg p "$HOOK" --arg c "$policy" \
            '.hook.path = $p | .hook.env += ["OCI_AGENT_HOOK_CONFIG=" + $c]' "$f" > "$dir/${f##*/}" || return 1
    done
    echo "$dir"
}

# podman_install [OPTIONS], podman_uninstall [OPTIONS]: `oci-agent-hook
# install|uninstall --engine podman` into $PODMAN_DIR/hooks.d (the hooks_dir
# of containers.conf) for the hook under test; prints what it printed,
# returns its status.
podman_install() { "$HOOK" install --engine podman --config-dir "$PODMAN_DIR/hooks.d" --hook-path "$HOOK" "$@" 2>&1; }
podman_uninstall() { "$HOOK" uninstall --engine podman --config-dir "$PODMAN_DIR/hooks.d" --hook-path "$HOOK" "$@" 2>&1; }

# prun RUNTIME [podman run options] -- IMAGE-ARGS...: `podman run` of
# $PODMAN_IMAGE with no network and no pull under RUNTIME (runc or the path
# of a crun); sets $out (everything podman printed) and $rc.
prun() {
    local runtime=$1 opts=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    out=$(pm --runtime "$runtime" run --pull never --network none "${opts[@]}" "$PODMAN_IMAGE" "$@" < /dev/null 2>&1)
    rc=$?
}

# The container's bundle config.json (podman keeps it until the container
# is removed).
config_path() { pm inspect --format '{{.OCIConfigPath}}' "$1"; }

podman_cleanup() {
    if [ "${PODMAN_READY:-0}" = 1 ]; then
        pm rm -a -f -t 0 > /dev/null 2>&1
        pm rmi -a -f > /dev/null 2>&1
    fi
    e2e_cleanup
}
