#!/bin/bash
# bench-dbus.sh [ROUNDS] - the Swift D-Bus layer (dbus-bench) beside a minimal C
# libdbus pair (dbus-cbench), measured in the same run on a private bus:
# round-trip p50/p99, pipelined calls/s, CPU per received signal, idle wake-ups.
# The C and Swift runs alternate so that drift on the machine hits both alike.
# Prints a table with ratios and the bars of issue 2; exits non-zero if a bar fails.
# IMPLS="c" runs the C baseline alone (the Swift column then reads "—");
# SCRATCH sets SwiftPM's --scratch-path (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
CALLS=${CALLS:-20000}
SIGNALS=${SIGNALS:-100000}
IDLE=${IDLE:-10}
IMPLS=${IMPLS:-c swift}

swift=false
case " $IMPLS " in
*" swift "*)
    if grep -q 'name: "dbus-bench"' Package.swift && [ -d Sources/dbus-bench ]; then
        swift=true
    else
        echo "note: this package has no dbus-bench product yet; running the C baseline alone" >&2
    fi ;;
*) echo "note: IMPLS=\"$IMPLS\": running the C baseline alone" >&2 ;;
esac

BENCH_PRODUCTS=$($swift && echo dbus-bench || true)
. scripts/bench/lib.sh
SW="$BIN/dbus-bench"

start c-server "$C" serve --name org.sonyctl.Bench.C
if $swift; then start swift-server "$SW" serve --name org.sonyctl.Bench.Swift; fi

results="$work/results.txt"
record() { echo "$1 $2" >> "$results"; }   # IMPL LINE

# recv IMPL CMD... : a receiver started first, then the C emitter floods it.
recv() {
    local impl=$1; shift
    mkfifo "$work/recv.fifo"
    "$@" > "$work/recv.fifo" &
    local rpid=$!
    transient=$rpid
    exec {fd}< "$work/recv.fifo"
    local line
    read -r -t 20 line <&"$fd" && [ "$line" = ready ] || { echo "$impl receiver did not start" >&2; exit 1; }
    "$C" emit -n "$SIGNALS" > /dev/null
    read -r -t 60 line <&"$fd" || true
    eval "exec ${fd}<&-"
    wait "$rpid" || true
    transient=""
    rm -f "$work/recv.fifo"
    record "$impl" "$line"
}

for r in $(seq "$ROUNDS"); do
    echo "round $r/$ROUNDS" >&2
    record c "$("$C" rtt --dest org.sonyctl.Bench.C -n "$CALLS" -w 1000)"
    if $swift; then
        record swift "$("$SW" rtt --dest org.sonyctl.Bench.Swift -n "$CALLS" -w 1000)"
        record swift-pool "$("$SW" rtt --pool --dest org.sonyctl.Bench.Swift -n "$CALLS" -w 1000)"
    fi
    record c "$("$C" pipeline --dest org.sonyctl.Bench.C -n 100000 -d 64)"
    if $swift; then record swift "$("$SW" pipeline --dest org.sonyctl.Bench.Swift -n 100000 -d 64)"; fi
    recv c "$C" recv -n "$SIGNALS"
    if $swift; then
        recv swift "$SW" recv -n "$SIGNALS"
        recv swift-pool "$SW" recv --pool -n "$SIGNALS"
        recv swift-handler "$SW" recv --handler -n "$SIGNALS"
    fi
done
echo "idle ${IDLE}s" >&2
"$C" idle -s "$IDLE" > "$work/idle-c" &
transient=$!
if $swift; then
    "$SW" idle -s "$IDLE" > "$work/idle-swift"
    record swift "$(cat "$work/idle-swift")"
fi
wait "$transient"
transient=""
record c "$(cat "$work/idle-c")"

/usr/bin/python3 - "$results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    impl, rest = line.split(" ", 1)
    kv = dict(p.split("=", 1) for p in rest.split())
    rows.setdefault((impl, kv["mode"]), []).append(kv)

def med(impl, mode, key):
    vals = [float(r[key]) for r in rows.get((impl, mode), [])]
    return statistics.median(vals) if vals else float("nan")

failed = False
have_swift = ("swift", "rtt") in rows
def line(label, c, s, unit, bar=None, lower_is_better=True):
    global failed
    if s != s:  # no Swift run: the C column alone
        print(f"| {label} | {c:,.1f} {unit} | — | — | {'n/a' if bar is not None else ''} |")
        return
    ratio = s / c if c else float("nan")
    verdict = ""
    if bar is not None:
        ok = ratio <= bar if lower_is_better else ratio >= bar
        verdict = ("PASS" if ok else "FAIL") + f" (bar {'≤' if lower_is_better else '≥'} {bar}×)"
        failed |= not ok
    print(f"| {label} | {c:,.1f} {unit} | {s:,.1f} {unit} | {ratio:.2f}× | {verdict} |")

n = len(rows.get(("c", "rtt"), []))
print(f"medians of {n} {'alternating ' if have_swift else ''}rounds; {rows[('c','rtt')][0]['n']} calls per round trip run, "
      f"{rows[('c','recv')][0]['n']} signals per receive run"
      + ("" if have_swift else "; C baseline alone, no Swift run") + "\n")
print("| metric | C libdbus pair | Swift (sonyctl DBus) | ratio | bar |")
print("|---|---|---|---|---|")
line("round trip p50", med("c","rtt","p50_us"), med("swift","rtt","p50_us"), "µs", 1.3)
line("round trip p99", med("c","rtt","p99_us"), med("swift","rtt","p99_us"), "µs", 1.5)
line("client CPU per call", med("c","rtt","cpu_us_per_call"), med("swift","rtt","cpu_us_per_call"), "µs")
line("round trip p50, task on the global pool", med("c","rtt","p50_us"), med("swift-pool","rtt","p50_us"), "µs")
line("round trip p99, task on the global pool", med("c","rtt","p99_us"), med("swift-pool","rtt","p99_us"), "µs")
line("pipelined calls/s, depth 64", med("c","pipeline","calls_per_s"), med("swift","pipeline","calls_per_s"), "")
line("CPU per signal, AsyncSequence", med("c","recv","cpu_us_per_signal"), med("swift","recv","cpu_us_per_signal"), "µs", 2.0)
line("CPU per signal, handler", med("c","recv","cpu_us_per_signal"), med("swift-handler","recv","cpu_us_per_signal"), "µs", 2.0)
line("CPU per signal, AsyncSequence on the pool", med("c","recv","cpu_us_per_signal"), med("swift-pool","recv","cpu_us_per_signal"), "µs")
lost_c = sum(int(r["lost"]) for k, v in rows.items() if k == ("c", "recv") for r in v)
lost_s = sum(int(r["lost"]) for k, v in rows.items() if k[0] != "c" and k[1] == "recv" for r in v)
lost = lost_c + lost_s
print(f"| signals lost, all receivers | {lost_c} | {lost_s if have_swift else '—'} | | {'PASS' if lost == 0 else 'FAIL'} |")
failed |= lost != 0
ci = rows[("c","idle")][0]
if have_swift:
    si = rows[("swift","idle")][0]
    print(f"| idle {si['seconds']} s: CPU, wake-ups of the process | {ci['cpu_ms']} ms, {ci['wakeups']} | {si['cpu_ms']} ms, {si['wakeups']} | | |")
    loop_ok = si.get("connection_thread_wakeups") == "0"
    print(f"| idle {si['seconds']} s: wake-ups of the connection thread | | {si.get('connection_thread_wakeups')} | | {'PASS' if loop_ok else 'FAIL'} (bar 0) |")
    failed |= not loop_ok
else:
    print(f"| idle {ci['seconds']} s: CPU, wake-ups of the process | {ci['cpu_ms']} ms, {ci['wakeups']} | — | | n/a |")
sys.exit(1 if failed else 0)
PY
