"""The desktop session, as far as bluetoothd can tell: an audio server and the
desktop's pairing agent, and no more.

The audio server does what PipeWire or PulseAudio do for A2DP.
A bare bluetoothd has no audio profile a Connect() could bring up (it answers
br-connection-profile-unavailable): an audio server registers a media endpoint
(org.bluez.Media1.RegisterEndpoint) for A2DP source with SBC, after which bluetoothd
offers A2DP to headsets, negotiates a configuration through this endpoint and
creates a MediaTransport1 when the stream is set up. Like PipeWire, this registers
again whenever bluetoothd (re)appears on the bus.

The agent stands for GNOME's, KDE's or blueman's: registered and made the default
agent. With bluetoothd's default AlwaysPairable=false, an adapter is bondable only
while a default agent exists, so without one no pairing would be stored. It accepts
what it is asked and logs each request: sonyctld pairs through its own agent and
must never need this one.

Usage: desktop.py ADAPTER_PATH [--no-agent]   (e.g. /org/bluez/hci0); logs to stdout.
--no-agent plays a headless machine: an audio server, but no desktop agent.
"""

import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

A2DP_SOURCE = "0000110a-0000-1000-8000-00805f9b34fb"
SBC = 0x00
ENDPOINT = "/org/sonyctl/test/audio/a2dp_source_sbc"
# Every SBC feature bit: frequencies, channel modes, block lengths, subbands, allocation; bitpool 2..53.
CAPABILITIES = [0xFF, 0xFF, 2, 53]


def log(*args):
    print("AUDIO %.3f" % time.monotonic(), *args, flush=True)


def choose_sbc(caps):
    """A configuration within the headset's capabilities: one bit of each field."""
    caps = bytes(caps)
    if len(caps) != 4:
        raise dbus.exceptions.DBusException("bad SBC capabilities", name="org.bluez.Error.InvalidArguments")

    def pick(value, preferred):
        for bit in preferred:
            if value & bit:
                return bit
        raise dbus.exceptions.DBusException("no common SBC setting", name="org.bluez.Error.InvalidArguments")

    freq = pick(caps[0] & 0xF0, (0x20, 0x10, 0x40, 0x80))  # 44.1, 48, 32, 16 kHz
    mode = pick(caps[0] & 0x0F, (0x01, 0x02, 0x04, 0x08))  # joint stereo, stereo, dual, mono
    blocks = pick(caps[1] & 0xF0, (0x10, 0x20, 0x40, 0x80))  # 16, 12, 8, 4
    subbands = pick(caps[1] & 0x0C, (0x04, 0x08))  # 8, 4
    alloc = pick(caps[1] & 0x03, (0x01, 0x02))  # loudness, SNR
    return [freq | mode, blocks | subbands | alloc, max(2, caps[2]), min(53, caps[3])]


class Endpoint(dbus.service.Object):
    I = "org.bluez.MediaEndpoint1"

    @dbus.service.method(I, in_signature="ay", out_signature="ay")
    def SelectConfiguration(self, caps):
        config = choose_sbc(caps)
        log("SelectConfiguration", list(bytes(caps)), "->", config)
        return dbus.Array(config, signature="y")

    @dbus.service.method(I, in_signature="oa{sv}", out_signature="")
    def SetConfiguration(self, transport, props):
        log("SetConfiguration", transport, "device=%s" % props.get("Device"))

    @dbus.service.method(I, in_signature="o", out_signature="")
    def ClearConfiguration(self, transport):
        log("ClearConfiguration", transport)

    @dbus.service.method(I, in_signature="", out_signature="")
    def Release(self):
        log("Release")


class Agent(dbus.service.Object):
    I = "org.bluez.Agent1"

    def _asked(self, what, *args):
        log("AGENT", what, *args)

    @dbus.service.method(I, in_signature="", out_signature="")
    def Release(self):
        self._asked("Release")

    @dbus.service.method(I, in_signature="o", out_signature="s")
    def RequestPinCode(self, device):
        self._asked("RequestPinCode", device)
        return "0000"

    @dbus.service.method(I, in_signature="o", out_signature="u")
    def RequestPasskey(self, device):
        self._asked("RequestPasskey", device)
        return dbus.UInt32(0)

    @dbus.service.method(I, in_signature="ouq", out_signature="")
    def DisplayPasskey(self, device, passkey, entered):
        self._asked("DisplayPasskey", device, passkey)

    @dbus.service.method(I, in_signature="os", out_signature="")
    def DisplayPinCode(self, device, pincode):
        self._asked("DisplayPinCode", device, pincode)

    @dbus.service.method(I, in_signature="ou", out_signature="")
    def RequestConfirmation(self, device, passkey):
        self._asked("RequestConfirmation", device, passkey)

    @dbus.service.method(I, in_signature="o", out_signature="")
    def RequestAuthorization(self, device):
        self._asked("RequestAuthorization", device)

    @dbus.service.method(I, in_signature="os", out_signature="")
    def AuthorizeService(self, device, uuid):
        self._asked("AuthorizeService", device, uuid)

    @dbus.service.method(I, in_signature="", out_signature="")
    def Cancel(self):
        self._asked("Cancel")


AGENT = "/org/sonyctl/test/desktop/agent"


def main(adapter, with_agent=True):
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    Endpoint(bus, ENDPOINT)
    Agent(bus, AGENT)

    def register_agent():
        def failed(e):
            log("agent registration failed:", e.get_dbus_name(), e.get_dbus_message())

        def registered(*_):
            bus.call_async("org.bluez", "/org/bluez", "org.bluez.AgentManager1", "RequestDefaultAgent", "o",
                           (dbus.ObjectPath(AGENT),), lambda *_: log("default agent", AGENT), failed)

        bus.call_async("org.bluez", "/org/bluez", "org.bluez.AgentManager1", "RegisterAgent", "os",
                       (dbus.ObjectPath(AGENT), "KeyboardDisplay"), registered, failed)

    def register(*_):
        def ok(*_):
            log("registered", ENDPOINT, "on", adapter)

        def failed(e):
            log("RegisterEndpoint failed:", e.get_dbus_name(), e.get_dbus_message())

        bus.call_async("org.bluez", adapter, "org.bluez.Media1", "RegisterEndpoint", "oa{sv}",
                       (dbus.ObjectPath(ENDPOINT), {
                           "UUID": A2DP_SOURCE, "Codec": dbus.Byte(SBC),
                           "Capabilities": dbus.Array(CAPABILITIES, signature="y")}),
                       ok, failed)

    def interfaces_added(path, interfaces):
        if path == adapter and "org.bluez.Media1" in interfaces:
            register()

    def appeared(name, old, new):
        # bluetoothd (re)starting: the agent manager is there at once, the adapter's
        # Media1 once the adapter is up (now, or later as InterfacesAdded).
        if name != "org.bluez" or not new:
            return

        def objects(objs):
            if with_agent and "org.bluez.AgentManager1" in objs.get("/org/bluez", {}):
                register_agent()
            if "org.bluez.Media1" in objs.get(adapter, {}):
                register()

        bus.call_async(new, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "", (), objects,
                       lambda e: log("GetManagedObjects failed:", e.get_dbus_name()))

    bus.add_signal_receiver(interfaces_added, "InterfacesAdded", "org.freedesktop.DBus.ObjectManager", "org.bluez", "/")
    bus.add_signal_receiver(appeared, "NameOwnerChanged", "org.freedesktop.DBus", "org.freedesktop.DBus", "/org/freedesktop/DBus")
    try:
        appeared("org.bluez", "", str(bus.get_name_owner("org.bluez")))
    except dbus.exceptions.DBusException as e:
        log("bluetoothd not there yet:", e.get_dbus_name())
    log("ready")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/org/bluez/hci0", "--no-agent" not in sys.argv[2:])
