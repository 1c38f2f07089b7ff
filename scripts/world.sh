# Sourced by demo.sh and bench-cli.sh: a private system bus with the simulated
# BlueZ and polkitd (scripts/demo-world.py sets up the devices) and sonyctld
# from $BIN. start_world exports DBUS_SYSTEM_BUS_ADDRESS; stop_world ends
# exactly the processes start_world started (an EXIT trap calls it).

world_pids=()
world_dir=$(mktemp -d)

stop_world() {
    for pid in "${world_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${world_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$world_dir"
}
trap stop_world EXIT

start_world() {
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
    exec {world_bus}< <(exec dbus-daemon --config-file="$world_dir/bus.conf" --nofork --nosyslog --print-address=1 2>"$world_dir/dbus.log")
    world_pids+=($!)
    read -r -t 10 address <&"$world_bus"
    export DBUS_SYSTEM_BUS_ADDRESS=$address
    export DBUS_SESSION_BUS_ADDRESS=$address

    /usr/bin/python3 -m dbusmock --system --template "$PWD/Tests/Mocks/sony_bluez.py" >/dev/null 2>&1 & world_pids+=($!)
    /usr/bin/python3 -m dbusmock --system --template polkitd >/dev/null 2>&1 & world_pids+=($!)
    /usr/bin/python3 scripts/demo-world.py setup
    # Its history in the scratch folder, never in the machine's /var/lib/sonyctl.
    "$BIN/sonyctld" --catalogue config/models.yaml --state-dir "$world_dir/state" 2>"$world_dir/sonyctld.log" & world_pids+=($!)
    for _ in $(seq 100); do
        busctl --address="$address" status org.sonyctl.Daemon1 >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "sonyctld did not start:" >&2
    cat "$world_dir/sonyctld.log" >&2
    return 1
}
