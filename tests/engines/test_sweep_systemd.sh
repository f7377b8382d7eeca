#!/usr/bin/env bash
# The sweep's systemd units under a real systemd: the host's own systemd
# booted as pid 1 of a podman container whose root is a throw-away overlay
# of the host's (--rootfs /:O), the units of scripts/systemd installed
# there. The service, with all its hardening, sweeps the /tmp of a process
# in another mount namespace running as uid 1000 (so reaching
# /proc/<pid>/root needs CAP_SYS_PTRACE, reading its 0700 directory
# CAP_DAC_*); the timer is enabled and scheduled. A drop-in without
# CAP_SYS_PTRACE must fail, with the one-line error in the journal.
#
# Usage: test_sweep_systemd.sh HOOK-BINARY
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/../e2e/lib.sh"
[ $# -eq 1 ] || { echo "usage: $0 HOOK-BINARY"; exit 2; }
command -v podman > /dev/null || e2e_skip "podman not installed"
[ -x /lib/systemd/systemd ] || e2e_skip "no /lib/systemd/systemd to boot"
e2e_init runc "$1"
E2E_RUNTIME=systemd

# Private podman state, as podman_lib.sh does (no image: --rootfs).
P=$E2E_WORK/podman
mkdir -p "$P"/{storage,run,tmp} "$E2E_WORK/share"
nofile=$(ulimit -Hn)
[[ $nofile =~ ^[0-9]+$ ]] && [ "$nofile" -le 1048576 ] || nofile=1048576
cat > "$P/containers.conf" << EOF
[containers]
netns = "none"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
runtime = "runc"
tmp_dir = "$P/tmp"
lock_type = "file"
EOF
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$P" "$P" > "$P/storage.conf"
export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf
name=oah-sweep-systemd-$$
systemd_cleanup() {
    podman rm -f -t 0 "$name" > /dev/null 2>&1
    e2e_cleanup
}
trap systemd_cleanup EXIT
cp "$HOOK" "$E2E_WORK/share/oci-agent-hook"
cp "$E2E_ROOT"/scripts/systemd/* "$E2E_WORK/share/"

# podman's --systemd mode copies the image's /tmp and /run into its tmpfs:
# here that is the host's, busy with other tests' files; start them empty.
out=$(podman run -d --name "$name" --systemd=always --privileged \
    --tmpfs /tmp:rw,notmpcopyup,mode=1777 --tmpfs /run:rw,notmpcopyup --tmpfs /run/lock:rw,notmpcopyup \
    --tmpfs /var/log/journal:rw,notmpcopyup -v "$E2E_WORK/share:/oah:ro" --rootfs /:O /lib/systemd/systemd 2>&1)
check "systemd boots in a podman container" test $? -eq 0
inside() { podman exec "$name" "$@"; }
state=""
for _ in $(seq 90); do
    state=$(inside systemctl is-system-running 2> /dev/null)
    case $state in running | degraded) break ;; esac
    sleep 1
done
out=$state check "systemd is up" has_re "$state" '^(running|degraded)$'

inside install -m 0755 /oah/oci-agent-hook /usr/bin/oci-agent-hook
inside install -m 0644 /oah/oci-agent-hook-sweep.service /oah/oci-agent-hook-sweep.timer /etc/systemd/system/
inside sh -c 'mkdir -p /etc/oci-agent-hook && echo "{}" > /etc/oci-agent-hook/config.json'
out=$(inside systemd-analyze verify /etc/systemd/system/oci-agent-hook-sweep.service /etc/systemd/system/oci-agent-hook-sweep.timer 2>&1)
# The man page named by Documentation= is not installed here (the package test verifies with it).
out=$(grep -v "Command 'man oci-agent-hook(8)' failed" <<< "$out")
check "systemd-analyze verify: no complaint but the missing man page" test -z "$out"

# The "container": its own mount namespace, a tmpfs /tmp with a stale agent
# dir (mode 0700, uid 1000) and a fresh one, the process running as uid 1000.
inside sh -c 'nohup unshare -m --propagation private sh -c "
    mount -t tmpfs tmpfs /tmp &&
    mkdir -p /tmp/claude-1000/sub /tmp/claude-live && echo x > /tmp/claude-1000/sub/f && echo y > /tmp/claude-live/f &&
    chown -R 1000:1000 /tmp/claude-1000 && chmod 0700 /tmp/claude-1000 /tmp/claude-1000/sub &&
    touch -h -d \"5 days ago\" /tmp/claude-1000/sub/f /tmp/claude-1000/sub /tmp/claude-1000 &&
    exec setpriv --reuid 1000 --regid 1000 --clear-groups sleep 600" > /dev/null 2>&1 &'
pid=""
for _ in $(seq 50); do
    pid=$(inside pgrep -n -x sleep) && break
    sleep 0.2
done
out=$pid check "the target process runs" test -n "$pid"
root=/proc/$pid/root/tmp

# dropin CONTENT: the service's test drop-in, then daemon-reload.
dropin() {
    inside sh -c "mkdir -p /etc/systemd/system/oci-agent-hook-sweep.service.d &&
        printf '%s' '$1' > /etc/systemd/system/oci-agent-hook-sweep.service.d/test.conf" && inside systemctl daemon-reload
}
journal() { inside journalctl -u oci-agent-hook-sweep.service --no-pager -o cat 2> /dev/null; }

# First without CAP_SYS_PTRACE: /proc/<pid>/root of a uid-1000 process is out of reach.
dropin "[Service]
ExecStart=
ExecStart=/usr/bin/oci-agent-hook sweep --pid $pid
CapabilityBoundingSet=
CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER
"
inside systemctl start oci-agent-hook-sweep.service > /dev/null 2>&1
out=$(inside systemctl show -p Result oci-agent-hook-sweep.service)
check "without CAP_SYS_PTRACE the service fails" test "$out" = "Result=exit-code"
out=$(journal)
check "... with the one-line error in the journal" has "$out" "oci-agent-hook: sweep: open container /tmp: /proc/$pid/root: Permission denied"
out=$(inside ls "$root")
check "... and removes nothing" has "$out" claude-1000
inside systemctl reset-failed oci-agent-hook-sweep.service > /dev/null 2>&1

# The shipped hardening.
dropin "[Service]
ExecStart=
ExecStart=/usr/bin/oci-agent-hook sweep --pid $pid
"
inside systemctl start oci-agent-hook-sweep.service
rc=$?
out=$(inside systemctl show -p Result -p ExecMainStatus oci-agent-hook-sweep.service)
check "the shipped service succeeds" test "$rc $(xargs <<< "$out")" = "0 Result=success ExecMainStatus=0"
out=$(journal)
check "its summary line is in the journal" has "$out" "pid $pid: 3 entries,"
out=$(inside ls -A "$root")
check "the stale dir is gone, the fresh one stays" test "$(xargs <<< "$out")" = "claude-live"
out=$(inside systemctl show -p NoNewPrivileges -p RestrictNamespaces -p CapabilityBoundingSet oci-agent-hook-sweep.service)
check "the hardening is in force" has_re "$out" "NoNewPrivileges=yes"

# The shipped ExecStart (no target yet: says so, exit 0).
inside rm -rf /etc/systemd/system/oci-agent-hook-sweep.service.d
inside systemctl daemon-reload
inside systemctl start oci-agent-hook-sweep.service
check "the shipped ExecStart succeeds" test $? -eq 0

out=$(inside systemctl enable --now oci-agent-hook-sweep.timer 2>&1)
check "the timer enables" test $? -eq 0
out=$(inside systemctl list-timers --all --no-pager 2>&1)
check "the timer is scheduled" has_re "$out" 'oci-agent-hook-sweep\.timer +oci-agent-hook-sweep\.service'

e2e_summary
