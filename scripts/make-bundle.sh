#!/usr/bin/env bash
# Build a small OCI bundle (busybox rootfs + runc-generated config.json) for
# tests. The same bundle runs under runc and under scripts/crun-hybrid.
#
# Usage: make-bundle.sh DIR [OPTIONS] [--] [COMMAND [ARG...]]
#
#   DIR                  bundle directory; created; must not exist or be
#                        empty (see --force)
#   COMMAND [ARG...]     process.args; the first word that is not an option
#                        starts it. Default: sh -c 'cat /proc/self/mountinfo'
# Options:
#   --hook PATH          register PATH as a hook at the current stage, with
#                        args [PATH, STAGE]; repeatable
#   --stage STAGE        stage for the following --hook options (default
#                        createRuntime; also prestart, createContainer,
#                        startContainer, poststart, poststop)
#   --userns             user namespace: uid/gid 0 -> 100000 (size 65536),
#                        rootfs chowned to 100000:100000, no cgroup mount
#   --readonly           root.readonly = true
#   --tmpfs DEST[:OPTS]  add a tmpfs mount at DEST; OPTS comma-separated
#                        (default nosuid,nodev,mode=1777); repeatable
#   --bind SRC:DEST      add a read-write bind mount; repeatable
#   --annotation K=V     add an annotation; repeatable
#   --user UID[:GID]     process.user (default 0:0)
#   --force              replace DIR if it already holds a bundle
#   -v                   say what is being done
#   -h, --help           this text
#
# Environment: BUSYBOX (default /bin/busybox, must be statically linked),
#              RUNC (default runc; only `runc spec` is used).
set -euo pipefail

prog=${0##*/}
die() { echo "$prog: $*" >&2; exit 1; }
verbose=0
say() { [[ $verbose -eq 0 ]] || echo "$prog: $*" >&2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# ---- command line ---------------------------------------------------------
dir=""
stage=createRuntime
hooks_json='{}'          # {"stage": [hook, ...]}
mounts_json='[]'         # extra mounts, appended after runc's defaults
annotations_json='{}'
userns=0 readonly=0 force=0 user=""
args=()

need_arg() { [[ $# -ge 2 ]] || die "$1 needs an argument (try --help)"; }
while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        -v) verbose=1 ;;
        --userns) userns=1 ;;
        --readonly) readonly=1 ;;
        --force) force=1 ;;
        --stage)
            need_arg "$@"
            case $2 in
                prestart|createRuntime|createContainer|startContainer|poststart|poststop) stage=$2 ;;
                *) die "unknown hook stage '$2'" ;;
            esac
            shift ;;
        --hook)
            need_arg "$@"
            [[ $2 == /* ]] || die "--hook needs an absolute path, got '$2'"
            hooks_json=$(jq -c --arg s "$stage" --arg p "$2" \
                '.[$s] += [{path: $p, args: [$p, $s]}]' <<<"$hooks_json")
            shift ;;
        --tmpfs)
            need_arg "$@"
            dest=${2%%:*} opts=nosuid,nodev,mode=1777
            [[ $2 == *:* ]] && opts=${2#*:}
            [[ $dest == /* ]] || die "--tmpfs needs an absolute destination, got '$2'"
            mounts_json=$(jq -c --arg d "$dest" --arg o "$opts" \
                '. += [{destination: $d, type: "tmpfs", source: "tmpfs",
                        options: ($o | split(","))}]' <<<"$mounts_json")
            shift ;;
        --bind)
            need_arg "$@"
            [[ $2 == *:/* ]] || die "--bind needs SRC:/DEST, got '$2'"
            src=$(realpath -e -- "${2%%:*}") || die "--bind source '${2%%:*}' does not exist"
            mounts_json=$(jq -c --arg s "$src" --arg d "${2#*:}" \
                '. += [{destination: $d, type: "bind", source: $s,
                        options: ["rbind", "rw"]}]' <<<"$mounts_json")
            shift ;;
        --annotation)
            need_arg "$@"
            [[ $2 == ?*=* ]] || die "--annotation needs KEY=VALUE, got '$2'"
            annotations_json=$(jq -c --arg k "${2%%=*}" --arg v "${2#*=}" \
                '.[$k] = $v' <<<"$annotations_json")
            shift ;;
        --user)
            need_arg "$@"
            [[ $2 =~ ^[0-9]+(:[0-9]+)?$ ]] || die "--user needs UID[:GID], got '$2'"
            user=$2
            shift ;;
        --) shift; args+=("$@"); break ;;
        -*) die "unknown option '$1' (try --help)" ;;
        *)
            if [[ -z $dir ]]; then
                dir=$1
            else
                args+=("$@"); break
            fi ;;
    esac
    shift
done

[[ -n $dir ]] || { usage >&2; exit 2; }
[[ ${#args[@]} -gt 0 ]] || args=(sh -c 'cat /proc/self/mountinfo')

busybox=${BUSYBOX:-/bin/busybox}
runc=${RUNC:-runc}
command -v jq >/dev/null || die "jq not found (scripts/install-deps.sh installs it)"
command -v "$runc" >/dev/null || die "$runc not found (scripts/install-deps.sh installs it)"
[[ -x $busybox ]] || die "$busybox not found (install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static or set BUSYBOX"
fi

# ---- bundle directory -----------------------------------------------------
if [[ -e $dir ]]; then
    [[ -d $dir ]] || die "$dir exists and is not a directory"
    if [[ -n $(ls -A -- "$dir") ]]; then
        [[ $force -eq 1 ]] || die "$dir is not empty (use --force to replace a bundle)"
        [[ -f $dir/config.json && -d $dir/rootfs ]] ||
            die "$dir does not look like a bundle (no config.json + rootfs); not removing it"
        say "removing old bundle $dir"
        rm -rf -- "$dir"
    fi
fi
mkdir -p -- "$dir"
dir=$(realpath -- "$dir")
rootfs=$dir/rootfs

# ---- rootfs ---------------------------------------------------------------
say "populating $rootfs"
mkdir -p "$rootfs"/{bin,sbin,etc,dev,proc,sys,root,workspace}
# /tmp is 0755 on purpose: some images ship it that way, and runc 1.1.5
# gives a spec tmpfs mounted there the mode of the directory it covers.
mkdir -m 0755 "$rootfs/tmp"
chmod 0755 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
cp -- "$busybox" "$rootfs/bin/busybox"
chmod 0755 "$rootfs/bin/busybox"

# Every applet gets a link in /bin; the ones busybox installs under
# sbin or usr/sbin also get one in /sbin (scripts call /sbin/... directly).
while read -r applet_path; do
    applet=${applet_path##*/}
    [[ -n $applet && $applet != busybox ]] || continue
    ln -sf busybox "$rootfs/bin/$applet"
    case $applet_path in
        sbin/*|usr/sbin/*) ln -sf ../bin/busybox "$rootfs/sbin/$applet" ;;
    esac
done < <("$busybox" --list-full)

cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
agent:x:1000:1000:agent:/agent-home:/bin/sh
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
agent:x:1000:
GROUP

# ---- config.json ----------------------------------------------------------
say "generating config.json with $runc spec"
(cd "$dir" && "$runc" spec)

uid=0 gid=0
if [[ -n $user ]]; then
    uid=${user%%:*}
    gid=$uid
    [[ $user == *:* ]] && gid=${user#*:}
fi

say "editing config.json"
args_json=$(jq -cn '$ARGS.positional' --args -- "${args[@]}")
jq --argjson args "$args_json" \
   --argjson hooks "$hooks_json" \
   --argjson mounts "$mounts_json" \
   --argjson annotations "$annotations_json" \
   --argjson uid "$uid" --argjson gid "$gid" \
   --argjson userns "$userns" --argjson readonly "$readonly" '
    .process.terminal = false
  | .process.args = $args
  | .process.user.uid = $uid
  | .process.user.gid = $gid
  | .root.readonly = ($readonly == 1)
  # No cgroup settings: on a hybrid host scripts/crun-hybrid runs crun with
  # --cgroup-manager=disabled, which cannot honour them.
  | del(.linux.resources, .linux.cgroupsPath)
  | .mounts += $mounts
  | if $hooks == {} then . else .hooks = $hooks end
  | if $annotations == {} then . else .annotations = $annotations end
  | if $userns == 1 then
        .linux.namespaces += [{type: "user"}]
      | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
      | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
      | .mounts |= map(select(.type != "cgroup"))
    else . end
' "$dir/config.json" >"$dir/config.json.new"
mv -- "$dir/config.json.new" "$dir/config.json"

if [[ $userns -eq 1 ]]; then
    say "chowning rootfs to 100000:100000"
    chown -R -h 100000:100000 "$rootfs"
fi

say "bundle ready: $dir"
