#!/bin/bash
# bench-daemon.sh [ROUNDS] - sonyctld beside baselines measured in the same run:
#  - ResolveDevice and a Properties.Get round trip against the daemon, by the C
#    libdbus client, beside that client's Ping to the C libdbus server (bars: median
#    p50 ≤ 1.3×, p99 ≤ 1.5×);
#  - a repair cycle on the simulated BlueZ beside the same BlueZ calls made directly
#    (bar: the daemon's own overhead ≤ 50 ms);
#  - 60 s at rest: CPU and wake-ups of every sonyctld thread beside an idle C libdbus
#    client with a match rule (bar: no wake-ups).
# IDLE=SECONDS shortens the rest. Exits non-zero if a bar fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
IDLE=${IDLE:-60}
CALLS=${CALLS:-20000}
BENCH_PRODUCTS="sonyctld"
. scripts/bench/lib.sh

start c-server "$C" serve --name org.sonyctl.Bench.C
start_mock
start_daemon
results="$work/results"
DEV=/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01
for r in $(seq "$ROUNDS"); do
    echo "round $r/$ROUNDS" >&2
    echo "c $("$C" rtt --dest org.sonyctl.Bench.C -n "$CALLS" -w 1000)" >> "$results"
    echo "resolve $("$C" rtt --dest org.sonyctl.Daemon1 --path /org/sonyctl/Daemon1 --iface org.sonyctl.Daemon1.Manager \
        --member ResolveDevice --s1 WH-1000XM4 -n "$CALLS" -w 1000)" >> "$results"
    echo "get $("$C" rtt --dest org.sonyctl.Daemon1 --path "$DEV" --iface org.freedesktop.DBus.Properties \
        --member Get --s1 org.sonyctl.Daemon1.Device --s2 Health -n "$CALLS" -w 1000)" >> "$results"
done
echo "repairs" >&2
/usr/bin/python3 scripts/bench/repair.py "$((ROUNDS * 4))" "$DAEMON" | sed 's/^/repair /' >> "$results"

# Worker threads of the repairs above wind down (and exit) first.
echo "idle ${IDLE}s after ${SETTLE:=15}s to settle" >&2
sleep "$SETTLE"
"$C" idle -s "$IDLE" > "$work/idle-c" &
idle_c=$!
t0=$(cpu_ticks "$DAEMON"); thread_switches "$DAEMON" > "$work/sw0"
sleep "$IDLE"
t1=$(cpu_ticks "$DAEMON"); thread_switches "$DAEMON" > "$work/sw1"
wait "$idle_c"
read -r woke gone < <(wakeups "$work/sw0" "$work/sw1")
echo "c $(cat "$work/idle-c")" >> "$results"
echo "daemon mode=idle seconds=$IDLE cpu_ms=$(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) wakeups=$woke threads_gone=$gone \
threads=$(wc -l < "$work/sw1") rss_kb=$(rss_kb "$DAEMON")" >> "$results"

/usr/bin/python3 - "$results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    impl, rest = line.split(" ", 1)
    kv = dict(p.split("=", 1) for p in rest.split())
    rows.setdefault((impl, kv["mode"]), []).append(kv)
med = lambda impl, mode, key: statistics.median(float(r[key]) for r in rows[(impl, mode)])
failed = False
def bar(ok, text):
    global failed
    failed |= not ok
    return ("PASS" if ok else "FAIL") + f" ({text})"
n = len(rows[("c", "rtt")])
print(f"medians of {n} alternating rounds of {rows[('c','rtt')][0]['n']} sequential calls each\n")
print("| round trip | C client → C server (Ping) | C client → sonyctld | ratio | bar |")
print("|---|---|---|---|---|")
for label, impl in (("ResolveDevice(\"WH-1000XM4\")", "resolve"), ("Properties.Get(Device, Health)", "get")):
    for q, limit in (("p50_us", 1.3), ("p99_us", 1.5)):
        c, s = med("c", "rtt", q), med(impl, "rtt", q)
        print(f"| {label} {q[:3]} | {c:.1f} µs | {s:.1f} µs | {s / c:.2f}× | {bar(s / c <= limit, f'≤ {limit}×')} |")
rep = rows[("repair", "repair")]
d = statistics.median(float(r["daemon_ms"]) for r in rep)
r_ = statistics.median(float(r["direct_ms"]) for r in rep)
cpu = statistics.median(float(r["daemon_cpu_ms"]) for r in rep)
worst = max(float(r["daemon_cpu_ms"]) for r in rep)
print(f"\n| repair cycle, {len(rep)} of each, alternating | median |")
print("|---|---|")
print(f"| the same BlueZ and polkit calls made directly (python-dbus client), wall | {r_:.1f} ms |")
print(f"| through sonyctld, wall | {d:.1f} ms |")
print(f"| sonyctld's own CPU per repair (max {worst:.1f} ms) | {cpu:.1f} ms {bar(worst <= 50, '≤ 50 ms')} |")
ci, si = rows[("c", "idle")][0], rows[("daemon", "idle")][0]
print(f"\n| at rest, {si['seconds']} s | idle C libdbus client | sonyctld (all threads) | bar |")
print("|---|---|---|---|")
print(f"| CPU | {ci['cpu_ms']} ms | {si['cpu_ms']} ms | |")
print(f"| wake-ups | {ci['wakeups']} | {si['wakeups']} ({si['threads']} threads, {si['threads_gone']} exited) | {bar(int(si['wakeups']) == 0 and si['threads_gone'] == '0', 'none')} |")
print(f"| RSS | | {int(si['rss_kb']) / 1024:.1f} MB | |")
sys.exit(1 if failed else 0)
PY
