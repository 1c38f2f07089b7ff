'''Simulated BlueZ for sonyctl's tests.

python-dbusmock's bluez5 template, extended with what sonyctl's flows need.
Start it with:

    /usr/bin/python3 -m dbusmock --system --template Tests/Mocks/sony_bluez.py

Everything of bluez5 stays (org.bluez.Mock.AddAdapter, AddDevice, PairDevice, …);
these are added on "/" under the interface org.sonyctl.Mock:

AddSonyDevice(s adapter, s address, s name, a{sv} properties) -> o
    A device as bluez5 adds it, then the given Device1 properties (Modalias,
    UUIDs, Class, ManufacturerData a{qv}, Paired, …) set with PropertiesChanged,
    as bluetoothd does once it has read them.
SetBattery(o device, y percentage)
    Adds org.bluez.Battery1 (InterfacesAdded) or updates its Percentage.
AddDeviceInPairingMode(s adapter, s address, s name, a{sv} properties, u delay_ms)
    A headset that is only seen while discovering: it appears (InterfacesAdded)
    delay_ms after the next StartDiscovery on that adapter.
ScriptOutcomes(o device, s method, a(ss) outcomes)
    Queues results for Device1.Pair or Device1.Connect: each ("", "") is a
    success, each (error_name, message) the BlueZ error that call returns.
    Calls beyond the queue succeed. A successful Connect sets Connected, then
    ServicesResolved, in that order, as bluetoothd does.
DropConnection(o device, s reason, s message, b with_signal)
    The link drops: Device1.Disconnected(reason, message) when with_signal
    (BlueZ >= 5.83), then Connected and ServicesResolved false.
FloodProperties(o device, u count)
    count PropertiesChanged of RSSI at once, as during discovery.
'''

import dbus
from gi.repository import GLib

from dbusmock import mockobject
from dbusmock.templates import bluez5
from dbusmock.templates.bluez5 import *  # noqa: F401,F403 - the template's methods and constants

SONY_MOCK_IFACE = 'org.sonyctl.Mock'
DEVICE_IFACE = bluez5.DEVICE_IFACE
ADAPTER_IFACE = bluez5.ADAPTER_IFACE
BATTERY_IFACE = 'org.bluez.Battery1'
OBJECT_MANAGER_IFACE = 'org.freedesktop.DBus.ObjectManager'


def load(mock, parameters):
    bluez5.load(mock, parameters)


def _manager():
    return mockobject.objects['/']


def _changed(obj, iface, props):
    obj.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as', [iface, props, []])


def _set(obj, iface, props):
    for key, value in props.items():
        obj.props[iface][key] = value
    _changed(obj, iface, {k: _variant(v) for k, v in props.items()})


def _variant(value):
    # Values from a{sv} arrive with variant_level 1 already; keep them so.
    try:
        value.variant_level = 1
    except AttributeError:
        pass
    return value


def _play_script(device, method):
    '''Raises the next scripted error of `method`, if one is queued.'''
    script = getattr(device, 'scripted', {}).get(method, [])
    if script:
        name, message = script.pop(0)
        if name:
            raise dbus.exceptions.DBusException(message, name=name)


def _pair(device):
    _play_script(device, 'Pair')
    if device.props[DEVICE_IFACE].get('Paired'):
        raise dbus.exceptions.DBusException('Already paired', name='org.bluez.Error.AlreadyExists')
    _set(device, DEVICE_IFACE, {'Paired': dbus.Boolean(True), 'Bonded': dbus.Boolean(True)})


def _connect(device):
    _play_script(device, 'Connect')
    if device.props[DEVICE_IFACE].get('Connected'):
        raise dbus.exceptions.DBusException('Already Connected', name='org.bluez.Error.AlreadyConnected')
    device.connected = True
    _set(device, DEVICE_IFACE, {'Connected': dbus.Boolean(True)})
    _set(device, DEVICE_IFACE, {'ServicesResolved': dbus.Boolean(True)})


def _disconnect(device):
    if not device.props[DEVICE_IFACE].get('Connected'):
        raise dbus.exceptions.DBusException('Not Connected', name='org.bluez.Error.NotConnected')
    device.connected = False
    _set(device, DEVICE_IFACE, {'ServicesResolved': dbus.Boolean(False)})
    _set(device, DEVICE_IFACE, {'Connected': dbus.Boolean(False)})


def _cancel_pairing(device):
    pass


def _add(self, adapter, address, name, properties):
    path = bluez5.AddDevice(self, adapter, address, name)
    device = mockobject.objects[path]
    device.AddMethods(DEVICE_IFACE, [
        ('Pair', '', '', _pair),
        ('Connect', '', '', _connect),
        ('Disconnect', '', '', _disconnect),
        ('CancelPairing', '', '', _cancel_pairing),
    ])
    device.props[DEVICE_IFACE]['Bonded'] = dbus.Boolean(False)
    device.scripted = {}
    if properties:
        _set(device, DEVICE_IFACE, dict(properties))
    return path


@dbus.service.method(SONY_MOCK_IFACE, in_signature='sssa{sv}', out_signature='o')
def AddSonyDevice(self, adapter, address, name, properties):
    return dbus.ObjectPath(_add(self, adapter, address, name, properties))


@dbus.service.method(SONY_MOCK_IFACE, in_signature='oy', out_signature='')
def SetBattery(self, device_path, percentage):
    device = mockobject.objects[device_path]
    level = dbus.Byte(percentage)
    if BATTERY_IFACE in device.props:
        _set(device, BATTERY_IFACE, {'Percentage': level})
        return
    device.AddProperties(BATTERY_IFACE, {'Percentage': level})
    _manager().EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}', [
        dbus.ObjectPath(device_path), {BATTERY_IFACE: {'Percentage': dbus.Byte(percentage, variant_level=1)}}])


@dbus.service.method(SONY_MOCK_IFACE, in_signature='sssa{sv}u', out_signature='')
def AddDeviceInPairingMode(self, adapter, address, name, properties, delay_ms):
    adapter_obj = mockobject.objects['/org/bluez/' + adapter]
    pending = getattr(adapter_obj, 'pairing_mode', [])
    pending.append((address, name, dict(properties), int(delay_ms)))
    adapter_obj.pairing_mode = pending
    manager = self

    def start_discovery(adapter_self):
        bluez5.StartDiscovery(adapter_self)
        for item in getattr(adapter_self, 'pairing_mode', []):
            def appear(item=item):
                if adapter_self.props[ADAPTER_IFACE].get('Discovering'):
                    _add(manager, adapter, item[0], item[1], item[2])
                else:
                    # Discovery ended first: the headset stays unseen.
                    adapter_self.pairing_mode.append(item)
                return False
            GLib.timeout_add(item[3], appear)
        adapter_self.pairing_mode = []

    adapter_obj.AddMethods(ADAPTER_IFACE, [('StartDiscovery', '', '', start_discovery)])


@dbus.service.method(SONY_MOCK_IFACE, in_signature='osa(ss)', out_signature='')
def ScriptOutcomes(self, device_path, method, outcomes):
    device = mockobject.objects[device_path]
    device.scripted.setdefault(str(method), []).extend((str(n), str(m)) for n, m in outcomes)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='ossb', out_signature='')
def DropConnection(self, device_path, reason, message, with_signal):
    device = mockobject.objects[device_path]
    if with_signal:
        device.EmitSignal(DEVICE_IFACE, 'Disconnected', 'ss', [reason, message])
    device.connected = False
    _set(device, DEVICE_IFACE, {'ServicesResolved': dbus.Boolean(False)})
    _set(device, DEVICE_IFACE, {'Connected': dbus.Boolean(False)})


@dbus.service.method(SONY_MOCK_IFACE, in_signature='ou', out_signature='')
def FloodProperties(self, device_path, count):
    device = mockobject.objects[device_path]
    for i in range(int(count)):
        _changed(device, DEVICE_IFACE, {'RSSI': dbus.Int16(-40 - i % 50, variant_level=1)})
