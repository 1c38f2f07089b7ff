#!/usr/bin/python3
"""sonyctl_notify.py - desktop notifications for sonyctld with dbus-python (Debian
python3-dbus) and GLib: DisconnectPattern and RepairFinished from the system bus
become org.freedesktop.Notifications on the session bus.

Run it in your desktop session. It prints "listening" on stderr once subscribed."""
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

DEVICE = "org.sonyctl.Daemon1.Device"
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
system = dbus.SystemBus()
notifications = dbus.Interface(
    dbus.SessionBus().get_object("org.freedesktop.Notifications", "/org/freedesktop/Notifications"),
    "org.freedesktop.Notifications")


def address(path):
    """/org/sonyctl/Daemon1/devices/dev_AA_BB_CC_DD_EE_FF → AA:BB:CC:DD:EE:FF"""
    return str(path).rsplit("/dev_", 1)[-1].replace("_", ":")


def notify(summary, body, icon="audio-headphones", urgency=1):
    notifications.Notify("sonyctl", dbus.UInt32(0), icon, summary, body, dbus.Array([], signature="s"),
                         {"urgency": dbus.Byte(urgency)}, dbus.Int32(-1))


def pattern(kind, count, window_seconds, advice, path=None):
    notify(f"{address(path)}: {kind}", str(advice))


def finished(success, error_name, message, path=None):
    if success:
        notify(f"{address(path)}: repaired", str(message))
    else:
        notify(f"{address(path)}: repair failed", str(message), icon="dialog-warning", urgency=2)


# Only sonyctld's signals: the bus checks the sender against the name's owner.
for member, handler in (("DisconnectPattern", pattern), ("RepairFinished", finished)):
    system.add_signal_receiver(handler, signal_name=member, dbus_interface=DEVICE,
                               bus_name="org.sonyctl.Daemon1", path_keyword="path")
print("listening", file=sys.stderr, flush=True)
GLib.MainLoop().run()
