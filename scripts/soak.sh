#!/bin/bash
# soak.sh [MINUTES] - sonyctld for MINUTES (default 2, what CI runs) on a private bus
# under the chaos of scripts/soak/driver.py: headsets flapping, RSSI storms, repairs
# (cancelled, timed out, their caller gone, bluetoothd killed under them), forgets,
# bluetoothd killed and restarted, an adapter unplugged and plugged back, clients that
# call and leave mid-call. scripts/soak/sample.py samples the daemon's RSS, open fds,
# threads, match rules on the bus and history rows every SOAK_INTERVAL seconds
# (default 5) into artifacts/soak/<run>/samples.csv; scripts/soak/verdict.py then
# checks the bars and prints the table. Exits non-zero on a failed bar.
#
# LEAKS=1: the same run (default 3 minutes) with sonyctld built with AddressSanitizer
# (its LeakSanitizer checks at exit; .build-asan) and every wait 3× longer; the bar is
# "no direct leak" instead of RSS, which ASan's shadow memory makes meaningless.
# (valgrind 3.19, Debian 12's, dies of an internal SIGSEGV in any Swift 6 binary with
# an async main, `sonyctld --check` included; see RELIABILITY.md.)
# BIN: where sonyctld and sonyctl are (default: the debug build, built if need be).
# SOAK_ONLY=flap,repair,…: only those of the driver's actions (to find what grows).
set -euo pipefail
cd "$(dirname "$0")/.."
# All of it in one compound command: bash reads it whole before running it, so an edit
# of this file during a 30-minute run cannot change what the run does next.
{
LEAKS=${LEAKS:-}
MINUTES=${1:-$([ -n "$LEAKS" ] && echo 3 || echo 2)}
INTERVAL=${SOAK_INTERVAL:-5}
./scripts/install-deps.sh
if [ -z "${BIN:-}" ]; then
    swift build --product sonyctld >&2
    swift build --product sonyctl >&2
    BIN=$(swift build --show-bin-path)
fi
export BIN
if [ -n "$LEAKS" ]; then
    swift build --scratch-path .build-asan -Xswiftc -sanitize=address --product sonyctld >&2
    export SONYCTLD="$(swift build --scratch-path .build-asan -Xswiftc -sanitize=address --show-bin-path)/sonyctld"
fi

run="artifacts/soak/$(date -u +%Y%m%dT%H%M%SZ)-${MINUTES}m${LEAKS:+-leaks}${SOAK_ONLY:+-$SOAK_ONLY}"
mkdir -p "$run"
seconds=$(awk -v m="$MINUTES" 'BEGIN {print int(m * 60)}')
# Warm-up: a fifth of the run, at least 30 s, at most 5 minutes.
warmup=$(awk -v s="$seconds" 'BEGIN {w = s / 5; if (w < 30) w = 30; if (w > 300) w = 300; print w}')

. scripts/world.sh
world_bus
world_polkit
prefix=()
if [ -n "$LEAKS" ]; then
    export SOAK_SLOW=3 WORLD_WAIT=60
    # Leaks are read from the report (lsan.PID), not from the exit code: a clean stop stays exit 0.
    prefix=(env "ASAN_OPTIONS=detect_leaks=1:exitcode=0:log_path=$PWD/$run/lsan:malloc_context_size=40"
            "LSAN_OPTIONS=exitcode=0:print_suppressions=1:suppressions=$PWD/scripts/soak/lsan.supp")
fi
# It starts before bluetoothd, which the driver starts (and restarts).
world_daemon "${prefix[@]}"
daemon=$world_daemon_pid
echo "soak: $MINUTES min, sonyctld pid $daemon${LEAKS:+ (AddressSanitizer)}, samples every ${INTERVAL} s into $run/samples.csv" >&2

/usr/bin/python3 scripts/soak/sample.py "$daemon" "$INTERVAL" "$run/samples.csv" "$world_dir/state/history.sqlite" &
sampler=$!
world_pids+=("$sampler")
driver=0
/usr/bin/python3 scripts/soak/driver.py "$seconds" "$run/events.json" || driver=$?
sleep 1
kill -TERM "$sampler"; wait "$sampler" || true

# The end: SIGTERM, a clean exit (LeakSanitizer writes its report then).
code=0
if kill -0 "$daemon" 2>/dev/null; then
    kill -TERM "$daemon"
    wait "$daemon" || code=$?
else
    wait "$daemon" || code=$?
    echo "soak: sonyctld had already exited ($code)" >&2
    code=${code/#0/255}
fi
cp "$world_dir/sonyctld.log" "$run/sonyctld.log"
if [ "$driver" -ne 0 ] || [ ! -s "$run/events.json" ]; then
    echo "soak: the driver failed ($driver)" >&2
    exit 1
fi
set +e
/usr/bin/python3 scripts/soak/verdict.py "$run" "$daemon" "$code" "$warmup" ${LEAKS:+"$run/lsan.$daemon"} | tee "$run/verdict.txt"
verdict=${PIPESTATUS[0]}
set -e
echo "soak: figures in $run" >&2
exit "$verdict"
}
