# Sourced by the benchmarks: the release build of BENCH_PRODUCTS (and dbus-cbench),
# a private bus, a cleanup trap, and helpers to start processes that print "ready"
# and to read a process's CPU, wake-ups and RSS.
# Sets BIN (release binaries), C (dbus-cbench), work, pids; SCRATCH picks SwiftPM's
# --scratch-path (default .build). A script's `transient` process is killed too.

./scripts/install-deps.sh
SCRATCH=${SCRATCH:-.build}
build() { swift build -c release --scratch-path "$SCRATCH" "$@"; }
for product in dbus-cbench ${BENCH_PRODUCTS:-}; do build --product "$product" >&2; done
BIN=$(build --show-bin-path)
C="$BIN/dbus-cbench"
MOCK="$PWD/Tests/Mocks/sony_bluez.py"

work=$(mktemp -d)
pids=()
transient=""
cleanup() {
    for p in "${pids[@]}" $transient; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

out=$(dbus-daemon --session --print-address=1 --print-pid=1 --fork)
export DBUS_SESSION_BUS_ADDRESS=$(echo "$out" | sed -n 1p)
export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS
pids+=("$(echo "$out" | sed -n 2p)")
BUSCTL=(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS")

# start NAME CMD... : runs a process that prints "ready" first, and waits for it.
start() {
    local name=$1; shift
    mkfifo "$work/$name.fifo"
    "$@" > "$work/$name.fifo" &
    pids+=($!)
    exec {fd}< "$work/$name.fifo"
    local line
    read -r -t 30 line <&"$fd" || { echo "$name did not start" >&2; exit 1; }
    eval "exec ${fd}<&-"
    [ "$line" = ready ]
}

# wait_name NAME : until NAME has an owner on the bus.
wait_name() {
    for _ in $(seq 600); do
        "${BUSCTL[@]}" status "$1" > /dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "$1 never appeared" >&2; exit 1
}

# start_mock : the simulated BlueZ with hci0 and a connected XM4, and polkitd allowing.
start_mock() {
    /usr/bin/python3 -m dbusmock --system --template "$MOCK" > /dev/null 2>&1 &
    pids+=($!)
    /usr/bin/python3 -m dbusmock --system --template polkitd > /dev/null 2>&1 &
    pids+=($!)
    wait_name org.bluez
    wait_name org.freedesktop.PolicyKit1
    "${BUSCTL[@]}" call org.bluez / org.bluez.Mock AddAdapter ss hci0 bench > /dev/null
    "${BUSCTL[@]}" call org.bluez / org.sonyctl.Mock AddSonyDevice 'sssa{sv}' hci0 AA:BB:CC:DD:EE:01 WH-1000XM4 6 \
        Modalias s usb:v054Cp0D58d0301 UUIDs as 2 0000110b-0000-1000-8000-00805f9b34fb 96CC203E-5068-46AD-B32D-E316F5E069BA \
        Paired b true Trusted b true Connected b true ServicesResolved b true > /dev/null
    "${BUSCTL[@]}" call org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority org.freedesktop.DBus.Mock \
        SetAllowed as 1 org.sonyctl.manage > /dev/null
}

# start_daemon : the release sonyctld with a fresh state directory; sets DAEMON.
start_daemon() {
    "$BIN/sonyctld" --state-dir "$work/state" --log-level warning 2> "$work/sonyctld.log" &
    DAEMON=$!
    pids+=("$DAEMON")
    wait_name org.sonyctl.Daemon1
}

# cpu_ticks PID : utime+stime in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# thread_switches PID : "TID SWITCHES" per thread, voluntary + not: each is a wake-up.
thread_switches() {
    for t in /proc/"$1"/task/*; do
        awk -v tid="${t##*/}" '/ctxt_switches/ {n += $2} END {print tid, n}' "$t/status" 2>/dev/null || true
    done
}

# wakeups BEFORE AFTER : wake-ups between two thread_switches snapshots, counting a
# thread that appeared meanwhile from zero; prints "WAKEUPS THREADS_GONE".
wakeups() {
    awk 'NR == FNR {before[$1] = $2; next} {n += $2 - ($1 in before ? before[$1] : 0); seen[$1] = 1}
         END {gone = 0; for (t in before) if (!(t in seen)) gone++; print n + 0, gone}' "$1" "$2"
}

# rss_kb PID
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# cpu_us PID : the process's CPU time in µs, every thread counted (clock_getcpuclockid),
# finer than /proc's 10 ms ticks.
cpu_us() {
    /usr/bin/python3 -c 'import ctypes, sys, time
libc = ctypes.CDLL(None); c = ctypes.c_int()
assert libc.clock_getcpuclockid(int(sys.argv[1]), ctypes.byref(c)) == 0
print(int(time.clock_gettime(c.value) * 1e6))' "$1"
}
