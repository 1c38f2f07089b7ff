#!/bin/sh
# Installs what building, testing and benchmarking sonyctl needs on Debian 12
# or Ubuntu: libdbus headers, a dbus-daemon for private test buses,
# python-dbusmock for the simulated BlueZ and polkit, and the real clients the
# tests check us against (busctl, gdbus, bluetoothctl); libc6-dev and
# libdbus-1-dev's archives (libc.a, libdbus-1.a) for the static sonyctl.
# Swift itself is expected on PATH. Does nothing when everything is already there.
set -eu

packages="pkg-config libc6-dev libdbus-1-dev dbus-daemon dbus-bin python3 python3-dbus python3-dbusmock python3-gi
bluez libglib2.0-bin systemd hyperfine libsqlite3-dev sqlite3 libnotify-bin libyaml-dev"

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
