# shellcheck shell=bash
# Helpers of the sweep tests (tests/cli/test_sweep.sh, tests/e2e/test_sweep.sh).
# Times are read with stat on known paths only, never following a symlink:
# listing a directory (find, ls) or following a link would itself update its
# atime, and so make the entry young to the sweep.

# blob FILE BYTES: a file of BYTES random bytes.
blob() { head -c "$2" /dev/urandom > "$1"; }
gone() { ! [ -L "$1" ] && ! [ -e "$1" ]; }
there() { [ -L "$1" ] || [ -e "$1" ]; }

# snapshot: "PATH ATIME MTIME" of each path of the array $paths ("PATH -" when gone).
snapshot() {
    local p
    # shellcheck disable=SC2154 # set by the test
    for p in "${paths[@]}"; do
        if there "$p"; then stat -c '%n %X %Y' -- "$p"; else echo "$p -"; fi
    done
}

# bytes_of PATH...: what removing them frees, st_blocks * 512 summed.
bytes_of() { local sum=0 p; for p in "$@"; do sum=$((sum + $(stat -c '%b' -- "$p") * 512)); done; echo "$sum"; }
