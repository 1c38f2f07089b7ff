#!/bin/bash
# bench-link.sh [RUNS] - what the link costs a one-shot D-Bus client, side by side
# in one run against the demo's sonyctld: dbus-send; the same question in C with
# the shared libdbus and with libdbus-1.a; cli-floor (Swift, linked as sonyctl);
# `sonyctl list` linked against the shared libraries (SONYCTL_DYNAMIC_CLIENT=1,
# built into .build-dynamic) and as shipped, one static executable.
# BENCHMARKS.md, issue 5, has a run of it.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-300}

./scripts/install-deps.sh
for product in sonyctld sonyctl cli-floor; do swift build -c release --product "$product" >&2; done
SONYCTL_DYNAMIC_CLIENT=1 swift build -c release --product sonyctl --scratch-path .build-dynamic >&2
BIN=$(swift build -c release --show-bin-path)
DYNAMIC=$(SONYCTL_DYNAMIC_CLIENT=1 swift build -c release --scratch-path .build-dynamic --show-bin-path)
. scripts/world.sh
start_world

# cli-floor's question in C: connect, one blocking GetManagedObjects, count the objects.
cat > "$world_dir/floor.c" <<'C'
#include <dbus/dbus.h>
#include <stdio.h>
int main(void) {
    DBusError error;
    dbus_error_init(&error);
    DBusConnection *bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error);
    if (!bus) return 5;
    DBusMessage *call = dbus_message_new_method_call("org.sonyctl.Daemon1", "/org/sonyctl/Daemon1",
                                                     "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
    DBusMessage *reply = dbus_connection_send_with_reply_and_block(bus, call, 5000, &error);
    if (!reply) return 1;
    DBusMessageIter iter, objects;
    dbus_message_iter_init(reply, &iter);
    dbus_message_iter_recurse(&iter, &objects);
    int count = 0;
    for (; dbus_message_iter_get_arg_type(&objects) != DBUS_TYPE_INVALID; dbus_message_iter_next(&objects)) count++;
    printf("%d objects\n", count);
    return 0;
}
C
gcc -O2 "$world_dir/floor.c" -o "$world_dir/c-shared" $(pkg-config --cflags --libs dbus-1)
gcc -O2 "$world_dir/floor.c" Sources/CDBusStatic/systemd-activation.c -I Sources/CDBusStatic/include \
    -o "$world_dir/c-static" $(pkg-config --cflags dbus-1) -Wl,-Bstatic -ldbus-1 -Wl,-Bdynamic

commands=(
    "dbus-send --system --print-reply --dest=org.sonyctl.Daemon1 /org/sonyctl/Daemon1 org.freedesktop.DBus.ObjectManager.GetManagedObjects"
    "$world_dir/c-shared" "$world_dir/c-static" "$BIN/cli-floor" "$DYNAMIC/sonyctl list" "$BIN/sonyctl list"
)
for c in "${commands[@]}"; do $c >/dev/null || { echo "failed: $c" >&2; exit 1; }; done
hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$world_dir/hf.json" --style none "${commands[@]}" >/dev/null

/usr/bin/python3 - "$world_dir/hf.json" "$world_dir/" "$BIN/" "$DYNAMIC/" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
names = {sys.argv[2] + "c-shared": "C, shared libdbus", sys.argv[2] + "c-static": "C, libdbus-1.a",
         sys.argv[3] + "cli-floor": "cli-floor (static)", sys.argv[4] + "sonyctl list": "sonyctl list, SONYCTL_DYNAMIC_CLIENT=1",
         sys.argv[3] + "sonyctl list": "sonyctl list (static)"}
base = results[0]["median"]
print("| program | median | ratio to dbus-send | user / system CPU |")
print("|---|---|---|---|")
for r in results:
    name = names.get(r["command"], "dbus-send --print-reply")
    print(f"| {name} | {r['median']*1e3:.2f} ms | {r['median']/base:.2f}× | {r['user']*1e3:.2f} / {r['system']*1e3:.2f} ms |")
PY
