#!/bin/bash
# bench-cli.sh [RUNS] - whole-process time and peak RSS of `sonyctl list`
# beside `dbus-send --print-reply` calling the same daemon's GetManagedObjects,
# in the same run, against sonyctld on a private bus with the demo's devices.
# Bars (issue 5): median ≤ 1.5× dbus-send's, peak RSS ≤ 8 MB. cli-floor, the same
# question from the smallest Swift program linked as sonyctl is, shows what the
# platform itself costs. `sonyctl` is the front (list itself, everything else
# exec'd to sonyctl-cli, the full tool).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-300}

./scripts/install-deps.sh
swift build -c release --product sonyctld >&2
swift build -c release --product sonyctl >&2
swift build -c release --product sonyctl-cli >&2
swift build -c release --product cli-floor >&2
BIN=$(swift build -c release --show-bin-path)
. scripts/world.sh
start_world

dbus_send="dbus-send --system --print-reply --dest=org.sonyctl.Daemon1 /org/sonyctl/Daemon1 org.freedesktop.DBus.ObjectManager.GetManagedObjects"
# `sonyctl status` is the front exec'ing the full tool; `sonyctl-cli status` the full tool alone.
commands=("$dbus_send" "$BIN/sonyctl list" "$BIN/sonyctl list --json" "$BIN/sonyctl status WH-1000XM4" "$BIN/sonyctl-cli status WH-1000XM4" "$BIN/cli-floor")
for c in "${commands[@]}"; do $c >/dev/null || { echo "failed: $c" >&2; exit 1; }; done

hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$world_dir/hf.json" --style none "${commands[@]}" >/dev/null
for c in "${commands[@]}"; do
    printf '%s\t' "$c"
    for _ in $(seq 11); do /usr/bin/time -f %M $c 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 6p
done > "$world_dir/rss"

/usr/bin/python3 - "$world_dir/hf.json" "$world_dir/rss" "$BIN/" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
rss = dict(line.rstrip("\n").split("\t") for line in open(sys.argv[2]))
base = results[0]["median"]
print("| command | median | mean ± σ | ratio to dbus-send | peak RSS (median of 11) |")
print("|---|---|---|---|---|")
failed = False
for r in results:
    cmd = r["command"]
    ratio = r["median"] / base
    kib = int(rss[cmd])
    name = cmd.replace(sys.argv[3], "").replace(" --system --print-reply --dest=org.sonyctl.Daemon1 /org/sonyctl/Daemon1 org.freedesktop.DBus.ObjectManager.", " … ")
    print(f"| `{name}` | {r['median']*1e3:.2f} ms | {r['mean']*1e3:.2f} ± {r['stddev']*1e3:.2f} ms | {ratio:.2f}× | {kib/1024:.1f} MB |")
    if cmd.endswith("sonyctl list"):
        ok_time, ok_rss = ratio <= 1.5, kib <= 8 * 1024
        failed = not (ok_time and ok_rss)
        verdict = f"time {'PASS' if ok_time else 'FAIL'} (≤ 1.5×), RSS {'PASS' if ok_rss else 'FAIL'} (≤ 8 MB)"
print()
print("sonyctl list:", verdict)
sys.exit(1 if failed else 0)
PY
