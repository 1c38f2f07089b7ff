#!/bin/sh
# Runs inside the test guest (chrooted into the host's root under a tmpfs overlay):
# the system bus with sonyctld's bus policy installed and the Bumble headset's process,
# then the scenarios (scenarios.py starts btvirt, btmon, bluetoothd, the desktop
# session and sonyctld for each run).
# Reads REPO, BIN, VENV, EPOLL_SHIM, SCENARIOS, REPEAT, KEEP_LOGS from the job file.
set -u
OUT=/tmp/share
HERE="$REPO/Tests/BlueZVM"
t() { echo "GUEST: $* at $(cut -d' ' -f1 /proc/uptime)s"; }

# The overlay makes / writable in memory: install the bus policy and the polkit action
# where a package would (polkitd, where installed, is started by bus activation).
cp "$REPO/config/dbus/org.sonyctl.Daemon1.conf" /usr/share/dbus-1/system.d/
mkdir -p /usr/share/polkit-1/actions
cp "$REPO/config/polkit/org.sonyctl.policy" /usr/share/polkit-1/actions/
mkdir -p /run/dbus
dbus-daemon --system --fork --nopidfile || { t "no system bus"; exit 1; }

# Waits (polling, with a deadline) for a condition no event announces to a shell.
await() { # seconds what condition...
    limit=$(( $1 * 20 )); what=$2; shift 2; n=0
    until "$@"; do
        n=$((n + 1)); [ $n -lt $limit ] || { t "gave up waiting for $what"; return 1; }
        sleep 0.05
    done
}

# The headset's process lives through the whole guest; the scenarios hand it a
# controller (btvirt's second) each time they start btvirt anew.
"$VENV/bin/python" "$HERE/headset.py" /run/headset.sock /run/headset.ready > "$OUT/headset.log" 2>&1 &
HEADSET=$!
alive_or_ready() { [ -s /run/headset.ready ] || ! kill -0 $HEADSET 2>/dev/null; }
await 90 "the headset" alive_or_ready && [ -s /run/headset.ready ] || { t "headset died"; tail -30 "$OUT/headset.log"; exit 1; }
t "headset ready"

OUT=$OUT REPO=$REPO BIN=$BIN EPOLL_SHIM="${EPOLL_SHIM:-}" HEADSET_SOCKET=/run/headset.sock SCENARIOS="${SCENARIOS:-}" REPEAT="${REPEAT:-1}" \
    KEEP_LOGS="${KEEP_LOGS:-}" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "${RUNNER:-$HERE/scenarios.py}"
RC=$?
t "scenarios done (exit $RC)"
kill $HEADSET 2>/dev/null
exit $RC
