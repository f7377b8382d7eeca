#!/usr/bin/python3
"""fifo_watch: who opens which FIFO, and under which seccomp and no_new_privs.

Usage: fifo_watch.py --until PID [OPENED=]FIFO...

Until process PID exits (at most 120 s), finds every process blocked in
open()/openat() of one of the FIFOs (the path argument, read from the
process's memory: FIFO itself, or OPENED, the path by which processes in
another mount namespace reach it, such as /etc/localtime with the FIFO
bound over it; an absolute symlink there would resolve in this process's
namespace, so the path is compared, not the file), prints one line for it

    <fifo> <exe> Seccomp=<n> NoNewPrivs=<n>

(the two fields of its /proc/<pid>/status at that moment), then lets it go
on by writing a newline to the FIFO. A process blocked opening a FIFO for
reading cannot move until then, so the line shows its state at that open,
as the kernel reports it. Root only (reads other processes' memory).
"""
import argparse
import os
import time

# x86_64 and aarch64 numbers of open(2) (x86_64 only) and openat(2).
OPEN_CALLS = {2: 0, 257: 1} if os.uname().machine == "x86_64" else {56: 1}


def path_arg(pid):
    """The path a process blocked in open/openat is opening, or None."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            fields = f.read().split()
        nr = int(fields[0])
        if nr not in OPEN_CALLS:
            return None
        addr = int(fields[1 + OPEN_CALLS[nr]], 16)
        with open(f"/proc/{pid}/mem", "rb") as mem:
            mem.seek(addr)
            return mem.read(4096).split(b"\0", 1)[0].decode(errors="replace")
    except (OSError, ValueError, IndexError):
        return None


def status(pid):
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None
    return exe, fields.get("Seccomp", "?"), fields.get("NoNewPrivs", "?")


def release(fifo):
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return  # nobody has it open for reading (any more)
    try:
        os.write(fd, b"\n")
    finally:
        os.close(fd)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--until", type=int, required=True)
    parser.add_argument("fifos", nargs="+")
    args = parser.parse_args()
    watched = {}  # path as a process opens it -> the FIFO as this process reaches it
    for spec in args.fifos:
        opened, _, fifo = spec.rpartition("=")
        watched[opened or fifo] = fifo
    end = time.monotonic() + 120
    while time.monotonic() < end and os.path.exists(f"/proc/{args.until}"):
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            path = path_arg(entry)
            if path is None:
                continue
            fifo = watched.get(path)
            if fifo is None:
                continue
            seen = status(entry)
            if seen:
                print(f"{fifo} {seen[0]} Seccomp={seen[1]} NoNewPrivs={seen[2]}", flush=True)
            release(fifo)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
