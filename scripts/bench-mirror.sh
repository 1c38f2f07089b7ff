#!/bin/bash
# bench-mirror.sh [ROUNDS] - time to a complete BlueZ mirror with 1, 100 and
# 1000 devices, beside the C libdbus GetManagedObjects transfer+walk of the same
# reply, in the same run. The reply is captured once from python-dbusmock's
# bluez5 and replayed by a C server owning org.bluez, so both sides measure
# their own cost, not the mock's.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}

./scripts/install-deps.sh
swift build -c release --product bluez-bench >&2
swift build -c release --product dbus-cbench >&2
BIN=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

out=$(dbus-daemon --session --print-address=1 --print-pid=1 --fork)
export DBUS_SESSION_BUS_ADDRESS=$(echo "$out" | sed -n 1p)
export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
pids+=("$(echo "$out" | sed -n 2p)")

for N in 1 100 1000; do
    /usr/bin/python3 -m dbusmock --system --template bluez5 > /dev/null 2>&1 &
    mock=$!
    /usr/bin/python3 - "$N" <<'PY'
import sys, time, dbus
bus = dbus.SystemBus()
for _ in range(200):
    if bus.name_has_owner("org.bluez"): break
    time.sleep(0.05)
mock = dbus.Interface(bus.get_object("org.bluez", "/"), "org.bluez.Mock")
mock.AddAdapter("hci0", "bench")
for i in range(int(sys.argv[1])):
    mock.AddDevice("hci0", "00:11:22:33:%02X:%02X" % (i >> 8, i & 255), "Device %d" % i)
PY
    "$BIN/dbus-cbench" capture --dest org.bluez -o "$work/gmo-$N.bin" --address "$DBUS_SYSTEM_BUS_ADDRESS" > "$work/capture-$N"
    kill "$mock"; wait "$mock" 2>/dev/null || true
    mkfifo "$work/canned-$N"
    "$BIN/dbus-cbench" canned --name org.bluez --reply "$work/gmo-$N.bin" > "$work/canned-$N" &
    canned=$!
    exec {fd}< "$work/canned-$N"; read -r -t 20 line <&"$fd"; eval "exec ${fd}<&-"
    calls=$(( N >= 1000 ? 20 : 100 ))
    for r in $(seq "$ROUNDS"); do
        echo "$N c $("$BIN/dbus-cbench" gmo --dest org.bluez -n "$calls")" >> "$work/results"
        echo "$N swift $("$BIN/bluez-bench" -n "$calls" --devices "$N")" >> "$work/results"
    done
    echo "$N bytes $(cat "$work/capture-$N")" >> "$work/results"
    kill "$canned"; wait "$canned" 2>/dev/null || true
done

/usr/bin/python3 - "$work/results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    n, impl, rest = line.split(" ", 2)
    kv = dict(p.split("=", 1) for p in rest.split())
    rows.setdefault((int(n), impl), []).append(kv)
print("| devices | reply bytes | C: GetManagedObjects + walk, p50 | Swift: start to complete mirror, p50 | ratio | bar |")
print("|---|---|---|---|---|---|")
failed = False
for n in (1, 100, 1000):
    c = statistics.median(float(r["p50_ms"]) for r in rows[(n, "c")])
    s = statistics.median(float(r["p50_ms"]) for r in rows[(n, "swift")])
    bar = ""
    if n == 1000:
        ok = s / c <= 2.0
        failed |= not ok
        bar = ("PASS" if ok else "FAIL") + " (≤ 2×)"
    print(f"| {n} | {rows[(n, 'bytes')][0]['bytes']} | {c:.3f} ms | {s:.3f} ms | {s / c:.2f}× | {bar} |")
sys.exit(1 if failed else 0)
PY
