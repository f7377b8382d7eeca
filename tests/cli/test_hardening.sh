#!/usr/bin/env bash
# The built binary is hardened: a position independent executable (ELF type
# DYN), full RELRO (a GNU_RELRO segment and BIND_NOW), a non-executable
# stack, and code of ours compiled with the stack protector and
# _FORTIFY_SOURCE (functions of ours that call __stack_chk_fail and a
# __*_chk function; glibc's own objects in a static binary call them
# anyway, so the symbols alone would prove nothing). Needs the symbol table
# (the build tree's binary, not a stripped one) and binutils.
#
# Usage: test_hardening.sh PATH-TO-oci-agent-hook
set -u
BIN=${1:?usage: test_hardening.sh PATH-TO-oci-agent-hook}
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

for tool in readelf objdump; do
    command -v "$tool" > /dev/null || { echo "FAIL $tool not installed (Debian package: binutils)"; exit 1; }
done
[ -f "$BIN" ] || { echo "FAIL $BIN: no such file"; exit 1; }

header=$(readelf -hW "$BIN")
segments=$(readelf -lW "$BIN")
dynamic=$(readelf -dW "$BIN")

check "ELF type DYN (position independent)" grep -qE '^ *Type: +DYN' <<< "$header"
check "GNU_RELRO segment" grep -qE '^ *GNU_RELRO ' <<< "$segments"
check "BIND_NOW (full RELRO)" grep -qE '\(BIND_NOW\)|\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*\bNOW\b' <<< "$dynamic"
# GNU_STACK's flags are the last field before the alignment: RW, not RWE.
gnu_stack=$(awk '$1 == "GNU_STACK" { print $(NF - 1) }' <<< "$segments")
check "GNU_STACK present and not executable (flags: ${gnu_stack:-none})" [ "$gnu_stack" = RW ]

# Our code: main and everything in namespace agenthook.
if ! readelf -SW "$BIN" | grep -qF .symtab; then
    echo "FAIL $BIN has no symbol table (stripped): cannot tell our code from glibc's"
    exit 1
fi
calls=$(objdump -d -C --no-show-raw-insn "$BIN" | awk '
    /^[0-9a-f]+ <.*>:$/ { ours = ($0 ~ /<main>:$/ || $0 ~ /<agenthook::/); next }
    ours && /call/ && match($0, /<[^>]*>$/) { print substr($0, RSTART + 1, RLENGTH - 2) }' | sort | uniq -c)
check "stack protector: our functions call __stack_chk_fail" grep -qE ' __stack_chk_fail(@plt)?$' <<< "$calls"
check "_FORTIFY_SOURCE: our functions call a __*_chk function" grep -qE ' __[a-z0-9_]+_chk(@plt)?$' <<< "$calls"

cli_finish "hardening"
