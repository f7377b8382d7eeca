#!/usr/bin/env bash
# `cmake --install` puts exactly the expected files under the prefix, with
# --prefix and with DESTDIR, and nothing elsewhere (every path of the
# install manifest lies in the temporary tree): the binary, the wrapper name
# as a relative symlink, the hooks.d entries naming the configured bindir,
# the man page, README.md and config.json.example.
#
# Usage: test_install_rules.sh CMAKE BUILD-DIR SOURCE-DIR PREFIX BINDIR DATADIR MANDIR DOCDIR
#   PREFIX .. DOCDIR: CMAKE_INSTALL_PREFIX and the GNUInstallDirs of the build
#   (relative to the prefix, as configured)
set -u
[ $# -eq 8 ] || { echo "usage: $0 CMAKE BUILD-DIR SOURCE-DIR PREFIX BINDIR DATADIR MANDIR DOCDIR"; exit 2; }
CMAKE=$1 BUILD=$2 SRC=$3 prefix=$4 bindir=$5 datadir=$6 mandir=$7 docdir=$8
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

case $bindir in /*) full_bindir=$bindir ;; *) full_bindir=$prefix/$bindir ;; esac

# The expected tree below the prefix: PATH TYPE (f file, l symlink).
expected=$(sort << EOF
$bindir/oci-agent-hook f
$bindir/oci-agent-runtime l
$datadir/containers/oci/hooks.d/oci-agent-hook-createruntime.json f
$datadir/containers/oci/hooks.d/oci-agent-hook-poststop.json f
$datadir/containers/oci/hooks.d/oci-agent-hook-precreate.json f
$docdir/README.md f
$docdir/config.json.example f
$mandir/man8/oci-agent-hook.8 f
EOF
)

# installed TREE ROOT LABEL [DESTDIR]: the checks on one install; ROOT is
# where the prefix's contents landed, TREE the temporary directory all must
# stay in. The install manifest (which names DESTDIR-less paths) must name
# exactly the files in TREE: cmake wrote nothing anywhere else.
installed() {
    local tree=$1 root=$2 label=$3 destdir=${4:-} f got rel
    rel=${root#"$tree"}
    rel=${rel#/}
    check "$label: exactly the expected files below the prefix" \
        same "$(cd "$root" && find . ! -type d -printf '%P %y\n' | sort)" "$expected"
    check "$label: nothing else in $tree" \
        same "$(cd "$tree" && find . ! -type d -printf '%P\n' | sort)" \
        "$(cut -d' ' -f1 <<< "$expected" | sed "s|^|${rel:+$rel/}|" | sort)"
    check "$label: the install manifest names exactly the files in $tree" \
        same "$(sed "s|^|$destdir|" "$BUILD/install_manifest.txt" | sort)" "$(find "$tree" ! -type d | sort)"
    check "$label: oci-agent-runtime is the relative symlink oci-agent-hook" \
        [ "$(readlink "$root/$bindir/oci-agent-runtime")" = oci-agent-hook ]
    check "$label: the installed binary runs (--version)" \
        same "$("$root/$bindir/oci-agent-hook" --version)" "$("$BUILD/oci-agent-hook" --version)"
    check "$label: binary mode 0755" [ "$(stat -c %a "$root/$bindir/oci-agent-hook")" = 755 ]
    check "$label: the man page is the built one" cmp -s "$root/$mandir/man8/oci-agent-hook.8" "$BUILD/oci-agent-hook.8"
    for f in "$SRC"/scripts/hooks.d/*.json; do
        got=$root/$datadir/containers/oci/hooks.d/${f##*/}
        check "$label: ${f##*/} names $full_bindir/oci-agent-hook" \
            [ "$(jq -r .hook.path "$got")" = "$full_bindir/oci-agent-hook" ]
        check "$label: ${f##*/} is scripts/hooks.d's but for hook.path" \
            same "$(jq -S 'del(.hook.path)' "$got")" "$(jq -S 'del(.hook.path)' "$f")"
    done
}

command -v jq > /dev/null || { echo "FAIL jq not installed (scripts/install-deps.sh)"; exit 1; }

"$CMAKE" --install "$BUILD" --prefix "$WORK/prefix" > "$WORK/log" 2>&1 ||
    { echo "FAIL cmake --install --prefix:"; cat "$WORK/log"; exit 1; }
installed "$WORK/prefix" "$WORK/prefix" "--prefix"

DESTDIR=$WORK/destdir "$CMAKE" --install "$BUILD" > "$WORK/log" 2>&1 ||
    { echo "FAIL DESTDIR= cmake --install:"; cat "$WORK/log"; exit 1; }
installed "$WORK/destdir" "$WORK/destdir$prefix" "DESTDIR" "$WORK/destdir"

cli_finish "install rules"
