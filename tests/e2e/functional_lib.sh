# shellcheck shell=bash
# shellcheck disable=SC2154 # $out and $rc are set by run_container (lib.sh)
# Helpers shared by the functional end-to-end tests (test_tmp.sh,
# test_exclude.sh, test_home.sh, test_stages.sh, test_userns_readonly.sh),
# and the probes and checks of the identity tests (test_identity*.sh,
# test_userns_join.sh). Source it after lib.sh.
#
# The workload reports what it sees with two small scripts installed in the
# bundle's rootfs; they print one fact per line, "KEY PATH VALUE...":
#   /probe PATH...     for each PATH:
#                        mount  PATH <a /proc/self/mountinfo line at PATH>
#                               (one per mount there, bottom first)
#                        fstype PATH <fs type of what is visible there>
#                        stat   PATH <file type> <octal mode> <uid>:<gid>
#                        df     PATH <size in 1K blocks>
#                        write  PATH ok | <error>   (create a file there)
#                        exec   PATH ok | copy failed: <error> |
#                               run failed (rc N): <output>
#                               (copy /bin/busybox there, then run it)
#   /try LABEL CMD...  runs CMD: "try LABEL ok" or "try LABEL fail (rc N): OUTPUT"
# Every fact is gathered as the container's process.user (most bundles here
# run as the agent, uid 1000, with make-bundle --user 1000:1000).

# shellcheck disable=SC2016 # $-expansions below belong to the probe scripts
E2E_PROBE_SCRIPT='#!/bin/sh
for p in "$@"; do
    awk -v mp="$p" '\''$5 == mp { print "mount " mp " " $0 }'\'' /proc/self/mountinfo
    echo "fstype $p $(stat -f -c %T "$p" 2>&1)"
    echo "stat $p $(stat -c "%F %a %u:%g" "$p" 2>&1)"
    echo "df $p $(df -k "$p" 2>&1 | awk '\''NR == 2 { print $2 }'\'')"
    f=$p/.probe-write-$$
    if err=$(touch "$f" 2>&1); then
        echo "write $p ok"
        rm -f "$f"
    else
        echo "write $p $err"
    fi
    # Named busybox, so that it runs the "true" applet when exec is allowed.
    d=$p/.probe-exec-$$
    if ! err=$(mkdir "$d" 2>&1 && cp /bin/busybox "$d/busybox" 2>&1); then
        echo "exec $p copy failed: $(echo $err)"
    elif err=$("$d/busybox" true 2>&1); then
        echo "exec $p ok"
    else
        echo "exec $p run failed (rc $?): $(echo $err)"
    fi
    rm -rf "$d"
done
'

# shellcheck disable=SC2016
E2E_TRY_SCRIPT='#!/bin/sh
label=$1
shift
if err=$("$@" 2>&1); then
    echo "try $label ok"
else
    echo "try $label fail (rc $?): $(echo $err)"
fi
'

install_probe() {  # install_probe ROOTFS
    printf '%s' "$E2E_PROBE_SCRIPT" > "$1/probe"
    printf '%s' "$E2E_TRY_SCRIPT" > "$1/try"
    chmod 0755 "$1/probe" "$1/try"
}

# probe_bundle NAME [make-bundle options] -- SCRIPT: a bundle (see new_bundle)
# whose workload is `sh -c SCRIPT`, with /probe and /try installed; prints
# its directory. Its config.json as made is kept for reset_bundle.
probe_bundle() {
    local name=$1 dir opts=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    [ $# -eq 2 ] || { echo "probe_bundle: needs -- SCRIPT" >&2; return 1; }
    dir=$(new_bundle "$name" "${opts[@]}" -- sh -c "$2") || return 1
    install_probe "$dir/rootfs"
    hook_builtin_defaults "$dir"
    cp "$dir/config.json" "$dir/config.json.made"
    echo "$dir"
}

# reset_bundle BUNDLE: back to its config.json as made and without the
# /agent-home the hook created, to run another scenario in it (making a
# bundle takes seconds: a symlink per busybox applet).
reset_bundle() {
    cp "$1/config.json.made" "$1/config.json"
    rm -rf "$1/rootfs/agent-home"
}

# The built-in defaults are what the "default" scenarios test: if this
# machine has a system policy file, point the hooks at an empty policy.
hook_builtin_defaults() {
    if [ -e /etc/oci-agent-hook/config.json ]; then
        echo '{}' > "$E2E_WORK/empty-policy.json"
        hook_use_policy "$1" "$E2E_WORK/empty-policy.json"
    fi
}

# write_policy NAME JSON: writes a policy file in the work dir; prints its path.
write_policy() {
    local file=$E2E_WORK/$1.json
    printf '%s\n' "$2" > "$file"
    echo "$file"
}

e2e_edit_config() {  # e2e_edit_config BUNDLE JQ-ARGS...: edits config.json in place
    local bundle=$1
    shift
    jq "$@" "$bundle/config.json" > "$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json"
}

# hook_use_policy BUNDLE FILE: every hook entry runs as [path, --config, FILE, stage].
hook_use_policy() {
    e2e_edit_config "$1" --arg f "$2" \
        '.hooks |= with_entries(.value |= map(.args = [.args[0], "--config", $f, .args[-1]]))'
}

# hook_entries BUNDLE STAGE...: the bundle's hooks become one entry of $HOOK
# per STAGE, in order (a stage given twice registers the hook twice).
hook_entries() {
    local bundle=$1 stages
    shift
    stages=$(jq -cn '$ARGS.positional' --args -- "$@")
    e2e_edit_config "$bundle" --arg h "$HOOK" --argjson stages "$stages" \
        '.hooks = reduce $stages[] as $s ({}; .[$s] += [{path: $h, args: [$h, $s]}])'
    hook_builtin_defaults "$bundle"
}

# set_annotation BUNDLE KEY VALUE
set_annotation() {
    e2e_edit_config "$1" --arg k "$2" --arg v "$3" '.annotations[$k] = $v'
}

# hook_env BUNDLE NAME=VALUE...: sets the environment of every hook entry.
hook_env() {
    local bundle=$1 env
    shift
    env=$(jq -cn '$ARGS.positional' --args -- "$@")
    e2e_edit_config "$bundle" --argjson env "$env" '.hooks |= with_entries(.value |= map(.env = $env))'
}

# ---- reading the workload's facts (from $out, see run_container) ----------

# fact KEY PATH: the value printed for KEY PATH (the last one).
fact() {
    awk -v k="$1" -v p="$2" '$1 == k && $2 == p { v = substr($0, length(k) + length(p) + 3) } END { print v }' <<< "$out"
}

# mounts_at PATH: every mountinfo line the workload printed for PATH, bottom first.
mounts_at() {
    awk -v p="$1" '$1 == "mount" && $2 == p { print substr($0, length(p) + 8) }' <<< "$out"
}

# Mountinfo fields: mount id, parent id, root, per-mount options, fs type, super options.
mi_field() {  # mi_field LINE id|parent|root|opts|fstype|super
    awk -v f="$2" '{
        for (i = 7; i <= NF && $i != "-"; i++) ;
        if (f == "id") print $1; else if (f == "parent") print $2
        else if (f == "root") print $4; else if (f == "opts") print $6
        else if (f == "fstype") print $(i + 1); else if (f == "super") print $(i + 3)
    }' <<< "$1"
}

# ---- checks: each prints what it wanted and what it got when it fails -----

expect_rc() {  # expect_rc N: the container ran and exited N
    [ "$rc" = "$1" ] && return 0
    echo "     container exit status: want $1, got $rc"
    return 1
}

expect() {  # expect KEY PATH WANT: the fact is exactly WANT
    local got
    got=$(fact "$1" "$2")
    [ "$got" = "$3" ] && return 0
    echo "     $1 $2: want '$3', got '$got'"
    return 1
}

expect_re() {  # expect_re KEY PATH REGEX: the fact matches REGEX (ERE)
    local got
    got=$(fact "$1" "$2")
    grep -qE -- "$3" <<< "$got" && return 0
    echo "     $1 $2: want /$3/, got '$got'"
    return 1
}

# expect_noexec_denied PATH: a binary copied to PATH cannot be run: the
# shell reports "Permission denied".
expect_noexec_denied() { expect_re exec "$1" '^run failed \(rc [0-9]+\): .*Permission denied'; }

# expect_tmpfs PATH exec|noexec SIZE_KB: the top mount at PATH (the last
# mountinfo line there) is a read-write tmpfs mounted nosuid,nodev, noexec or
# not as asked, of SIZE_KB kilobytes; and what the workload sees at PATH is a
# tmpfs of that size (statfs).
expect_tmpfs() {
    local path=$1 want_exec=$2 size_kb=$3 line opts super why=""
    line=$(mounts_at "$path" | tail -n 1)
    if [ -z "$line" ]; then
        echo "     $path: no mount there in the container's mountinfo"
        return 1
    fi
    opts=,$(mi_field "$line" opts),
    super=,$(mi_field "$line" super),
    [ "$(mi_field "$line" fstype)" = tmpfs ] || why+=" fs type is $(mi_field "$line" fstype), not tmpfs;"
    [[ $opts == *,rw,* ]] || why+=" not rw;"
    [[ $opts == *,nosuid,* ]] || why+=" no nosuid;"
    [[ $opts == *,nodev,* ]] || why+=" no nodev;"
    case $want_exec in
        noexec) [[ $opts == *,noexec,* ]] || why+=" no noexec;" ;;
        exec) [[ $opts != *,noexec,* ]] || why+=" noexec, planned exec;" ;;
    esac
    [[ $super == *,size=${size_kb}k,* ]] || why+=" super options lack size=${size_kb}k;"
    [ "$(fact fstype "$path")" = tmpfs ] || why+=" statfs type seen at $path is '$(fact fstype "$path")';"
    [ "$(fact df "$path")" = "$size_kb" ] || why+=" df shows '$(fact df "$path")' 1K blocks;"
    [ -z "$why" ] && return 0
    echo "     $path:$why"
    echo "     top mount there: $line"
    return 1
}

# expect_mount_opts PATH OPT...: the top mount at PATH carries every
# per-mount option OPT (ro, nosuid, nodev, noexec...).
expect_mount_opts() {
    local path=$1 line opts o why=""
    shift
    line=$(mounts_at "$path" | tail -n 1)
    if [ -z "$line" ]; then
        echo "     $path: no mount there in the container's mountinfo"
        return 1
    fi
    opts=,$(mi_field "$line" opts),
    for o in "$@"; do
        [[ $opts == *,$o,* ]] || why+=" no $o;"
    done
    [ -z "$why" ] && return 0
    echo "     $path:$why top mount there: $line"
    return 1
}

# expect_no_tmpfs_at PATH: no tmpfs is mounted at PATH (other mounts may be).
expect_no_tmpfs_at() {
    local line bad=""
    while IFS= read -r line; do
        [ -n "$line" ] && [ "$(mi_field "$line" fstype)" = tmpfs ] && bad+="       $line"$'\n'
    done <<< "$(mounts_at "$1")"
    [ -z "$bad" ] && return 0
    printf '     %s: tmpfs mounted there:\n%s' "$1" "$bad"
    return 1
}

expect_mount_count() {  # expect_mount_count PATH N: N mounts stacked at PATH
    local n
    n=$(mounts_at "$1" | grep -c .)
    [ "$n" = "$2" ] && return 0
    echo "     $1: want $2 mount(s) there, got $n:"
    mounts_at "$1" | sed 's/^/       /'
    return 1
}

# expect_parent PATH PARENT_PATH: the top mount at PATH sits on the top mount
# at PARENT_PATH (it was mounted after it, inside it).
expect_parent() {
    local line parent
    line=$(mounts_at "$1" | tail -n 1)
    parent=$(mounts_at "$2" | tail -n 1)
    if [ -n "$line" ] && [ -n "$parent" ] && [ "$(mi_field "$line" parent)" = "$(mi_field "$parent" id)" ]; then
        return 0
    fi
    echo "     top mount at $1: '$line'"
    echo "     top mount at $2: '$parent'"
    return 1
}

# ---- the bundle's config.json after the run --------------------------------

spec_options() {  # spec_options BUNDLE DEST: the options of every mount at DEST, compact JSON
    jq -c --arg d "$2" '[.mounts[] | select(.destination == $d) | .options]' "$1/config.json"
}

expect_spec_options() {  # expect_spec_options BUNDLE DEST JSON: exactly one mount at DEST, with these options
    local got
    got=$(spec_options "$1" "$2")
    [ "$got" = "[$3]" ] && return 0
    echo "     config.json mounts at $2: want options [$3], got $got"
    return 1
}

# expect_spec_after BUNDLE FIRST SECOND: config.json mounts FIRST before SECOND.
expect_spec_after() {
    local order
    order=$(jq -r --arg a "$2" --arg b "$3" \
        '[.mounts[].destination] | if (index($a) != null and index($b) != null and index($a) < index($b)) then "ok" else . end' \
        "$1/config.json")
    [ "$order" = ok ] && return 0
    echo "     config.json: want $2 before $3; destinations: $(jq -c . <<< "$order")"
    return 1
}

expect_host_stat() {  # expect_host_stat PATH WANT: host-side `stat -c '%F %a %u:%g'`
    local got
    got=$(stat -c '%F %a %u:%g' "$1" 2>&1)
    [ "$got" = "$2" ] && return 0
    echo "     host $1: want '$2', got '$got'"
    return 1
}

# contract_checks LABEL: /tmp, the excluded path $NM (set by the caller) and
# the home, as the agent sees them after a successful start.
contract_checks() {
    local label=$1
    check "$label: the container runs" expect_rc 0
    check "$label: /tmp is a noexec tmpfs of 524288k" expect_tmpfs /tmp noexec 524288
    check "$label: /tmp mode 1777, owned 0:0" expect stat /tmp "directory 1777 0:0"
    check "$label: uid 1000 creates a file in /tmp" expect write /tmp ok
    check "$label: a binary in /tmp cannot run" expect_noexec_denied /tmp
    check "$label: $NM is an exec tmpfs of 1048576k" expect_tmpfs "$NM" exec 1048576
    check "$label: $NM mode 1777, owned 0:0" expect stat "$NM" "directory 1777 0:0"
    check "$label: uid 1000 creates a file in $NM" expect write "$NM" ok
    check "$label: a binary in $NM runs" expect exec "$NM" ok
    check "$label: /agent-home mode 755, owned 1000:1000" expect stat /agent-home "directory 755 1000:1000"
}
