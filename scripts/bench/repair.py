#!/usr/bin/python3
"""repair.py ROUNDS DAEMON_PID - a repair cycle through sonyctld beside the same BlueZ calls made
directly, alternating, against the simulated BlueZ and polkitd on $DBUS_SYSTEM_BUS_ADDRESS.

The direct run is what the simulator costs: polkit's CheckAuthorization, Disconnect,
RemoveDevice, SetDiscoveryFilter, StartDiscovery, the device appearing, StopDiscovery,
the filter cleared, RegisterAgent, Pair, Trusted, Connect, ServicesResolved with the
A2DP sink, UnregisterAgent. A python client pays more per call than sonyctld does, so
the daemon's own cost is its CPU time during its cycle, read from /proc.
Prints one line per round: mode=repair daemon_ms=… daemon_cpu_ms=… direct_ms=…"""
import ctypes
import sys, time
import dbus, dbus.mainloop.glib, dbus.service
from gi.repository import GLib

XM4 = "AA:BB:CC:DD:EE:01"
DEV = "/org/bluez/hci0/dev_" + XM4.replace(":", "_")
HCI = "/org/bluez/hci0"
SONY = "/org/sonyctl/Daemon1/devices/dev_" + XM4.replace(":", "_")
SINK = "0000110b-0000-1000-8000-00805f9b34fb"
PROPS = {"Modalias": "usb:v054Cp0D58d0301", "Class": dbus.UInt32(0x240404),
         "UUIDs": dbus.Array([SINK, "96CC203E-5068-46AD-B32D-E316F5E069BA"], signature="s")}

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SystemBus()
loop = GLib.MainLoop()
mock = dbus.Interface(bus.get_object("org.bluez", "/"), "org.sonyctl.Mock")


class Agent(dbus.service.Object):
    pass


def wait_for(check, what, limit=20.0):
    """Runs the main loop until check() is true: signals and replies arrive meanwhile."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        GLib.MainContext.default().iteration(True)


def device_props():
    try:
        return bus.get_object("org.bluez", DEV).GetAll("org.bluez.Device1", dbus_interface=dbus.PROPERTIES_IFACE)
    except dbus.DBusException:
        return None


def paired_and_connected():
    """Each round starts from the same place: the XM4 paired, trusted, connected, in range."""
    if device_props() is None:
        mock.AddSonyDevice("hci0", XM4, "WH-1000XM4", dict(PROPS, Paired=True, Trusted=True, Connected=True, ServicesResolved=True))
    mock.AddDeviceInPairingMode("hci0", XM4, "WH-1000XM4", PROPS, dbus.UInt32(0))


def call(path, iface, member, *args, dest="org.bluez"):
    return bus.get_object(dest, path).get_dbus_method(member, iface)(*args, timeout=60)


def direct():
    polkit = bus.get_object("org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority")
    subject = ("system-bus-name", {"name": bus.get_unique_name()})
    polkit.CheckAuthorization(subject, "org.sonyctl.manage", {}, dbus.UInt32(1), "",
                              dbus_interface="org.freedesktop.PolicyKit1.Authority")
    call(DEV, "org.bluez.Device1", "Disconnect")
    call(HCI, "org.bluez.Adapter1", "RemoveDevice", dbus.ObjectPath(DEV))
    call(HCI, "org.bluez.Adapter1", "SetDiscoveryFilter", {"Transport": "bredr", "Pattern": XM4})
    call(HCI, "org.bluez.Adapter1", "StartDiscovery")
    wait_for(lambda: device_props() is not None, "the XM4 in pairing mode")
    call(HCI, "org.bluez.Adapter1", "StopDiscovery")
    call(HCI, "org.bluez.Adapter1", "SetDiscoveryFilter", dbus.Dictionary({}, signature="sv"))
    call("/org/bluez", "org.bluez.AgentManager1", "RegisterAgent", dbus.ObjectPath("/org/sonyctl/bench/agent"), "NoInputNoOutput")
    call(DEV, "org.bluez.Device1", "Pair")
    call(DEV, dbus.PROPERTIES_IFACE, "Set", "org.bluez.Device1", "Trusted", dbus.Boolean(True, variant_level=1))
    call(DEV, "org.bluez.Device1", "Connect")
    wait_for(lambda: (lambda p: p and p.get("ServicesResolved") and SINK in [str(u).lower() for u in p.get("UUIDs", [])])(device_props()),
             "services resolved")
    call("/org/bluez", "org.bluez.AgentManager1", "UnregisterAgent", dbus.ObjectPath("/org/sonyctl/bench/agent"))


def daemon():
    call(SONY, "org.sonyctl.Daemon1.Device", "Repair", dbus.Dictionary({"Timeout": dbus.UInt32(30)}, signature="sv"),
         dest="org.sonyctl.Daemon1")


libc = ctypes.CDLL(None, use_errno=True)


def cpu_ms(pid):
    """The whole process's CPU time in ns resolution (every thread, the exited ones
    too), which /proc's 10 ms ticks are too coarse for."""
    clock = ctypes.c_int()
    if libc.clock_getcpuclockid(pid, ctypes.byref(clock)) != 0:
        raise SystemExit(f"no CPU clock for {pid}")
    return time.clock_gettime(clock.value) * 1000


def timed(fn, pid):
    paired_and_connected()
    cpu, start = cpu_ms(pid), time.monotonic()
    fn()
    return (time.monotonic() - start) * 1000, cpu_ms(pid) - cpu


agent = Agent(bus, "/org/sonyctl/bench/agent")
pid = int(sys.argv[2])
timed(daemon, pid)  # warm-up: first-use costs (agent export, polkit's first answer) once
timed(direct, pid)
for _ in range(int(sys.argv[1])):
    d, d_cpu = timed(daemon, pid)
    r, _ = timed(direct, pid)
    print(f"mode=repair daemon_ms={d:.2f} daemon_cpu_ms={d_cpu:.2f} direct_ms={r:.2f}", flush=True)
