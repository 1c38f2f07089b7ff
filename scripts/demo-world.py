#!/usr/bin/python3
'''The world `make demo` shows sonyctl: the simulated BlueZ (Tests/Mocks/sony_bluez.py)
and polkitd on a private bus, with a WH-1000XM4 that drops now and then, WF-1000XM5
earbuds and a headset that is not Sony.

    demo-world.py setup           adapter, devices, polkit says yes
    demo-world.py flap SECONDS    the XM4 drops and comes back every few seconds
    demo-world.py pairing-mode    the XM4 will show up in pairing mode once discovery runs

Uses $DBUS_SYSTEM_BUS_ADDRESS, as sonyctld does.'''
import os
import sys
import time

import dbus

XM4, XM4_LE, XM5, OTHER = 'AC:80:0A:11:22:33', 'AC:80:0A:11:22:34', 'F8:4E:17:55:66:77', '00:1A:7D:DA:71:13'
XM4_PATH = '/org/bluez/hci0/dev_' + XM4.replace(':', '_')
A2DP_SINK, HFP_HF = '0000110b-0000-1000-8000-00805f9b34fb', '0000111e-0000-1000-8000-00805f9b34fb'
XM4_PROPS = {'Modalias': 'usb:v054Cp0D58d0301', 'Class': dbus.UInt32(0x240404),
             'UUIDs': [A2DP_SINK, HFP_HF, '96CC203E-5068-46AD-B32D-E316F5E069BA']}
XM5_PROPS = {'Modalias': 'usb:v054Cp0E63d0201', 'Class': dbus.UInt32(0x240404),
             'UUIDs': [A2DP_SINK, HFP_HF, '956C7B26-D49A-4BA8-B03F-B17D393CB6E2']}

bus = root = sony = None


def connect():
    '''Waits for the simulated BlueZ and polkitd, then talks to this BlueZ: call it again
    after a restart (a proxy follows the unique name it found). scripts/soak/driver.py
    imports this file and does.'''
    global bus, root, sony
    bus = bus or dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
    for _ in range(200):
        if bus.name_has_owner('org.bluez') and bus.name_has_owner('org.freedesktop.PolicyKit1'):
            break
        time.sleep(0.05)
    root = bus.get_object('org.bluez', '/')
    sony = dbus.Interface(root, 'org.sonyctl.Mock')


def setup():
    dbus.Interface(root, 'org.bluez.Mock').AddAdapter('hci0', 'demo')
    # What PipeWire registers with BlueZ: the A2DP source and HFP gateway roles.
    sony.SetProperties('/org/bluez/hci0', 'org.bluez.Adapter1', {'UUIDs': dbus.Array([
        '0000110a-0000-1000-8000-00805f9b34fb', '0000110c-0000-1000-8000-00805f9b34fb',
        '0000111f-0000-1000-8000-00805f9b34fb', '00001112-0000-1000-8000-00805f9b34fb'], signature='s')})
    linked = {'Paired': True, 'Trusted': True, 'Connected': True, 'ServicesResolved': True}
    sony.AddSonyDevice('hci0', XM4, 'WH-1000XM4', dict(XM4_PROPS, **linked))
    sony.AddLETwin(XM4_PATH, XM4_LE, {})
    sony.SetBattery(XM4_PATH, dbus.Byte(72))
    xm5 = sony.AddSonyDevice('hci0', XM5, 'WF-1000XM5', dict(XM5_PROPS, Paired=True, Trusted=True))
    sony.SetBattery(xm5, dbus.Byte(40))
    sony.AddSonyDevice('hci0', OTHER, 'JBL Tune 760NC', {
        'Class': dbus.UInt32(0x240404), 'Paired': True, 'UUIDs': [A2DP_SINK]})
    polkit = bus.get_object('org.freedesktop.PolicyKit1', '/org/freedesktop/PolicyKit1/Authority')
    dbus.Interface(polkit, 'org.freedesktop.DBus.Mock').SetAllowed(['org.sonyctl.manage'])


def flap(seconds):
    '''Drops, reconnects and a falling battery, until killed or `seconds` are up.'''
    battery = 72
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(2.5)
        try:
            sony.DropConnection(XM4_PATH, 'org.bluez.Reason.Timeout', '', True)
            time.sleep(0.8)
            sony.RemoteConnect(XM4_PATH, {})
            battery = max(5, battery - 3)
            sony.SetBattery(XM4_PATH, dbus.Byte(battery))
        except dbus.exceptions.DBusException:
            pass  # forgotten or mid-repair: nothing to drop just now


def pairing_mode():
    sony.AddDeviceInPairingMode('hci0', XM4, 'WH-1000XM4', XM4_PROPS, dbus.UInt32(3000))


if __name__ == '__main__':
    connect()
    command = sys.argv[1] if len(sys.argv) > 1 else ''
    if command == 'setup':
        setup()
    elif command == 'flap':
        flap(float(sys.argv[2]) if len(sys.argv) > 2 else 3600)
    elif command == 'pairing-mode':
        pairing_mode()
    else:
        sys.exit(__doc__)
