#!/bin/bash
# bench-watch.sh [ROUNDS] - sonyctld ingesting BlueZ PropertiesChanged at 30,000/s
# (an RSSI storm with connection flaps in it) beside a C libdbus receiver fed the same
# storm at the same time; the history's insert rate beside sqlite3 doing the same
# inserts; and sonyctld's RSS before and after 1,000,000 signals.
# Bars: CPU per signal ≤ 2× the C receiver, nothing lost, RSS flat within 1 MB.
# The storm comes from a C process that owns org.bluez and answers GetManagedObjects
# with the simulated BlueZ's own reply (one connected WH-1000XM4), captured first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
SIGNALS=${SIGNALS:-30000}
RATE=${RATE:-30000}
FLAPS=${FLAPS:-10}
LONG=${LONG:-1000000}
BENCH_PRODUCTS="sonyctld history-bench"
. scripts/bench/lib.sh

DEV=/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_01
BLUEZ_DEV=/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01
results="$work/results"

# The simulated BlueZ's reply, then the simulator gone: the storm's process is org.bluez.
start_mock
"$C" capture --dest org.bluez -o "$work/gmo.bin" > /dev/null
for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null || true; done
while "${BUSCTL[@]}" status org.bluez > /dev/null 2>&1; do sleep 0.05; done
# The storm's process reads "go" lines from one fifo and reports on another, both
# kept open for the whole run.
mkfifo "$work/go" "$work/storm.out"
exec {go}<> "$work/go"
"$C" storm --name org.bluez --reply "$work/gmo.bin" --path "$BLUEZ_DEV" -n "$SIGNALS" --rate "$RATE" \
    --flaps "$FLAPS" < "$work/go" > "$work/storm.out" &
pids+=($!)
exec {storm_out}< "$work/storm.out"
read -r -t 30 line <&"$storm_out" && [ "$line" = ready ]
start_daemon
prop() { "${BUSCTL[@]}" get-property org.sonyctl.Daemon1 "$DEV" org.sonyctl.Daemon1.Device "$1" | cut -d' ' -f2; }
until [ "$(prop Present)" = true ]; do sleep 0.05; done

# storm N : one storm of N RSSI signals (FLAPS flaps, the end marker), received by
# sonyctld and the C receiver at once; records both and checks nothing was lost.
first=1
storm() {
    local n=$1 expected before drops0 t0 t1 line result
    # n RSSI, FLAPS down/up pairs, the last RSSI and the drop; after the first storm a
    # reconnect opens it.
    expected=$(( n + 2 * FLAPS + 2 + (first ? 0 : 1) ))
    first=0
    mkfifo "$work/recv.fifo"
    "$C" recv -n "$expected" > "$work/recv.fifo" &
    local rpid=$!
    exec {rfd}< "$work/recv.fifo"
    read -r -t 20 line <&"$rfd" && [ "$line" = ready ]
    before=$(prop LastDisconnected)
    drops0=$(drops)
    t0=$(cpu_us "$DAEMON")
    echo "go $n" >&"$go"
    read -r -t 300 line <&"$storm_out"
    until [ "$(prop LastDisconnected)" != "$before" ]; do sleep 0.02; done
    t1=$(cpu_us "$DAEMON")
    read -r -t 60 result <&"$rfd" || true
    eval "exec ${rfd}<&-"
    wait "$rpid" || true
    rm -f "$work/recv.fifo"
    echo "c $result" >> "$results"
    local signals=${line##*signals=}; signals=${signals%% *}
    read -r _ rssi < <(last_drop)
    echo "daemon mode=recv n=$signals cpu_us_per_signal=$(awk -v a="$t0" -v b="$t1" -v n="$signals" 'BEGIN {printf "%.3f", (b - a) / n}') \
drops=$(( $(drops) - drops0 )) expected_drops=$(( FLAPS + 1 )) last_rssi=$rssi" >> "$results"
}
drops() { history | awk '$2 == "disconnected"' | wc -l; }
last_drop() { history | awk '$2 == "disconnected" {r = $3} END {print NR, r}'; }
history() {
    "${BUSCTL[@]}" --json=short call org.sonyctl.Daemon1 "$DEV" org.sonyctl.Daemon1.Device GetHistory tu 0 0 |
        /usr/bin/python3 -c 'import json, sys
for t, kind, d in json.load(sys.stdin)["data"][0]:
    print(t, kind, d.get("rssi", {}).get("data", "-"))'
}

for r in $(seq "$ROUNDS"); do
    echo "storm $r/$ROUNDS: $SIGNALS signals at $RATE/s" >&2
    storm "$SIGNALS"
done
rss0=$(rss_kb "$DAEMON")
echo "long storm: $LONG signals" >&2
storm "$LONG"
rss1=$(rss_kb "$DAEMON")
echo "daemon mode=rss before_kb=$rss0 after_kb=$rss1 signals=$LONG" >> "$results"

echo "history inserts" >&2
for r in $(seq "$ROUNDS"); do
    echo "swift $("$BIN/history-bench" -n 1000 --dir "$work/h$r")" >> "$results"
    # sqlite3 (C) into the same table, with the same pragmas, one transaction per event.
    db="$work/h$r/history.sqlite"
    start_ns=$(date +%s%N)
    { echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      for i in $(seq 1000); do
          echo "INSERT INTO events (time_us, address, kind, adapter, rssi, reason) VALUES ($i, 'AA:BB:CC:DD:EE:01', 'connected', 'hci0', -60, 'remote');"
      done; } | sqlite3 "$db" > /dev/null
    end_ns=$(date +%s%N)
    echo "c mode=history n=1000 batch=1 per_s=$(( 1000 * 1000000000 / (end_ns - start_ns) ))" >> "$results"
done

/usr/bin/python3 - "$results" "$FLAPS" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    impl, rest = line.split(" ", 1)
    kv = dict(p.split("=", 1) for p in rest.split())
    rows.setdefault((impl, kv["mode"]), []).append(kv)
failed = False
def bar(ok, text):
    global failed
    failed |= not ok
    return ("PASS" if ok else "FAIL") + f" ({text})"
c = [float(r["cpu_us_per_signal"]) for r in rows[("c", "recv")]]
d = [float(r["cpu_us_per_signal"]) for r in rows[("daemon", "recv")]]
n = len(d) - 1
cm, dm = statistics.median(c[:n]), statistics.median(d[:n])
print(f"{n} storms of {rows[('daemon','recv')][0]['n']} signals each, then one of {rows[('daemon','recv')][-1]['n']}; medians of the short storms\n")
print("| ingest | C libdbus receiver | sonyctld | ratio | bar |")
print("|---|---|---|---|---|")
print(f"| CPU per signal | {cm:.2f} µs | {dm:.2f} µs | {dm / cm:.2f}× | {bar(dm / cm <= 2, '≤ 2×')} |")
lost_c = sum(int(r["lost"]) for r in rows[("c", "recv")])
wrong = [r for r in rows[("daemon", "recv")] if r["drops"] != r["expected_drops"] or r["last_rssi"] != "-33"]
print(f"| signals lost (all storms) | {lost_c} | {len(wrong)} storms with a drop or the last RSSI missing | | {bar(lost_c == 0 and not wrong, 'none')} |")
rss = rows[("daemon", "rss")][0]
grew = (int(rss["after_kb"]) - int(rss["before_kb"])) / 1024
print(f"| RSS before → after {int(rss['signals']):,} signals | | {int(rss['before_kb']) / 1024:.1f} → {int(rss['after_kb']) / 1024:.1f} MB | | {bar(grew <= 1, 'flat within 1 MB')} |")
hs = statistics.median(float(r["per_s"]) for r in rows[("swift", "history")])
hc = statistics.median(float(r["per_s"]) for r in rows[("c", "history")])
print(f"\n| history, one durable transaction per event | sqlite3 CLI | sonyctld's HistoryStore | ratio |")
print("|---|---|---|---|")
print(f"| events/s | {hc:,.0f} | {hs:,.0f} | {hs / hc:.2f}× |")
sys.exit(1 if failed else 0)
PY
