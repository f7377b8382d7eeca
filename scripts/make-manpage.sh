#!/usr/bin/env bash
# Writes the man page oci-agent-hook(8) from the built binary's --help and
# each command's --help (so the page and the program cannot disagree), plus
# the sections --help does not carry: SYNOPSIS of the wrapper, ENVIRONMENT,
# FILES, EXIT STATUS, SEE ALSO. Run by the build (cmake/install.cmake).
#
# Usage: scripts/make-manpage.sh BINARY OUTPUT DOC-DIR HOOKS-DIR
#   DOC-DIR, HOOKS-DIR: where README.md/config.json.example and the hooks.d
#   entries are installed, for FILES.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 BINARY OUTPUT DOC-DIR HOOKS-DIR" >&2; exit 2; }
bin=$1 out=$2 docdir=$3 hooksdir=$4
policy=/etc/oci-agent-hook/config.json

fail() { echo "make-manpage.sh: $*" >&2; exit 1; }

top_help=$("$bin" --help) || fail "$bin --help failed"
version=$("$bin" --version) || fail "$bin --version failed"
# FILES names the default policy path: it must be the one the binary uses.
grep -qF -- "$policy" <<< "$top_help" || fail "$bin --help does not name $policy"

# roff: a backslash is \e, a line may not start with . or ', a hyphen is \-
# (so options and paths copy as typed).
esc() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# section HELP NAME: the indented lines of the block headed "NAME:" in a
# CLI11 help text, up to the next blank line.
section() { awk -v h="$2:" '$0 == h { on = 1; next } on && /^$/ { exit } on' <<< "$1"; }

# description HELP: the lines before "Usage:".
description() { awk '/^Usage:/ { exit } { print }' <<< "$1"; }

# footer HELP: the paragraphs after the last section block.
footer() {
    awk '/^[A-Z][A-Za-z ]*:$/ { insec = 1; seen = 1; next }
         insec && /^$/ { insec = 0; next }
         seen && !insec { print }' <<< "$1"
}

# items: CLI11 option/command rows ("  NAME   TEXT", continuation lines
# indented further), already escaped, as .TP entries; -h,--help rows left
# out (SYNOPSIS has --help).
items() {
    awk '
        function flush() { if (name != "" && name !~ /^\\-h,/) printf ".TP\n.B %s\n%s\n", name, text; name = "" }
        /^  [^ ]/ {
            flush()
            line = substr($0, 3)
            split_at = match(line, /   */)
            if (split_at) { name = substr(line, 1, split_at - 1); text = substr(line, split_at + RLENGTH) }
            else { name = line; text = "" }
            next
        }
        /^   +/ { sub(/^ +/, ""); text = text (text == "" ? "" : "\n") $0 }
        END { flush() }'
}

# paragraphs: blank lines become .PP.
paragraphs() { awk '/^$/ { print ".PP"; next } { print }'; }

commands=$(section "$top_help" Subcommands | awk '/^  [^ ]/ { print $1 }')
[ -n "$commands" ] || fail "$bin --help lists no commands"

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
    echo ".TH OCI\\-AGENT\\-HOOK 8 \"\" \"$(esc <<< "$version")\" \"System Administration\""
    # No hyphenation, ragged right: paths and options stay whole.
    printf '%s\n' .nh '.ad l'
    echo ".SH NAME"
    printf '%s\n' 'oci\-agent\-hook, oci\-agent\-runtime \- make the filesystem contract of AI\-agent containers hold on every start'
    echo ".SH SYNOPSIS"
    for c in $commands; do
        usage=$("$bin" "$c" --help | sed -n 's/^Usage: //p')
        printf '%s\n.br\n' "$(esc <<< "$usage")"
    done
    printf '%s\n' 'oci\-agent\-runtime [\fIrunc options\fR] \fICOMMAND\fR [\fIARG\fR...]'
    echo ".br"
    printf '%s\n' 'oci\-agent\-hook \-\-version | \-\-help'
    echo ".SH DESCRIPTION"
    description "$top_help" | esc
    echo ".PP"
    footer "$top_help" | esc | paragraphs
    echo ".SH OPTIONS"
    section "$top_help" Options | esc | items
    echo ".SH COMMANDS"
    for c in $commands; do
        help=$("$bin" "$c" --help)
        echo ".SS $(esc <<< "$c")"
        description "$help" | esc
        for s in Positionals Options; do
            section "$help" "$s" | esc | items
        done
    done
    cat << ROFF
.SH ENVIRONMENT
.TP
.B OCI_AGENT_HOOK_CONFIG
the policy file, when \\fB\\-\\-config\\fR is not given.
.TP
.B AGENT_TMP_SIZE
overrides the policy's \\fBtmp.size\\fR (set it in the hook entry's \\fBenv\\fR: in hook mode the rest of the environment is cleared).
.TP
.B OCI_AGENT_RUNTIME
\\fBoci\\-agent\\-runtime\\fR only: the real runtime to execute, before the policy's \\fBruntime.path\\fR.
.SH FILES
.TP
.B $(esc <<< "$policy")
the policy; missing, the built\\-in defaults apply. JSON has no comments: every field is described in
.BR $(esc <<< "$docdir/README.md") ;
.B $(esc <<< "$docdir/config.json.example")
holds the defaults. Check a policy with \\fBoci\\-agent\\-hook check\\-config\\fR.
.TP
.B $(esc <<< "$hooksdir/oci-agent-hook-precreate.json")
.TQ
.B $(esc <<< "$hooksdir/oci-agent-hook-createruntime.json")
.TQ
.B $(esc <<< "$hooksdir/oci-agent-hook-poststop.json")
the podman and CRI\\-O hooks.d entries (stages precreate, createRuntime and poststop).
.TP
.B /run/oci\\-agent\\-hook/\\fIid\\fB.json
the record of what hook mode enforced in each running container (the policy's \\fBstate_dir\\fR changes the directory; root's, mode 0700): written at createRuntime, removed at poststop, listed by \\fBoci\\-agent\\-hook ps\\fR, which prunes the records of containers whose process is gone.
.SH EXIT STATUS
.TP
.B 0
success.
.TP
.B 1
a failure: one line on standard error, \\fBoci\\-agent\\-hook: \\fIstage\\fB: \\fIstep\\fB: \\fIpath\\fB: \\fIreason\\fR (the stages a runtime runs, the runtime wrapper and sweep also send it, and each stage's outcome, to syslog, facility daemon, and to the policy's \\fBlog.file\\fR when set).
.TP
.B 2
a usage error.
.SH SEE ALSO
.BR runc (8),
.BR crun (1),
.BR podman (1),
.BR oci\\-hooks (5),
.BR containerd (8),
.BR dockerd (8)
ROFF
} > "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$out"
trap - EXIT
