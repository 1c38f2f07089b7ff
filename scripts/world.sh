# Sourced by demo.sh, bench-cli.sh and soak.sh: a private system bus with the
# simulated BlueZ and polkitd (scripts/demo-world.py sets up the devices) and
# sonyctld from $BIN. start_world does it all and exports DBUS_SYSTEM_BUS_ADDRESS;
# soak.sh uses the pieces (world_bus, world_polkit, world_bluez, world_daemon), as
# it restarts the simulated bluetoothd itself. stop_world ends exactly the
# processes these started (an EXIT trap calls it).

world_pids=()
world_dir=$(mktemp -d)

stop_world() {
    for pid in "${world_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${world_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$world_dir"
}
trap stop_world EXIT

# world_bus : the private system bus (its Debug.Stats interface on); exports its address.
world_bus() {
    cat > "$world_dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:dir=$world_dir</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/><allow user="*"/>
  </policy>
</busconfig>
CONF
    local address
    exec {world_bus_fd}< <(exec dbus-daemon --config-file="$world_dir/bus.conf" --nofork --nosyslog --print-address=1 2>"$world_dir/dbus.log")
    world_pids+=($!)
    read -r -t 10 address <&"$world_bus_fd"
    export DBUS_SYSTEM_BUS_ADDRESS=$address
    export DBUS_SESSION_BUS_ADDRESS=$address
}

# world_bluez : the simulated bluetoothd, without devices (demo-world.py setup adds them).
world_bluez() {
    /usr/bin/python3 -m dbusmock --system --template "$PWD/Tests/Mocks/sony_bluez.py" >/dev/null 2>&1 & world_pids+=($!)
}

# world_polkit : polkitd's simulator (demo-world.py setup makes it say yes).
world_polkit() {
    /usr/bin/python3 -m dbusmock --system --template polkitd >/dev/null 2>&1 & world_pids+=($!)
}

# world_daemon [PREFIX...] : sonyctld ($SONYCTLD, else from $BIN; behind PREFIX, e.g. env), its history in
# the scratch folder, never in the machine's /var/lib/sonyctl; waits WORLD_WAIT seconds
# (default 10) for its name. Sets world_daemon_pid.
world_daemon() {
    "$@" "${SONYCTLD:-$BIN/sonyctld}" --catalogue config/models.yaml --state-dir "$world_dir/state" ${WORLD_DAEMON_ARGS:-} \
        2>"$world_dir/sonyctld.log" &
    world_daemon_pid=$!
    world_pids+=($!)
    for _ in $(seq $(( ${WORLD_WAIT:-10} * 10 ))); do
        busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" status org.sonyctl.Daemon1 >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "sonyctld did not start:" >&2
    cat "$world_dir/sonyctld.log" >&2
    return 1
}

start_world() {
    world_bus
    world_bluez
    world_polkit
    /usr/bin/python3 scripts/demo-world.py setup
    world_daemon
}
