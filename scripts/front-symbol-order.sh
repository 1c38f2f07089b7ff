#!/bin/bash
# front-symbol-order.sh - rewrites Sources/sonyctl/Linking/symbol-order.txt:
# every function of the `sonyctl` front that `list` and `list --json` run
# (through a pipe, on a terminal, and with no daemon), in the order first
# run, so that lld lays them out together (--symbol-ordering-file). Code is
# paged in 64 KB at a time; run scattered through 6 MB of text, `list` made
# 2.9 MB of it resident, laid out together 1.5 MB (BENCHMARKS.md, issue 5).
# A stale list is harmless (names no longer there are skipped): rerun it
# when the fast path's code changes, then rebuild and rerun bench-cli.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
swift build -c release --product sonyctld >&2
swift build -c release --product sonyctl >&2
BIN=$(swift build -c release --show-bin-path)
. scripts/world.sh
start_world
run() { valgrind --tool=callgrind --demangle=no --callgrind-out-file="$world_dir/cg.$1" "${@:2}" >/dev/null 2>&1 || true; }
run pipe "$BIN/sonyctl" list
run json "$BIN/sonyctl" list --json
/usr/bin/script -qec "valgrind --tool=callgrind --demangle=no --callgrind-out-file=$world_dir/cg.tty $BIN/sonyctl list" /dev/null >/dev/null 2>&1 || true
DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent run nobus "$BIN/sonyctl" list
/usr/bin/python3 - "$BIN/sonyctl" "$world_dir"/cg.{pipe,json,tty,nobus} > Sources/sonyctl/Linking/symbol-order.txt <<'PY'
import re, sys
binary, order, seen = sys.argv[1], [], set()
for path in sys.argv[2:]:
    objects, functions, current, called = {}, {}, None, None
    for line in open(path):
        m = re.match(r"^(c?)(ob|fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        is_call, kind, ident, name = m.groups()
        table = objects if kind == "ob" else functions
        if name is not None:
            table[ident] = name
        if kind == "ob":
            if is_call:
                called = objects[ident]
            else:
                current = objects[ident]
            continue
        where = (called or current) if is_call else current
        called = None
        name = re.sub(r"'\d+$", "", functions[ident])
        if where and where.endswith("/" + binary.rsplit("/", 1)[-1]) and name not in seen and not name.startswith(("0x", "(")):
            seen.add(name)
            order.append(name)
print("\n".join(order))
PY
wc -l Sources/sonyctl/Linking/symbol-order.txt >&2
