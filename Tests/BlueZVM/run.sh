#!/bin/sh
# The real-bluetoothd tier: boots a QEMU guest (software emulation, no network) on
# Debian's kernel with the host's root read-only underneath, and runs scenarios.py
# there against the built sonyctld. Usage (from anywhere):
#   Tests/BlueZVM/run.sh                      every scenario once
#   SCENARIOS="repair forget" REPEAT=10 Tests/BlueZVM/run.sh
#   KEEP_LOGS=1 ...                           keep the guest logs of passing runs too
# Guest logs land in artifacts/bluez-vm/ (kept whole when anything failed).
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$REPO/Tests/BlueZVM"
ART=${ARTIFACTS:-$REPO/artifacts/bluez-vm}
start=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}'; }

eval "$("$HERE/prepare.sh")"
echo "bluez-vm: prepared in $(elapsed)s (kernel $KVER)"

cd "$REPO"
swift build --product sonyctld >/dev/null
swift build --product sonyctl >/dev/null
swift build --product sonyctl-cli >/dev/null
BIN=$(swift build --show-bin-path)
echo "bluez-vm: sonyctld and sonyctl built at $(elapsed)s"

rm -rf "$ART"; mkdir -p "$ART"
cat > "$ART/job" <<JOB
REPO='$REPO' BIN='$BIN' VENV='$VENV' EPOLL_SHIM='$EPOLL_SHIM' SCENARIOS='${SCENARIOS:-}' REPEAT='${REPEAT:-1}' KEEP_LOGS='${KEEP_LOGS:-}' sh '$HERE/guest.sh'
JOB
# One guest for the whole tier; the limit grows with REPEAT (a healthy run of all
# seven scenarios takes 1.5-3.5 minutes, on a loaded machine).
set +e
timeout ${VM_TIMEOUT:-$((300 + 300 * ${REPEAT:-1}))} qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 1024 -smp 2 \
    -nographic -no-reboot -nic none -monitor none -serial stdio \
    -kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 quiet loglevel=${GUEST_LOGLEVEL:-3} panic=-1" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$ART,mount_tag=share,security_model=none" </dev/null 2>&1 \
    | sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e '/^c$/d' | tee "$ART/console.log" \
    | grep --line-buffered -E '^(\[ *[0-9.]+\] (===|FAILED|  ok|  NOTE)|INIT:|GUEST:|[0-9]+ passed|[a-z]+ +#)'
qemu=$?
set -e
rc=$(cat "$ART/rc" 2>/dev/null || echo "none")
echo "bluez-vm: guest finished at $(elapsed)s, scenarios exit: $rc"
if [ "$rc" = 0 ]; then
    [ -n "${KEEP_LOGS:-}" ] || find "$ART" -mindepth 1 -not -name results.txt -not -name console.log -delete
    exit 0
fi
echo "bluez-vm: FAILED; guest logs (bluetoothd -d, btmon capture, sonyctld, headset) in $ART"
exit 1
