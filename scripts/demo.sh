#!/bin/bash
# make demo: sonyctl on a machine with no Bluetooth at all. Installs what is
# missing, builds, starts a private bus with the simulated BlueZ (a WH-1000XM4
# that drops now and then, WF-1000XM5 earbuds, a headset that is not Sony),
# polkit and sonyctld, then takes a short tour. Stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
echo "building sonyctl and sonyctld (the first build takes a few minutes)…"
swift build --product sonyctld 2>&1 | grep -E "error|Build" || true
swift build --product sonyctl 2>&1 | grep -E "error|Build" || true
swift build --product sonyctl-cli 2>&1 | grep -E "error|Build" || true
BIN=$(swift build --show-bin-path)
. scripts/world.sh
start_world
/usr/bin/python3 scripts/demo-world.py flap 600 & world_pids+=($!)

sonyctl() { "$BIN/sonyctl" "$@" || true; }
step() { printf '\n\033[1;36m$ sonyctl %s\033[0m\n' "$*"; sleep 1; }

echo
echo "A private system bus with a simulated BlueZ: hci0, a WH-1000XM4 (connected, drops now and then),"
echo "WF-1000XM5 earbuds (paired) and a JBL headset (not Sony, so sonyctl leaves it alone)."
step list;                      sonyctl list
step diagnose WH-1000XM4;       sonyctl diagnose WH-1000XM4
echo
echo "(the simulated headset will \"enter pairing mode\" 3 s after the repair starts looking for it)"
/usr/bin/python3 scripts/demo-world.py pairing-mode
step repair WH-1000XM4 --timeout 30; sonyctl repair WH-1000XM4 --timeout 30
sleep 6
step history WH-1000XM4 --since 10m; sonyctl history WH-1000XM4 --since 10m
step guide WF-1000XM5 --tier factory; sonyctl guide WF-1000XM5 --tier factory
echo
echo "That was all simulated. On a real machine: make install && systemctl enable --now sonyctld."
