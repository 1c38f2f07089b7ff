"""What the scenarios stand on inside the guest: the system bus and mirrors of what
bluetoothd and sonyctld publish on it, the processes (bluetoothd, btmon, the audio
server, sonyctld), the headset's control socket, and waiting.

Every wait is on a condition with a deadline: the GLib main loop runs until an
event (a D-Bus signal, a method reply, a line from a process, the headset, a child
exiting) makes the condition true, and a timeout fails with what was awaited and
what was seen instead. No wait sleeps for a fixed time.
"""

import json
import os
import signal
import socket
import subprocess
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

BLUEZ = "org.bluez"
DAEMON = "org.sonyctl.Daemon1"
OM = "org.freedesktop.DBus.ObjectManager"
PROPS = "org.freedesktop.DBus.Properties"
T0 = time.monotonic()


class Failure(Exception):
    pass


def plain(v):
    """dbus-python values as plain Python ones."""
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32, dbus.Int64, dbus.UInt64)):
        return int(v)
    if isinstance(v, dbus.Double):
        return float(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath, dbus.Signature)):
        return str(v)
    if isinstance(v, dbus.Array):
        if v.signature == "y":
            return bytes(int(b) for b in v)
        return [plain(x) for x in v]
    if isinstance(v, dbus.Dictionary):
        return {plain(k): plain(x) for k, x in v.items()}
    if isinstance(v, dbus.Struct):
        return tuple(plain(x) for x in v)
    return v


class Log:
    def __init__(self):
        self.file = None

    def __call__(self, *args):
        line = "[%7.2f] %s" % (time.monotonic() - T0, " ".join(str(a) for a in args))
        print(line, flush=True)
        if self.file:
            self.file.write(line + "\n")
            self.file.flush()


log = Log()


def wait_until(predicate, timeout, what, poll=None, describe=None):
    """Runs the main loop until predicate() is truthy (and returns it), or fails
    after `timeout` seconds. `poll` (seconds) re-checks also without an event, for
    conditions no signal announces (a file appearing)."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            seen = describe() if describe else ""
            raise Failure("timed out after %gs waiting for %s%s" % (timeout, what, ("; " + seen) if seen else ""))
        fired = []
        wake = min(remaining, poll) if poll else remaining
        source = GLib.timeout_add(max(1, int(wake * 1000)), lambda: fired.append(1) and False)
        ctx.iteration(True)
        if not fired:
            GLib.source_remove(source)


class Mirror:
    """One service's objects as its ObjectManager and PropertiesChanged tell them."""

    def __init__(self, world, name, root, root_interfaces=()):
        # root_interfaces: the ObjectManager's own interfaces, which GetManagedObjects
        # does not list (it lists the objects below it).
        self.world, self.name, self.root, self.root_interfaces = world, name, root, root_interfaces
        self.owner = None
        self.objects = {}
        self.loaded = False
        self.generation = 0  # counts owners seen, so a restart is visible

    def owner_changed(self, new):
        self.owner = new or None
        self.objects = {}
        self.loaded = False
        if not new:
            return
        self.generation += 1
        generation = self.generation

        pending = [1 + len(self.root_interfaces)]

        def done():
            pending[0] -= 1
            if pending[0] == 0:
                self.loaded = True

        def reply(objects):
            if generation == self.generation:
                fetched = {str(p): {str(i): plain(props) for i, props in ifs.items()} for p, ifs in objects.items()}
                fetched.update({p: ifs for p, ifs in self.objects.items() if p == self.root})
                self.objects = fetched
                done()

        def root_reply(iface):
            def got(props):
                if generation == self.generation:
                    self.objects.setdefault(self.root, {})[iface] = plain(props)
                    done()
            return got

        def error(e):
            log("GetManagedObjects of", self.name, "failed:", e.get_dbus_name())

        self.world.bus.call_async(new, self.root, OM, "GetManagedObjects", "", (), reply, error)
        for iface in self.root_interfaces:
            self.world.bus.call_async(new, self.root, PROPS, "GetAll", "s", (iface,), root_reply(iface), error)

    def signal(self, path, iface, member, args):
        if iface == OM and member == "InterfacesAdded":
            p, ifs = args
            self.objects.setdefault(str(p), {}).update({str(i): plain(props) for i, props in ifs.items()})
        elif iface == OM and member == "InterfacesRemoved":
            p, names = args
            obj = self.objects.get(str(p), {})
            for n in names:
                obj.pop(str(n), None)
            if not obj:
                self.objects.pop(str(p), None)
        elif iface == PROPS and member == "PropertiesChanged":
            i, changed, invalidated = args
            obj = self.objects.get(path)
            if obj is not None and str(i) in obj:
                obj[str(i)].update(plain(changed))
                for n in invalidated:
                    obj[str(i)].pop(str(n), None)

    def props(self, path, iface):
        return self.objects.get(path, {}).get(iface)


class Signal:
    def __init__(self, service, path, iface, member, args):
        self.t = time.monotonic()
        self.service, self.path, self.iface, self.member = service, path, iface, member
        self.args = [plain(a) for a in args]

    def __repr__(self):
        return "%s %s %s.%s %s" % (self.service, self.path, self.iface, self.member, self.args)


class Proc:
    """A child whose output is kept in a file and, line by line, in memory."""

    def __init__(self, world, name, argv, logfile, env=None, stderr_apart=False):
        self.name, self.argv = name, argv
        self.lines = []
        self.returncode = None
        self.out = open(logfile, "ab")
        self.out.write(("# %s\n" % " ".join(argv)).encode())
        self.out.flush()
        # stderr_apart: stdout holds a document to parse, stderr goes to the log only.
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.out if stderr_apart else subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        self.buf = b""
        fd = self.p.stdout.fileno()
        os.set_blocking(fd, False)
        self.watch = GLib.io_add_watch(fd, GLib.IO_IN | GLib.IO_HUP | GLib.IO_ERR, self._readable)
        GLib.child_watch_add(GLib.PRIORITY_DEFAULT, self.p.pid, self._exited)
        world.procs.append(self)

    def _readable(self, fd, cond):
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not data:
            if self.buf:
                self.lines.append(self.buf.decode(errors="replace"))
                self.buf = b""
            return False
        self.out.write(data)
        self.out.flush()
        self.buf += data
        *complete, self.buf = self.buf.split(b"\n")
        self.lines.extend(l.decode(errors="replace") for l in complete)
        return True

    def _exited(self, pid, status):
        self.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
        self.p.returncode = self.returncode

    @property
    def running(self):
        return self.returncode is None

    def saw(self, text):
        return any(text in l for l in self.lines)

    def output(self):
        return "\n".join(self.lines)

    def wait(self, timeout):
        wait_until(lambda: not self.running, timeout, "%s to exit" % self.name, describe=lambda: self.tail())
        # Drain what is left in the pipe.
        self._readable(self.p.stdout.fileno(), None)
        return self.returncode

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.running:
            os.kill(self.p.pid, sig)
            try:
                self.wait(timeout)
            except Failure:
                os.kill(self.p.pid, signal.SIGKILL)
                self.wait(5)
                raise Failure("%s did not stop on %s within %gs" % (self.name, sig.name, timeout))
        return self.returncode

    def tail(self, n=8):
        return "%s said: %s" % (self.name, " | ".join(self.lines[-n:]))


class Headset:
    """The Bumble headset's control socket: commands with replies, and its events."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.setblocking(False)
        self.buf = b""
        self.events = []
        self.replies = {}
        self.next_id = 0
        GLib.io_add_watch(self.sock.fileno(), GLib.IO_IN | GLib.IO_HUP, self._readable)

    def _readable(self, fd, cond):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return True
        if not data:
            self.events.append({"event": "gone"})
            return False
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            msg = json.loads(line)
            if "event" in msg:
                self.events.append(msg)
            else:
                self.replies[msg["id"]] = msg
        return True

    def __call__(self, cmd, timeout=20, **args):
        self.next_id += 1
        n = self.next_id
        self.sock.sendall((json.dumps(dict(id=n, cmd=cmd, **args)) + "\n").encode())
        reply = wait_until(lambda: self.replies.pop(n, None), timeout, "the headset's answer to %s" % cmd)
        if not reply["ok"]:
            raise Failure("headset %s failed: %s" % (cmd, reply["error"]))
        return reply

    def mark(self):
        return len(self.events)

    def since(self, mark, event=None):
        return [e for e in self.events[mark:] if event is None or e["event"] == event]


class World:
    def __init__(self):
        self.bus = dbus.SystemBus()
        self.procs = []
        self.signals = []
        self.btvirt = None
        self.headset = None
        self.headset_open = False
        self.mgmt = Mgmt()
        self.bluez = Mirror(self, BLUEZ, "/")
        self.daemon = Mirror(self, DAEMON, "/org/sonyctl/Daemon1", ("org.sonyctl.Daemon1.Manager",))
        self.mirrors = {BLUEZ: self.bluez, DAEMON: self.daemon}
        self.bus.add_signal_receiver(self._name_owner_changed, "NameOwnerChanged", "org.freedesktop.DBus",
                                     "org.freedesktop.DBus", "/org/freedesktop/DBus")
        self.bus.add_signal_receiver(self._signal, sender_keyword="sender", path_keyword="path",
                                     interface_keyword="iface", member_keyword="member")
        for name, mirror in self.mirrors.items():
            try:
                mirror.owner_changed(str(self.bus.get_name_owner(name)))
            except dbus.exceptions.DBusException:
                pass

    def _name_owner_changed(self, name, old, new):
        if name in self.mirrors:
            log("bus: %s %s" % (name, ("now " + new) if new else "gone"))
            self.mirrors[name].owner_changed(str(new))

    def _signal(self, *args, sender=None, path=None, iface=None, member=None):
        for name, mirror in self.mirrors.items():
            if sender and sender == mirror.owner:
                mirror.signal(path, iface, member, args)
                self.signals.append(Signal(name, path, iface, member, args))

    def mark(self):
        return len(self.signals)

    def signals_since(self, mark, service=None, path=None, iface=None, member=None):
        return [s for s in self.signals[mark:]
                if (service is None or s.service == service) and (path is None or s.path == path)
                and (iface is None or s.iface == iface) and (member is None or s.member == member)]

    def call(self, service, path, iface, method, signature="", args=(), timeout=25):
        """A method call that lets the main loop run while it waits (so that our own
        exported objects still answer bluetoothd meanwhile)."""
        result = {}
        self.bus.call_async(service, path, iface, method, signature, args,
                            lambda *r: result.update(ok=[plain(x) for x in r]),
                            lambda e: result.update(error=e), timeout=timeout)
        wait_until(lambda: result, timeout + 5, "the reply to %s.%s on %s" % (iface, method, path))
        if "error" in result:
            raise result["error"]
        return result["ok"][0] if len(result["ok"]) == 1 else result["ok"]

    def set(self, service, path, iface, prop, value):
        self.call(service, path, PROPS, "Set", "ssv", (iface, prop, value))

    def fresh_controllers(self, logfile):
        """New emulated controllers: the headset lets go of its controller, btvirt
        is started anew (its emulated link manager remembers keys, so only a new
        one forgets them), and the headset takes the new second controller."""
        if self.headset_open:
            self.headset_open = False
            self.headset("close")
        if self.btvirt is not None:
            if not self.btvirt.running:
                log("btvirt had exited with", self.btvirt.returncode)
            self.btvirt.stop()
        wait_until(lambda: not self.mgmt.present, 15, "the old controllers to go", describe=lambda: "present: %s" % self.mgmt.present)
        env = dict(os.environ)
        if os.environ.get("EPOLL_SHIM"):
            env["LD_PRELOAD"] = os.environ["EPOLL_SHIM"]  # see epoll-one.c
        self.btvirt = self.proc("btvirt", ["btvirt", "-l2"], logfile, env=env)
        wait_until(lambda: {0, 1} <= self.mgmt.present or not self.btvirt.running, 20, "btvirt's hci0 and hci1 set up",
                   describe=lambda: "present: %s; %s" % (self.mgmt.present, self.btvirt.tail()))
        if not self.btvirt.running:
            raise Failure("btvirt exited: %s" % self.btvirt.tail())
        address = self.headset("open", transport="hci-socket:1")["address"]
        self.headset_open = True
        # The user channel hides hci1 from everyone else, bluetoothd included.
        wait_until(lambda: 1 not in self.mgmt.present, 10, "hci1 held by the headset")
        return address

    def proc(self, name, argv, logfile, env=None, stderr_apart=False):
        return Proc(self, name, argv, logfile, env, stderr_apart)


def dbus_error(e):
    return "%s: %s" % (e.get_dbus_name(), e.get_dbus_message()) if isinstance(e, dbus.exceptions.DBusException) else str(e)


class Mgmt:
    """The kernel's Bluetooth management channel, read for its index events, so that
    the test knows when btvirt's controllers are registered and set up (and when a
    controller is free for the HCI user channel)."""

    AF_BLUETOOTH, BTPROTO_HCI, HCI_CHANNEL_CONTROL, HCI_DEV_NONE = 31, 1, 3, 0xFFFF
    INDEX_ADDED, INDEX_REMOVED = 0x0004, 0x0005

    def __init__(self):
        import ctypes
        import struct
        self.struct = struct
        self.sock = socket.socket(self.AF_BLUETOOTH, socket.SOCK_RAW | socket.SOCK_CLOEXEC, self.BTPROTO_HCI)
        # Python's bind() cannot name an HCI channel: bind through libc.
        addr = struct.pack("<HHH", self.AF_BLUETOOTH, self.HCI_DEV_NONE, self.HCI_CHANNEL_CONTROL)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.bind(self.sock.fileno(), ctypes.c_char_p(addr), len(addr)) != 0:
            raise OSError(ctypes.get_errno(), "bind to the mgmt channel")
        self.sock.setblocking(False)
        self.present = set()
        self.events = []
        GLib.io_add_watch(self.sock.fileno(), GLib.IO_IN, self._readable)
        self._send(0x0003, self.HCI_DEV_NONE)  # Read Index List

    def _send(self, opcode, index, payload=b""):
        self.sock.send(self.struct.pack("<HHH", opcode, index, len(payload)) + payload)

    def _readable(self, fd, cond):
        while True:
            try:
                packet = self.sock.recv(4096)
            except BlockingIOError:
                return True
            event, index, _ = self.struct.unpack_from("<HHH", packet)
            if event == self.INDEX_ADDED:
                self.present.add(index)
            elif event == self.INDEX_REMOVED:
                self.present.discard(index)
            elif event == 0x0001:  # Command Complete
                opcode, status = self.struct.unpack_from("<HB", packet, 6)
                if opcode == 0x0003 and status == 0:
                    (count,) = self.struct.unpack_from("<H", packet, 9)
                    self.present |= set(self.struct.unpack_from("<%dH" % count, packet, 11))
            self.events.append((event, index))
