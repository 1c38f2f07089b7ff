#!/usr/bin/python3
'''Writes the seed corpora of the D-Bus fuzzers (Tests/Fuzz/corpus/):

  fuzz-dbus-message/  each distinct message the simulated BlueZ (Tests/Mocks/sony_bluez.py)
                      sent during a scenario on a private bus, as dbus-monitor --binary saw
                      it, and sonyctld's replies and signals in every shape the client reads
                      (written by GLib from config/dbus/org.sonyctl.Daemon1.xml's types)
  fuzz-bluez-mirror/  the whole scenario as one stream, and its first half

Run from the repository with Debian's python3: /usr/bin/python3 Tests/Fuzz/capture-seeds.py
It ends every process it starts. The scenario is fixed, but BlueZ's object order is not,
so a second run may write other bytes for the same messages.'''
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import dbus
from gi.repository import Gio, GLib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')
MOCK = os.path.join(HERE, '..', 'Mocks', 'sony_bluez.py')

XM4, XM4_LE, XM5, OTHER = 'AC:80:0A:11:22:33', 'AC:80:0A:11:22:34', 'F8:4E:17:55:66:77', '00:1A:7D:DA:71:13'
A2DP_SINK, HFP_HF = '0000110b-0000-1000-8000-00805f9b34fb', '0000111e-0000-1000-8000-00805f9b34fb'
MDR_V1, MDR_V2 = '96CC203E-5068-46AD-B32D-E316F5E069BA', '956C7B26-D49A-4BA8-B03F-B17D393CB6E2'


def messages(stream):
    '''Splits concatenated wire messages, from the lengths in each fixed header.'''
    out, start = [], 0
    while len(stream) - start >= 16:
        order = 'little' if stream[start:start + 1] == b'l' else 'big'
        fields = int.from_bytes(stream[start + 12:start + 16], order)
        body = int.from_bytes(stream[start + 4:start + 8], order)
        length = 16 + (fields + 7) // 8 * 8 + body
        out.append(stream[start:start + length])
        start += length
    return out


def scenario(bus):
    '''What bluetoothd says over a day: devices appear, connect, drop, change, go.'''
    root = bus.get_object('org.bluez', '/')
    mock, sony = dbus.Interface(root, 'org.bluez.Mock'), dbus.Interface(root, 'org.sonyctl.Mock')
    manager = dbus.Interface(root, 'org.freedesktop.DBus.ObjectManager')
    mock.AddAdapter('hci0', 'seed')
    linked = {'Paired': True, 'Trusted': True, 'Connected': True, 'ServicesResolved': True}
    xm4 = sony.AddSonyDevice('hci0', XM4, 'WH-1000XM4', dict(
        {'Modalias': 'usb:v054Cp0D58d0301', 'Class': dbus.UInt32(0x240404), 'UUIDs': [A2DP_SINK, HFP_HF, MDR_V1]}, **linked))
    sony.AddLETwin(xm4, XM4_LE, {})
    sony.SetBattery(xm4, dbus.Byte(72))
    sony.AddMediaTransport(xm4)
    xm5 = sony.AddSonyDevice('hci0', XM5, 'WF-1000XM5', {
        'Modalias': 'usb:v054Cp0E63d0201', 'Paired': True, 'UUIDs': [A2DP_SINK, MDR_V2]})
    sony.AddSonyDevice('hci0', OTHER, 'JBL Tune 760NC', {'Class': dbus.UInt32(0x240404), 'Paired': True})
    manager.GetManagedObjects()
    yield 'half'
    sony.DropConnection(xm4, 'org.bluez.Reason.Timeout', '', True)
    sony.RemoteConnect(xm4, {})
    sony.FloodRSSI(xm5, dbus.UInt32(3))
    sony.InvalidateProperties(xm5, 'org.bluez.Device1', ['RSSI'])
    sony.SetBattery(xm4, dbus.Byte(40))
    sony.RemoveBattery(xm4)
    sony.SetProperties(xm5, 'org.bluez.Device1', {'Modalias': 'usb:v054Cp0E63d0301'})
    sony.DropConnection(xm4, 'org.bluez.Reason.Remote', '', False)
    dbus.Interface(bus.get_object('org.bluez', '/org/bluez/hci0'), 'org.bluez.Adapter1').RemoveDevice(xm5)
    manager.GetManagedObjects()
    mock.RemoveAdapterWithDevices('hci0')


def capture():
    '''The scenario's messages from the simulated BlueZ, in order, and where it was half done.'''
    work = tempfile.mkdtemp()
    procs = []
    try:
        daemon = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(daemon)
        address = daemon.stdout.readline().strip()
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address, DBUS_SESSION_BUS_ADDRESS=address)
        procs.append(subprocess.Popen(['/usr/bin/python3', '-m', 'dbusmock', '--system', '--template', MOCK],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        bus = dbus.bus.BusConnection(address)
        for _ in range(200):
            if bus.name_has_owner('org.bluez'):
                break
            time.sleep(0.05)
        stream_path = os.path.join(work, 'stream.bin')
        with open(stream_path, 'wb') as out:
            monitor = subprocess.Popen(['dbus-monitor', '--address', address, '--binary', "sender='org.bluez'"], stdout=out)
            procs.append(monitor)
            time.sleep(0.5)
            half = 0
            for mark in scenario(bus):
                time.sleep(0.3)
                half = os.path.getsize(stream_path)
            time.sleep(0.5)
            monitor.send_signal(signal.SIGINT)
            monitor.wait(10)
        with open(stream_path, 'rb') as f:
            stream = f.read()
        return stream, half
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                p.wait(10)
        shutil.rmtree(work)


def daemon_messages():
    '''sonyctld's answers and signals, in the shapes of its interface.'''
    device = '/org/sonyctl/Daemon1/dev_AC_80_0A_11_22_33'
    iface = 'org.sonyctl.Daemon1.Device'
    props = {'Address': GLib.Variant('s', XM4), 'Name': GLib.Variant('s', 'WH-1000XM4'),
             'Model': GLib.Variant('s', 'WH-1000XM4'), 'Evidence': GLib.Variant('as', ['service-uuid', 'modalias', 'name']),
             'Adapter': GLib.Variant('s', 'hci0'), 'Present': GLib.Variant('b', True), 'Paired': GLib.Variant('b', True),
             'Trusted': GLib.Variant('b', True), 'Connected': GLib.Variant('b', True), 'Battery': GLib.Variant('i', 72),
             'Health': GLib.Variant('s', 'flapping'), 'Advice': GLib.Variant('s', 'Move closer.'),
             'RepairState': GLib.Variant('s', 'idle'), 'LastConnected': GLib.Variant('t', 1764590000000000),
             'LastDisconnected': GLib.Variant('t', 0), 'DisconnectsLastHour': GLib.Variant('u', 3)}
    details = {'reason': GLib.Variant('s', 'timeout'), 'battery': GLib.Variant('y', 40),
               'rssi': GLib.Variant('n', -70), 'adapter': GLib.Variant('s', 'hci0')}
    replies = {
        'daemon-managed-objects': ('(a{oa{sa{sv}}})', ({device: {iface: props}},)),
        'daemon-manager-getall': ('(a{sv})', ({'Version': GLib.Variant('s', '0.1.0'), 'BluezAvailable': GLib.Variant('b', True),
                                               'Adapters': GLib.Variant('as', ['hci0'])},)),
        'daemon-device-getall': ('(a{sv})', (props,)),
        'daemon-history': ('(a(tsa{sv}))', ([(1764590000000000, 'disconnected', details), (1764590001000000, 'connected', {}),
                                             (1764590002000000, 'pattern', {'kind': GLib.Variant('s', 'flapping')})],)),
        'daemon-diagnose': ('(ssa(sss))', ('reconnect', 'Turn it off and on.', [('bluez', 'pass', ''), ('battery', 'warn', '15%')])),
        'daemon-resolve': ('(o)', (device,)),
    }
    signals = {
        'daemon-repair-progress': (device, iface, 'RepairProgress', '(ss)', ('pairing', 'Pairing…')),
        'daemon-repair-finished': (device, iface, 'RepairFinished', '(bss)', (False, 'org.sonyctl.Daemon1.Error.Timeout', 'no answer')),
        'daemon-disconnect-pattern': (device, iface, 'DisconnectPattern', '(suus)', ('flapping', 3, 600, 'Move closer.')),
        'daemon-properties-changed': (device, 'org.freedesktop.DBus.Properties', 'PropertiesChanged', '(sa{sv}as)',
                                      (iface, {'Connected': GLib.Variant('b', False), 'Battery': GLib.Variant('i', -1)}, ['Advice'])),
        'daemon-interfaces-added': ('/org/sonyctl/Daemon1', 'org.freedesktop.DBus.ObjectManager', 'InterfacesAdded',
                                    '(oa{sa{sv}})', (device, {iface: props})),
        'daemon-interfaces-removed': ('/org/sonyctl/Daemon1', 'org.freedesktop.DBus.ObjectManager', 'InterfacesRemoved',
                                      '(oas)', (device, [iface])),
    }
    out = {}
    call = Gio.DBusMessage.new_method_call('org.sonyctl.Daemon1', device, iface, 'Call')
    call.set_serial(7)
    for name, (signature, value) in replies.items():
        reply = call.new_method_reply()
        reply.set_serial(8)
        reply.set_body(GLib.Variant(signature, value))
        out[name] = reply.to_blob(Gio.DBusCapabilityFlags.NONE)
    for name, (path, interface, member, signature, value) in signals.items():
        message = Gio.DBusMessage.new_signal(path, interface, member)
        message.set_serial(9)
        message.set_body(GLib.Variant(signature, value))
        out[name] = message.to_blob(Gio.DBusCapabilityFlags.NONE)
    return out


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)


def main():
    stream, half = capture()
    found = messages(stream)
    if not found:
        sys.exit('captured nothing from the simulated BlueZ')
    seen = set()
    for index, message in enumerate(found):
        digest = hashlib.sha1(message).hexdigest()[:12]
        if digest not in seen:
            seen.add(digest)
            write(os.path.join(CORPUS, 'fuzz-dbus-message'), 'bluez-%02d-%s' % (index, digest), message)
    for name, message in daemon_messages().items():
        write(os.path.join(CORPUS, 'fuzz-dbus-message'), name, bytes(message))
    write(os.path.join(CORPUS, 'fuzz-bluez-mirror'), 'stream-scenario', stream)
    write(os.path.join(CORPUS, 'fuzz-bluez-mirror'), 'stream-first-half', stream[:sum(len(m) for m in messages(stream[:half]))])
    print('%d messages captured, %d distinct; %d bytes in the stream' % (len(found), len(seen), len(stream)))


if __name__ == '__main__':
    main()
