#!/bin/sh
# generate-docs.sh SONYCTL OUTDIR - the man page and shell completions, made
# from sonyctl's own parser so that they always match the program.
set -eu
sonyctl=$1
out=$2
mkdir -p "$out"
"$sonyctl" --experimental-dump-help | /usr/bin/python3 "$(dirname "$0")/manpage.py" > "$out/sonyctl.1"
"$sonyctl" --generate-completion-script bash > "$out/sonyctl.bash"
"$sonyctl" --generate-completion-script zsh > "$out/_sonyctl"
"$sonyctl" --generate-completion-script fish > "$out/sonyctl.fish"
