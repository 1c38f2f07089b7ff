'''Simulated BlueZ for sonyctl's tests: python-dbusmock's bluez5, extended.

Start it on a private bus (it owns org.bluez, object manager at "/"):

    /usr/bin/python3 -m dbusmock --system --template /abs/path/Tests/Mocks/sony_bluez.py
    # optional: --parameters '{"disconnected_signal": false}'   (BlueZ < 5.83)

bluez5's load() builds /org/bluez (AgentManager1, ProfileManager1) and its
org.bluez.Mock methods on "/" stay: AddAdapter(ss)->s, AddDevice(sss)->s,
PairDevice(ssi), BlockDevice(ss), ConnectDevice(ss), DisconnectDevice(ss),
RemoveAdapter(s), RemoveAdapterWithDevices(s). Where bluez5 differs from
bluetoothd in a way our daemon would notice, the same names now behave like
bluetoothd (each difference is noted where it is fixed, and in README.md):
AddAdapter/AddDevice announce real property types, RemoveAdapter removes the
adapter's devices first, PairDevice marks a device paired without bluez5's
phone properties.

Everything sonyctl's flows need is on "/" under the interface
org.sonyctl.Mock (errors org.sonyctl.Mock.Error.*). Devices are named by
object path, adapters by name ("hci0"):

AddSonyDevice(s adapter, s address, s name, a{sv} properties) -> o
    A device BlueZ already knows, announced in one InterfacesAdded with the
    given Device1 properties, typed as BlueZ types them (Class u, RSSI n,
    Appearance q, UUIDs as (normalised to lower-case 128-bit), Modalias s,
    ManufacturerData a{qv} with ay values, ...). Unknown names or wrong types
    are org.freedesktop.DBus.Error.InvalidArgs.
AddLETwin(o classic, s address, a{sv} properties) -> o
    The LE-only companion "LE_<name>" of a classic device: AddressType
    random, ManufacturerData {0x012D: 04 00 01 31 ...}, no audio UUIDs.
AddDeviceInPairingMode(s adapter, s address, s name, a{sv} properties, u delay_ms)
    A headset in pairing mode: seen only while discovery runs and the
    discovery filters let it through (Transport, Pattern, UUIDs, RSSI). It
    appears delay_ms after discovery is (or already was) running, with RSSI.
ExpireTemporaryDevices(s adapter) -> ao
    What TemporaryTimeout does: removes discovered devices nobody paired,
    trusted, connected or tried to pair/connect. Returns their paths.
GetDiscoveryFilter(s adapter) -> a{sv}
    The last filter any client set with SetDiscoveryFilter ({} if none or
    cleared), as BlueZ parsed it (UUIDs normalised).
GetDiscoverySessions(s adapter) -> a(sba{sv})
    Per client: unique name, whether it is discovering, its filter.
QueueOutcome(o device, s method, s error_name, s message, u delay_ms, a{sv} properties)
    Appends one scripted outcome for Device1.<method> (Pair, Connect,
    Disconnect, CancelPairing). error_name "" is success. The call stays
    pending delay_ms, then succeeds (properties go out with the last step)
    or fails with error_name/message (properties set just before). Checks
    bluetoothd makes first (InProgress, AlreadyExists, NotReady,
    DoesNotExist, already connected) still come first and consume nothing.
    Calls beyond the queue succeed at once.
ScriptOutcomes(o device, s method, a(ss) outcomes)
    Shorthand: several (error_name, message) outcomes, no delay.
PendingOutcomes(o device, s method) -> u
    How many scripted outcomes are left.
DropConnection(o device, s reason, s message, b with_signal)
    The link drops by itself: ServicesResolved false, then
    Device1.Disconnected(reason, message) when with_signal (BlueZ >= 5.83),
    then Connected false. Without the signal both properties change in one
    PropertiesChanged, as older bluetoothd sends them. reason is one of
    org.bluez.Reason.{Unknown,Timeout,Local,Remote,Authentication,Suspend};
    "" message means BlueZ's own text for that reason.
RemoteConnect(o device, a{sv} properties)
    The headset (or bluetoothd's own reconnect policy) connects without any
    Device1.Connect: Connected true, then ServicesResolved true + properties.
SetDiscoveryReplyDelay(s adapter, u delay_ms)
    StartDiscovery starts the session at once but answers delay_ms later.
SetDisconnectedSignal(b enabled)
    Whether drops caused through BlueZ (Disconnect, RemoveDevice of a
    connected device, power off) send Device1.Disconnected (default true).
SetBattery(o device, y percentage)
    Adds org.bluez.Battery1 (InterfacesAdded) or changes Percentage
    (PropertiesChanged). More than 100 is InvalidArgs.
RemoveBattery(o device)
    InterfacesRemoved [org.bluez.Battery1], as when the battery provider goes.
SetProperties(o path, s interface, a{sv} properties)
    Sets any properties on any object's existing interface (known BlueZ
    properties are type-checked, others added as given) in one
    PropertiesChanged.
InvalidateProperties(o path, s interface, as names)
    Removes properties; PropertiesChanged lists them as invalidated.
FloodRSSI(o device, u count)
    count PropertiesChanged of RSSI, sent back to back in this one call.
FloodProperties(o device, u count)
    Old name of FloodRSSI.
GetAgents() -> a(sosb)
    Registered agents: owner's unique name, path, capability, is default.
GetDefaultAgentRequests() -> a(so)
    Every AgentManager1.RequestDefaultAgent call (sender, path), answered
    or refused. sonyctld must never make one.

The simulated bluetoothd, like the real one: agents are kept per client
and dropped when it leaves the bus; one discovery session per client
(StartDiscovery twice is InProgress, StopDiscovery without one is Failed
"No discovery started"), ended when the client leaves; SetDiscoveryFilter
accepts only UUIDs as, RSSI n, Pathloss q, Transport s (auto|bredr|le),
DuplicateData b, Discoverable b, Pattern s, AutoConnect b (never RSSI with
Pathloss), anything else is org.bluez.Error.InvalidArguments; RemoveDevice
of an unknown path is org.bluez.Error.DoesNotExist and lists every
interface of the device (Battery1 too) in InterfacesRemoved; Disconnect of
a disconnected device succeeds; Properties.Set refuses read-only
properties; objects carry org.freedesktop.DBus.Introspectable and
.Properties in the object manager, as gdbus publishes them.
'''

import contextlib
import re
import time

import dbus
import dbus.lowlevel
from gi.repository import GLib

from dbusmock import mockobject
from dbusmock.templates import bluez5
# bluez5's convenience methods that already behave well enough are exported
# unchanged (dbusmock picks up every D-Bus method in this module).
from dbusmock.templates.bluez5 import BlockDevice, ConnectDevice, DisconnectDevice  # noqa: F401

BUS_NAME = bluez5.BUS_NAME
MAIN_OBJ = bluez5.MAIN_OBJ
SYSTEM_BUS = bluez5.SYSTEM_BUS
IS_OBJECT_MANAGER = bluez5.IS_OBJECT_MANAGER

SONY_MOCK_IFACE = 'org.sonyctl.Mock'
SONY_MOCK_ERROR = SONY_MOCK_IFACE + '.Error'
BLUEZ_MOCK_IFACE = bluez5.BLUEZ_MOCK_IFACE
ADAPTER_IFACE = bluez5.ADAPTER_IFACE
DEVICE_IFACE = bluez5.DEVICE_IFACE
AGENT_MANAGER_IFACE = bluez5.AGENT_MANAGER_IFACE
PROFILE_MANAGER_IFACE = bluez5.PROFILE_MANAGER_IFACE
BATTERY_IFACE = 'org.bluez.Battery1'
TRANSPORT_IFACE = 'org.bluez.MediaTransport1'
OBJECT_MANAGER_IFACE = 'org.freedesktop.DBus.ObjectManager'
INTROSPECTABLE_IFACE = 'org.freedesktop.DBus.Introspectable'
PROPERTIES_IFACE = dbus.PROPERTIES_IFACE
STANDARD_IFACES = (INTROSPECTABLE_IFACE, PROPERTIES_IFACE)

ERR = 'org.bluez.Error.'
INVALID_ARGS = 'org.freedesktop.DBus.Error.InvalidArgs'

SONY_COMPANY_ID = 0x012D
BASE_UUID_TAIL = '-0000-1000-8000-00805f9b34fb'

# Property types as bluetoothd's property tables give them (src/device.c
# device_properties, in its order; src/adapter.c; src/battery.c), and which
# of them Properties.Set may change.
DEVICE_TYPES = {
    'Address': 's', 'AddressType': 's', 'Name': 's', 'Alias': 's', 'Class': 'u',
    'Appearance': 'q', 'Icon': 's', 'Paired': 'b', 'Bonded': 'b', 'Trusted': 'b',
    'Blocked': 'b', 'LegacyPairing': 'b', 'CablePairing': 'b', 'RSSI': 'n',
    'Connected': 'b', 'UUIDs': 'as', 'Modalias': 's', 'Adapter': 'o',
    'ManufacturerData': 'a{qv}', 'ServiceData': 'a{sv}', 'TxPower': 'n',
    'ServicesResolved': 'b', 'AdvertisingFlags': 'ay', 'AdvertisingData': 'a{yv}',
    'WakeAllowed': 'b', 'Sets': 'a{oa{sv}}', 'PreferredBearer': 's',
}
ADAPTER_TYPES = {
    'Address': 's', 'AddressType': 's', 'Name': 's', 'Alias': 's', 'Class': 'u',
    'Connectable': 'b', 'Powered': 'b', 'PowerState': 's', 'Discoverable': 'b',
    'DiscoverableTimeout': 'u', 'Pairable': 'b', 'PairableTimeout': 'u',
    'Discovering': 'b', 'UUIDs': 'as', 'Modalias': 's', 'Roles': 'as',
    'ExperimentalFeatures': 'as', 'Manufacturer': 'q', 'Version': 'y',
}
BATTERY_TYPES = {'Percentage': 'y', 'Source': 's'}
TYPES = {DEVICE_IFACE: DEVICE_TYPES, ADAPTER_IFACE: ADAPTER_TYPES, BATTERY_IFACE: BATTERY_TYPES}
WRITABLE = {
    DEVICE_IFACE: {'Alias', 'Trusted', 'Blocked', 'WakeAllowed', 'PreferredBearer'},
    ADAPTER_IFACE: {'Alias', 'Powered', 'Discoverable', 'DiscoverableTimeout',
                    'Pairable', 'PairableTimeout', 'Connectable'},
    BATTERY_IFACE: set(),
}

# src/device.c device_disconnected()
DISCONNECT_REASONS = {
    'org.bluez.Reason.Unknown': 'Unspecified',
    'org.bluez.Reason.Timeout': 'Connection timeout',
    'org.bluez.Reason.Local': 'Connection terminated by local host',
    'org.bluez.Reason.Remote': 'Connection terminated by remote user',
    'org.bluez.Reason.Authentication': 'Connection terminated due to authentication failure',
    'org.bluez.Reason.Suspend': 'Connection terminated by local host for suspend',
}
# src/adapter.c parsers[] with the D-Bus type each parser accepts
FILTER_TYPES = {
    'UUIDs': 'as', 'RSSI': 'n', 'Pathloss': 'q', 'Transport': 's',
    'DuplicateData': 'b', 'Discoverable': 'b', 'Pattern': 's', 'AutoConnect': 'b',
}
SCRIPTABLE = ('Pair', 'Connect', 'Disconnect', 'CancelPairing')
# src/shared/mgmt.c mgmt_parse_io_capability(); "" means KeyboardDisplay.
# (bluetoothd also takes any prefix of these, e.g. "Display"; we don't.)
CAPABILITIES = ('', 'DisplayOnly', 'DisplayYesNo', 'KeyboardOnly', 'NoInputNoOutput', 'KeyboardDisplay')
ADDRESS_RE = re.compile(r'^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$')


class _State:
    '''Mock-wide settings and records.'''
    disconnected_signal = True
    agents = {}             # owner -> {'path', 'capability', 'watch'}
    default_agents = []     # owners, most recent first
    default_requests = []   # (sender, path)


def load(mock, parameters):
    bluez5.load(mock, parameters)
    _State.disconnected_signal = bool((parameters or {}).get('disconnected_signal', True))
    _State.agents = {}
    _State.default_agents = []
    _State.default_requests = []

    # bluez5 keys agents by path, refuses capability "" and makes the first
    # agent the default by itself; bluetoothd (src/agent.c) keys them by the
    # caller, accepts "", makes none default unless asked, and forgets an
    # agent when its owner leaves the bus. Who asked to be default is exactly
    # what our tests must see, so these three follow bluetoothd.
    manager = mockobject.objects['/org/bluez']
    manager.props[PROFILE_MANAGER_IFACE] = {}
    _add_standard_interfaces(manager)
    _export(manager, AGENT_MANAGER_IFACE, 'RegisterAgent', 'os', '', _register_agent)
    _export(manager, AGENT_MANAGER_IFACE, 'UnregisterAgent', 'o', '', _unregister_agent)
    _export(manager, AGENT_MANAGER_IFACE, 'RequestDefaultAgent', 'o', '', _request_default_agent)


# --------------------------------------------------------------------------
# Plumbing: methods with the caller's name and deferred replies, signals


class _Call:
    '''One D-Bus method call in flight: who made it and how to answer.'''

    def __init__(self, obj, name, sender, ok, err):
        self.obj, self.name, self.sender = obj, name, sender
        self._ok, self._err = ok, err
        self.done = False

    def reply(self, *values):
        if not self.done:
            self.done = True
            self._ok(*values)

    def fail(self, name, message):
        if not self.done:
            self.done = True
            self.obj.log(f'{self.name} -> {name}: {message}')
            self._err(dbus.exceptions.DBusException(message, name=name))


def _export(obj, iface, name, in_sig, out_sig, impl):
    '''Installs impl(obj, call, *args) as iface.name on obj.

    AddMethod's functions see neither the sender nor can they answer later;
    dbusmock looks methods up in obj.methods first, so a dbus-python method
    with sender_keyword and async_callbacks placed there is called instead.
    Calls still land in the mock's call log (GetCalls, MethodCalled).
    '''
    arity = len(list(dbus.Signature(in_sig)))

    def run(self, args, sender, ok, err):
        self.log(name + mockobject._format_args(args))  # pylint: disable=protected-access
        self.call_log.append((int(time.time()), name, list(args)))
        self.MethodCalled(name, list(args))
        call = _Call(self, name, sender, ok, err)
        try:
            result = impl(self, call, *args)
        except dbus.exceptions.DBusException as e:
            call.fail(e.get_dbus_name(), e.get_dbus_message())
            return
        if result is not _LATER:
            call.reply(*(() if result is None else (result,)))

    if arity == 0:
        def method(self, sender, ok, err):
            run(self, (), sender, ok, err)
    elif arity == 1:
        def method(self, a, sender, ok, err):
            run(self, (a,), sender, ok, err)
    elif arity == 2:
        def method(self, a, b, sender, ok, err):
            run(self, (a, b), sender, ok, err)
    else:
        def method(self, a, b, c, sender, ok, err):
            run(self, (a, b, c), sender, ok, err)
    method.__name__ = name
    exported = dbus.service.method(iface, in_signature=in_sig, out_signature=out_sig,
                                   sender_keyword='sender', async_callbacks=('ok', 'err'))(method)
    obj.methods.setdefault(iface, {})[name] = (in_sig, out_sig, '', exported)


_LATER = object()   # an impl returns this when it answers the call itself


def _error(name, message):
    return dbus.exceptions.DBusException(message, name=name)


def _manager():
    return mockobject.objects['/']


def _emit_changed(obj, iface, changed, invalidated=()):
    obj.EmitSignal(PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as', [
        iface, dbus.Dictionary(changed, signature='sv'), dbus.Array(invalidated, signature='s')])


def _update(obj, iface, changed):
    '''Sets properties and announces them in one PropertiesChanged.'''
    if not changed:
        return
    for key, value in changed.items():
        obj.props[iface][key] = value
    _emit_changed(obj, iface, changed)


def _add_standard_interfaces(obj):
    # gdbus (gdbus/object.c) publishes these two on every object, with no
    # properties, in GetManagedObjects and InterfacesAdded alike, in this
    # order: Introspectable, the first interface, Properties, the others.
    own = [(k, v) for k, v in obj.props.items() if k not in STANDARD_IFACES]
    props = {INTROSPECTABLE_IFACE: {}}
    props.update(own[:1])
    props[PROPERTIES_IFACE] = {}
    props.update(own[1:])
    obj.props = props


def _interfaces_added(path, interfaces):
    _manager().EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}', [
        dbus.ObjectPath(path),
        dbus.Dictionary({k: dbus.Dictionary(v, signature='sv') for k, v in interfaces.items()},
                        signature='sa{sv}')])


def _interfaces_removed(path, names):
    _manager().EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesRemoved', 'oas', [
        dbus.ObjectPath(path), dbus.Array(names, signature='s')])


@contextlib.contextmanager
def _quiet(obj):
    '''Swallows the signals obj emits meanwhile.

    Used around bluez5's AddAdapter and AddDevice: they build the object
    we want, but announce properties of the wrong D-Bus types
    (ManufacturerData as aa{qv}, ...) before we can correct them.
    '''
    obj.EmitSignal = lambda *args, **kwargs: None
    try:
        yield
    finally:
        del obj.EmitSignal


# --------------------------------------------------------------------------
# Values as BlueZ types them


_INTEGERS = set('ynqiuxt')


def _typed(what, sig, value):
    '''value as D-Bus type sig (lossless conversions only), else InvalidArgs.

    An integer may become another integer type if it fits; nothing turns a
    string into a number or a boolean, or the other way round.
    '''
    actual = _signature_of(value)
    if actual is not None and actual != sig and (
            sig == 'b' or actual == 'b' or (sig in _INTEGERS) != (actual in _INTEGERS) or
            (sig in ('s', 'o')) != (actual in ('s', 'o'))):
        raise _error(INVALID_ARGS, f'{what} must be of type {sig}, not {actual}')
    try:
        message = dbus.lowlevel.MethodCallMessage('a.b', '/', 'a.b', 'a')
        message.append(value, signature=sig)
        return message.get_args_list()[0]
    except (TypeError, ValueError, OverflowError) as e:
        raise _error(INVALID_ARGS, f'{what} must be of type {sig}: {e}') from e


def _normal_uuid(text):
    '''BlueZ shows every UUID as lower-case 128-bit text.'''
    t = str(text).strip().lower()
    if re.fullmatch(r'[0-9a-f]{4}', t):
        t = '0000' + t + BASE_UUID_TAIL
    elif re.fullmatch(r'[0-9a-f]{8}', t):
        t = t + BASE_UUID_TAIL
    if not re.fullmatch(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', t):
        raise _error(INVALID_ARGS, f'not a UUID: {text}')
    return t


def _bytes(what, value):
    try:
        return dbus.Array([dbus.Byte(int(b)) for b in value], signature='y')
    except (TypeError, ValueError) as e:
        raise _error(INVALID_ARGS, f'{what} values must be byte arrays: {e}') from e


def _bluez_value(iface, name, value):
    '''A property value exactly as bluetoothd would send it.'''
    sig = TYPES.get(iface, {}).get(name)
    if sig is None:
        return value
    value = _typed(f'{iface}.{name}', sig, value)
    if name == 'UUIDs':
        return dbus.Array([_normal_uuid(u) for u in value], signature='s')
    if name in ('ManufacturerData', 'ServiceData', 'AdvertisingData'):
        key_sig = sig[2]
        if name == 'ServiceData':
            return dbus.Dictionary({_normal_uuid(k): _bytes(name, v) for k, v in value.items()},
                                   signature='sv')
        return dbus.Dictionary({k: _bytes(name, v) for k, v in value.items()}, signature=key_sig + 'v')
    if name == 'Address':
        return dbus.String(str(value).upper())
    return value


def _bluez_values(iface, properties, known_only):
    out = {}
    for name, value in dict(properties).items():
        name = str(name)
        if known_only and name not in TYPES[iface]:
            raise _error(INVALID_ARGS, f'{iface} has no property {name}')
        out[name] = _bluez_value(iface, name, value)
    return out


def _class_icon(cls):
    '''src/dbus-common.c class_to_icon(), the classes a headset test meets.'''
    major, minor = (cls & 0x1f00) >> 8, (cls & 0xfc) >> 2
    if major == 0x01:
        return 'computer'
    if major == 0x02:
        return {1: 'phone', 2: 'phone', 3: 'phone', 5: 'phone', 4: 'modem'}.get(minor)
    if major == 0x04:
        if minor in (1, 2):
            return 'audio-headset'
        if minor == 6:
            return 'audio-headphones'
        return 'camera-video' if minor in (0x0b, 0x0c, 0x0d) else 'audio-card'
    return None


def _ordered(table, props):
    ordered = {k: props[k] for k in table if k in props}
    ordered.update({k: v for k, v in props.items() if k not in ordered})
    return ordered


# --------------------------------------------------------------------------
# Lookups


def _adapter_path(adapter):
    return '/org/bluez/' + str(adapter)


def _adapter(adapter):
    path = _adapter_path(adapter)
    if path not in mockobject.objects or ADAPTER_IFACE not in mockobject.objects[path].props:
        raise _error(BLUEZ_MOCK_IFACE + '.NoSuchAdapter', f'Adapter {adapter} does not exist.')
    return mockobject.objects[path]


def _device(path):
    obj = mockobject.objects.get(str(path))
    if obj is None or DEVICE_IFACE not in obj.props:
        raise _error(BLUEZ_MOCK_IFACE + '.NoSuchDevice', f'Device {path} does not exist.')
    return obj


def _object(path):
    obj = mockobject.objects.get(str(path))
    if obj is None:
        raise _error(SONY_MOCK_ERROR + '.NoSuchObject', f'No object {path}')
    return obj


def _adapter_of(device):
    return mockobject.objects[str(device.props[DEVICE_IFACE]['Adapter'])]


def _devices_of(adapter):
    prefix = adapter.path + '/'
    return [obj for path, obj in list(mockobject.objects.items())
            if path.startswith(prefix) and DEVICE_IFACE in obj.props]


def _prop(obj, iface, name, default=None):
    return obj.props.get(iface, {}).get(name, default)


def _powered(adapter):
    return bool(_prop(adapter, ADAPTER_IFACE, 'Powered', True))


# --------------------------------------------------------------------------
# Adapters


@dbus.service.method(BLUEZ_MOCK_IFACE, in_signature='ss', out_signature='s')
def AddAdapter(self, device_name, system_name):
    '''bluez5's AddAdapter, plus what bluetoothd publishes with it.'''
    with _quiet(self):
        path = bluez5.AddAdapter(self, device_name, system_name)
    adapter = mockobject.objects[path]
    adapter.props[ADAPTER_IFACE]['Connectable'] = dbus.Boolean(True)
    adapter.props[ADAPTER_IFACE] = _ordered(ADAPTER_TYPES, {
        k: _bluez_value(ADAPTER_IFACE, k, v) for k, v in adapter.props[ADAPTER_IFACE].items()})
    _add_standard_interfaces(adapter)
    adapter.sessions = {}           # owner -> {'filter': dict|None, 'discovering': bool, 'watch'}
    adapter.last_filter = {}
    adapter.pairing_mode = []       # queued headsets, see AddDeviceInPairingMode
    adapter.found = set()           # devices reported by the running discovery
    adapter.inquiry_busy = 0        # StartDiscovery calls still to fail, see SetInquiryBusy
    adapter.discovery_reply_ms = 0  # how long StartDiscovery's answer takes, see SetDiscoveryReplyDelay
    _export(adapter, ADAPTER_IFACE, 'StartDiscovery', '', '', _start_discovery)
    _export(adapter, ADAPTER_IFACE, 'StopDiscovery', '', '', _stop_discovery)
    _export(adapter, ADAPTER_IFACE, 'SetDiscoveryFilter', 'a{sv}', '', _set_discovery_filter)
    _export(adapter, ADAPTER_IFACE, 'GetDiscoveryFilters', '', 'as', lambda obj, call: dbus.Array(FILTER_TYPES, signature='s'))
    _export(adapter, ADAPTER_IFACE, 'RemoveDevice', 'o', '', _remove_device)
    _export(adapter, PROPERTIES_IFACE, 'Set', 'ssv', '', _set_property)
    _export(adapter, PROPERTIES_IFACE, 'Get', 'ss', 'v', _get_property)
    _interfaces_added(path, _published(adapter))
    return path


def _published(obj):
    '''Every interface of obj with its properties, as InterfacesAdded lists them.'''
    return dict(obj.props)


@dbus.service.method(BLUEZ_MOCK_IFACE, in_signature='s', out_signature='')
def RemoveAdapter(self, device_name):
    '''The adapter goes (say, a USB dongle unplugged): its devices first.

    bluez5 leaves the devices behind on purpose, to mimic a crashing
    bluetoothd; but a crash takes the whole name off the bus, while a
    removed adapter takes its devices with it (adapter_remove()).
    '''
    adapter = _adapter(device_name)
    for device in _devices_of(adapter):
        _remove_device_object(device, 'org.bluez.Reason.Local')
    for session in adapter.sessions.values():
        _cancel_watch(session)
    path = adapter.path
    adapter.RemoveObject(path)
    _interfaces_removed(path, [ADAPTER_IFACE] + list(STANDARD_IFACES))


@dbus.service.method(BLUEZ_MOCK_IFACE, in_signature='s', out_signature='')
def RemoveAdapterWithDevices(self, device_name):
    '''bluez5's name for what RemoveAdapter now does.'''
    RemoveAdapter(self, device_name)


def _get_property(obj, call, iface, name):
    # gdbus answers an absent property with InvalidArgs, not dbusmock's
    # <interface>.UnknownProperty.
    if str(iface) not in obj.props:
        raise _error(INVALID_ARGS, f"No such interface '{iface}'")
    if str(name) not in obj.props[str(iface)]:
        raise _error(INVALID_ARGS, f"No such property '{name}'")
    return obj.props[str(iface)][str(name)]


def _set_property(obj, call, iface, name, value):
    iface, name = str(iface), str(name)
    if iface not in obj.props or iface not in WRITABLE:
        raise _error(INVALID_ARGS, f"No such interface '{iface}'")
    if name not in TYPES[iface]:
        raise _error('org.freedesktop.DBus.Error.UnknownProperty', f"No such property '{name}'")
    if name not in WRITABLE[iface]:
        raise _error('org.freedesktop.DBus.Error.PropertyReadOnly', f"Property '{name}' is not writable")
    if _signature_of(value) != TYPES[iface][name]:
        raise _error('org.freedesktop.DBus.Error.InvalidSignature', f"Invalid signature for '{name}'")
    value = _bluez_value(iface, name, value)
    if iface == ADAPTER_IFACE and name == 'Powered':
        _set_powered(obj, bool(value))
        return None
    if iface == DEVICE_IFACE and name == 'Alias' and value == '':
        # an empty alias gives the device its name back (dev_property_set_alias)
        value = obj.props[iface].get('Name', obj.props[iface]['Address'].replace(':', '-'))
    if iface == DEVICE_IFACE and name == 'Trusted' and value:
        obj.temporary = False
    if obj.props[iface].get(name) != value:   # bluetoothd announces real changes only
        _update(obj, iface, {name: value})
    return None


def _set_powered(adapter, on):
    if _powered(adapter) == on:
        return
    if not on:
        # Powering off ends every discovery session and every connection
        # before the adapter reports Powered false.
        for session in adapter.sessions.values():
            session['discovering'] = False
        _discovery_state_changed(adapter)
        for device in _devices_of(adapter):
            _fail_pending(device, ERR + 'Failed', 'br-connection-adapter-not-powered')
            if _prop(device, DEVICE_IFACE, 'Connected'):
                _link_down(device, 'org.bluez.Reason.Local', '', _State.disconnected_signal)
    _update(adapter, ADAPTER_IFACE, {'Powered': dbus.Boolean(on)})


# --------------------------------------------------------------------------
# Discovery


def _session(adapter, owner):
    session = adapter.sessions.get(owner)
    if session is None:
        session = {'filter': None, 'discovering': False, 'watch': None}
        adapter.sessions[owner] = session

        def owner_changed(new_owner, adapter=adapter, owner=owner):
            # bluetoothd's discovery_disconnect(): the client left the bus.
            if not new_owner and adapter.sessions.get(owner) is session:
                del adapter.sessions[owner]
                _cancel_watch(session)
                if mockobject.objects.get(adapter.path) is adapter:
                    _discovery_state_changed(adapter)
        try:
            session['watch'] = adapter.connection.watch_name_owner(owner, owner_changed)
        except dbus.exceptions.DBusException:
            pass
    return session


def _cancel_watch(holder):
    if holder.get('watch') is not None:
        holder['watch'].cancel()
        holder['watch'] = None


def _discovering(adapter):
    return [s for s in adapter.sessions.values() if s['discovering']]


def _discovery_state_changed(adapter):
    '''Brings Discovering/Discoverable in line with the sessions, as BlueZ does.'''
    active = _discovering(adapter)
    discovering = bool(active)
    discoverable = any((s['filter'] or {}).get('Discoverable') for s in active)
    changed = {}
    if bool(_prop(adapter, ADAPTER_IFACE, 'Discovering')) != discovering:
        changed['Discovering'] = dbus.Boolean(discovering)
    if discoverable and not _prop(adapter, ADAPTER_IFACE, 'Discoverable') and not getattr(adapter, 'made_discoverable', False):
        changed['Discoverable'] = dbus.Boolean(True)
        adapter.made_discoverable = True
    elif not discoverable and getattr(adapter, 'made_discoverable', False):
        changed['Discoverable'] = dbus.Boolean(False)
        adapter.made_discoverable = False
    _update(adapter, ADAPTER_IFACE, changed)
    if discovering:
        _schedule_pairing_mode(adapter)
    else:
        # discovery_cleanup(): RSSI and TxPower of what it found are invalid now
        for path in sorted(adapter.found):
            device = mockobject.objects.get(path)
            if device is None:
                continue
            gone = [k for k in ('RSSI', 'TxPower') if k in device.props[DEVICE_IFACE]]
            for k in gone:
                del device.props[DEVICE_IFACE][k]
            if gone:
                _emit_changed(device, DEVICE_IFACE, {}, gone)
        adapter.found = set()


def _start_discovery(adapter, call):
    if not _powered(adapter):
        raise _error(ERR + 'NotReady', 'Resource Not Ready')
    if adapter.inquiry_busy > 0:
        # The kernel's inquiry, started by a bluetoothd that was killed, still runs:
        # mgmt Start Discovery is busy, and the caller gets no session.
        adapter.inquiry_busy -= 1
        raise _error(ERR + 'InProgress', 'Operation already in progress')
    session = _session(adapter, call.sender)
    if session['discovering']:
        raise _error(ERR + 'InProgress', 'Operation already in progress')
    session['discovering'] = True
    if adapter.discovery_reply_ms:
        # The session is the client's from now on, answered or not.
        def answer():
            call.reply()
            _discovery_state_changed(adapter)
            return False
        GLib.timeout_add(adapter.discovery_reply_ms, answer)
        return _LATER
    call.reply()    # bluetoothd answers, then announces Discovering
    _discovery_state_changed(adapter)
    return _LATER


def _stop_discovery(adapter, call):
    if not _powered(adapter):
        raise _error(ERR + 'NotReady', 'Resource Not Ready')
    session = adapter.sessions.get(call.sender)
    if session is None or not session['discovering']:
        raise _error(ERR + 'Failed', 'No discovery started')
    session['discovering'] = False
    if session['filter'] is None:
        _cancel_watch(session)
        del adapter.sessions[call.sender]
    call.reply()
    _discovery_state_changed(adapter)
    return _LATER


_BASIC_SIGNATURES = {
    dbus.Boolean: 'b', dbus.Byte: 'y', dbus.Int16: 'n', dbus.UInt16: 'q', dbus.Int32: 'i',
    dbus.UInt32: 'u', dbus.Int64: 'x', dbus.UInt64: 't', dbus.Double: 'd', dbus.String: 's',
    dbus.ObjectPath: 'o', dbus.Signature: 'g',
}


def _signature_of(value):
    '''The D-Bus type a received value had (for a{sv} values, the variant's).'''
    if isinstance(value, dbus.Array):
        return 'a' + str(value.signature or '')
    if isinstance(value, dbus.Dictionary):
        return 'a{' + str(value.signature or '') + '}'
    return _BASIC_SIGNATURES.get(type(value))


def _parse_filter(entries):
    parsed = {}
    for key, value in entries.items():
        key = str(key)
        if key not in FILTER_TYPES:
            raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call')
        # bluetoothd checks the variant's own type and converts nothing
        if _signature_of(value) != FILTER_TYPES[key]:
            raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call')
        if key == 'UUIDs':
            try:
                value = dbus.Array([_normal_uuid(u) for u in value], signature='s')
            except dbus.exceptions.DBusException as e:
                raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call') from e
        elif key == 'RSSI' and not -127 <= int(value) <= 20:
            raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call')
        elif key == 'Pathloss' and int(value) > 137:
            raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call')
        elif key == 'Transport' and value not in ('auto', 'bredr', 'le'):
            raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call')
        parsed[key] = value
    if 'RSSI' in parsed and 'Pathloss' in parsed:
        raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call')
    return parsed


def _set_discovery_filter(adapter, call, entries):
    if not _powered(adapter):
        raise _error(ERR + 'NotReady', 'Resource Not Ready')
    parsed = _parse_filter(entries)
    adapter.last_filter = parsed
    session = adapter.sessions.get(call.sender)
    if parsed:
        _session(adapter, call.sender)['filter'] = parsed
    elif session is not None:
        session['filter'] = None
        if not session['discovering']:
            _cancel_watch(session)
            del adapter.sessions[call.sender]
    if session is not None and session['discovering']:
        _discovery_state_changed(adapter)
    return None


def _transport_of(props):
    return 'le' if str(props.get('AddressType', 'public')) == 'random' else 'bredr'


def _filter_lets_through(adapter, address, props):
    '''Whether the running discovery reports this device (device_is_discoverable, is_filter_match).'''
    active = _discovering(adapter)
    if not active:
        return False
    scans = set()
    for s in active:
        transport = (s['filter'] or {}).get('Transport', 'auto')
        scans |= {'bredr', 'le'} if transport == 'auto' else {transport}
    if _transport_of(props) not in scans:
        return False
    name = str(props.get('Name', ''))
    patterns = [str(s['filter']['Pattern']) for s in active if s['filter'] and 'Pattern' in s['filter']]
    if patterns and not any(p == '' or address.lower().startswith(p.lower()) or (name and name.startswith(p))
                            for p in patterns):
        return False
    if not any(s['filter'] for s in active):
        return True
    uuids = set(props.get('UUIDs', []))
    rssi = int(props.get('RSSI', -60))
    for s in active:
        f = s['filter']
        if not f:
            return True
        if f.get('UUIDs') and not uuids & set(f['UUIDs']):
            continue
        if 'RSSI' in f and rssi < int(f['RSSI']):
            continue
        if 'Pathloss' in f and 'TxPower' in props and int(props['TxPower']) - rssi > int(f['Pathloss']):
            continue
        return True
    return False


def _schedule_pairing_mode(adapter):
    for item in adapter.pairing_mode:
        if item['timer'] is None:
            item['timer'] = GLib.timeout_add(item['delay_ms'], _pairing_mode_due, adapter, item)


def _pairing_mode_due(adapter, item):
    item['timer'] = None
    if mockobject.objects.get(adapter.path) is not adapter or item not in adapter.pairing_mode:
        return False
    if not _filter_lets_through(adapter, item['address'], item['props']):
        return False    # stays queued for the next discovery that lets it through
    adapter.pairing_mode.remove(item)
    path = adapter.path + '/dev_' + item['address'].replace(':', '_')
    existing = mockobject.objects.get(path)
    if existing is not None:
        # a device BlueZ still has is updated, not created again
        _update(existing, DEVICE_IFACE, {k: v for k, v in item['props'].items() if k not in ('Address', 'Adapter')})
        device = existing
    else:
        device = _new_device(_manager(), adapter, item['address'], item['name'], item['props'], temporary=True)
    adapter.found.add(device.path)
    return False


# --------------------------------------------------------------------------
# Devices


def _new_device(manager, adapter, address, name, properties, temporary=False):
    '''A Device1 object as bluetoothd announces it: one InterfacesAdded.

    bluez5.AddDevice builds the object (path, stubs of ConnectProfile and
    DisconnectProfile); its announcement is dropped because it carries
    placeholder values bluetoothd never sends ('' Modalias, 0 Class, RSSI
    without discovery) and wrong types (ManufacturerData aa{qv}, ServiceData
    aa{sv}, AdvertisingFlags aay, AdvertisingData aa{yv}).
    '''
    if not ADDRESS_RE.match(str(address)):
        raise _error(INVALID_ARGS, f'not a Bluetooth address: {address}')
    address = str(address).upper()
    given = _bluez_values(DEVICE_IFACE, properties, known_only=True)
    with _quiet(manager):
        path = bluez5.AddDevice(manager, adapter.path.rsplit('/', 1)[1], address, str(name))
    device = mockobject.objects[path]
    base = device.props[DEVICE_IFACE]
    props = {k: _bluez_value(DEVICE_IFACE, k, base[k]) for k in (
        'Address', 'AddressType', 'Name', 'Alias', 'Paired', 'Trusted', 'Blocked',
        'LegacyPairing', 'Connected', 'UUIDs', 'Adapter', 'ServicesResolved')}
    if not name:
        del props['Name']
        props['Alias'] = dbus.String(address.replace(':', '-'))
    props['CablePairing'] = dbus.Boolean(False)
    props.update(given)
    if 'Name' in given and 'Alias' not in given:
        props['Alias'] = given['Name']
    props.setdefault('Bonded', dbus.Boolean(bool(props['Paired'])))
    if 'Class' in props and 'Icon' not in props and _class_icon(int(props['Class'])):
        props['Icon'] = dbus.String(_class_icon(int(props['Class'])))
    device.props[DEVICE_IFACE] = _ordered(DEVICE_TYPES, props)
    _add_standard_interfaces(device)
    device.scripts = {m: [] for m in SCRIPTABLE}
    device.pending = {}     # 'Pair' / 'Connect' / 'Disconnect' -> (call, timer id)
    device.temporary = temporary
    device.paired = bool(props['Paired'])
    device.connected = bool(props['Connected'])
    _export(device, DEVICE_IFACE, 'Pair', '', '', _pair)
    _export(device, DEVICE_IFACE, 'CancelPairing', '', '', _cancel_pairing)
    _export(device, DEVICE_IFACE, 'Connect', '', '', _connect)
    _export(device, DEVICE_IFACE, 'Disconnect', '', '', _disconnect)
    _export(device, PROPERTIES_IFACE, 'Set', 'ssv', '', _set_property)
    _export(device, PROPERTIES_IFACE, 'Get', 'ss', 'v', _get_property)
    _interfaces_added(path, _published(device))
    return device


@dbus.service.method(BLUEZ_MOCK_IFACE, in_signature='sss', out_signature='s')
def AddDevice(self, adapter_device_name, device_address, alias):
    '''bluez5's AddDevice, announced with BlueZ's property types.'''
    return _new_device(self, _adapter(adapter_device_name), device_address, alias, {}).path


@dbus.service.method(BLUEZ_MOCK_IFACE, in_signature='ssi', out_signature='')
def PairDevice(self, adapter_device_name, device_address, class_):
    '''Marks a device paired and bonded, as after a pairing long ago.

    bluez5's version also gives it an Android phone's UUIDs, Modalias and
    icon, and fails when the device already has a Class.
    '''
    path = _adapter(adapter_device_name).path + '/dev_' + str(device_address).upper().replace(':', '_')
    device = _device(path)
    changed = {'Paired': dbus.Boolean(True), 'Bonded': dbus.Boolean(True), 'Blocked': dbus.Boolean(False)}
    if class_ and 'Class' not in device.props[DEVICE_IFACE]:
        changed['Class'] = dbus.UInt32(class_)
    device.paired = True
    device.temporary = False
    _update(device, DEVICE_IFACE, changed)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='sssa{sv}', out_signature='o')
def AddSonyDevice(self, adapter, address, name, properties):
    return dbus.ObjectPath(_new_device(self, _adapter(adapter), address, name, properties).path)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='osa{sv}', out_signature='o')
def AddLETwin(self, classic, address, properties):
    twin_of = _device(classic)
    name = 'LE_' + str(twin_of.props[DEVICE_IFACE].get('Name', ''))
    props = {
        'AddressType': 'random',
        'RSSI': dbus.Int16(-62),
        'ManufacturerData': dbus.Dictionary({dbus.UInt16(SONY_COMPANY_ID): dbus.Array(
            [0x04, 0x00, 0x01, 0x31, 0x00, 0x00, 0x00, 0x00], signature='y')}, signature='qv'),
    }
    props.update(dict(properties))
    adapter = _adapter_of(twin_of)
    return dbus.ObjectPath(_new_device(self, adapter, address, props.pop('Name', name), props).path)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='sssa{sv}u', out_signature='')
def AddDeviceInPairingMode(self, adapter, address, name, properties, delay_ms):
    adapter_obj = _adapter(adapter)
    if not ADDRESS_RE.match(str(address)):
        raise _error(INVALID_ARGS, f'not a Bluetooth address: {address}')
    props = _bluez_values(DEVICE_IFACE, properties, known_only=True)
    props.setdefault('RSSI', dbus.Int16(-60))
    if name:
        props.setdefault('Name', dbus.String(str(name)))
    adapter_obj.pairing_mode.append({
        'address': str(address).upper(), 'name': str(name), 'props': props,
        'delay_ms': int(delay_ms), 'timer': None})
    if _discovering(adapter_obj):
        _schedule_pairing_mode(adapter_obj)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='s', out_signature='ao')
def ExpireTemporaryDevices(self, adapter):
    removed = []
    for device in _devices_of(_adapter(adapter)):
        p = device.props[DEVICE_IFACE]
        if device.temporary and not (p.get('Paired') or p.get('Trusted') or p.get('Connected') or device.pending):
            _remove_device_object(device, 'org.bluez.Reason.Local')
            removed.append(dbus.ObjectPath(device.path))
    return dbus.Array(removed, signature='o')


@dbus.service.method(SONY_MOCK_IFACE, in_signature='s', out_signature='a{sv}')
def GetDiscoveryFilter(self, adapter):
    return dbus.Dictionary(_adapter(adapter).last_filter, signature='sv')


@dbus.service.method(SONY_MOCK_IFACE, in_signature='s', out_signature='a(sba{sv})')
def GetDiscoverySessions(self, adapter):
    return dbus.Array([
        dbus.Struct((owner, dbus.Boolean(s['discovering']), dbus.Dictionary(s['filter'] or {}, signature='sv')))
        for owner, s in sorted(_adapter(adapter).sessions.items())], signature='(sba{sv})')


def _remove_device_object(device, reason):
    '''Takes a device off the bus the way device_remove() does.'''
    _fail_pending(device, ERR + 'Failed', 'br-connection-canceled')
    if _prop(device, DEVICE_IFACE, 'Connected'):
        _link_down(device, reason, '', _State.disconnected_signal)
    _remove_transports(device)
    adapter = _adapter_of(device)
    adapter.found.discard(device.path)
    names = [i for i in reversed(list(device.props)) if i not in STANDARD_IFACES] + list(STANDARD_IFACES)
    path = device.path
    device.RemoveObject(path)
    _interfaces_removed(path, names)


def _remove_device(adapter, call, path):
    device = mockobject.objects.get(str(path))
    if device is None or DEVICE_IFACE not in device.props or not str(path).startswith(adapter.path + '/'):
        raise _error(ERR + 'DoesNotExist', 'Does Not Exist')
    if not _powered(adapter):
        raise _error(ERR + 'NotReady', 'Resource Not Ready')
    _remove_device_object(device, 'org.bluez.Reason.Local')
    return None


# --------------------------------------------------------------------------
# Pair, Connect, Disconnect, CancelPairing


def _fail_pending(device, name, message, only=None):
    for method in list(device.pending):
        if only is not None and method not in only:
            continue
        call, timer = device.pending.pop(method)
        if timer:
            GLib.source_remove(timer)
        if method == 'Disconnect':
            call.reply()    # the link goes down anyway
        elif method == 'Pair':
            call.fail(ERR + 'AuthenticationCanceled', 'Authentication Canceled')
        else:
            call.fail(name, message)


def _next_outcome(device, method):
    script = device.scripts[method]
    if script:
        return script.pop(0)
    return {'error': '', 'message': '', 'delay_ms': 0, 'props': {}}


def _play(device, method, call, on_success):
    '''Plays the next scripted outcome of method for call, maybe later.'''
    outcome = _next_outcome(device, method)

    def finish():
        device.pending.pop(method, None)
        if outcome['error']:
            _update(device, DEVICE_IFACE, dict(outcome['props']))
            call.fail(outcome['error'], outcome['message'])
        else:
            on_success(dict(outcome['props']))
            call.reply()
        return False

    if outcome['delay_ms'] > 0:
        device.pending[method] = (call, GLib.timeout_add(outcome['delay_ms'], finish))
    else:
        finish()
    return _LATER


def _link_up(device):
    if not _prop(device, DEVICE_IFACE, 'Connected'):
        device.connected = True
        _update(device, DEVICE_IFACE, {'Connected': dbus.Boolean(True)})


def _services_resolved(device, extra):
    changed = _bluez_values(DEVICE_IFACE, extra, known_only=True)
    if not _prop(device, DEVICE_IFACE, 'ServicesResolved'):
        changed['ServicesResolved'] = dbus.Boolean(True)
    return changed


def _link_down(device, reason, message, with_signal):
    '''device_remove_connection(): ServicesResolved, Disconnected, Connected.'''
    if with_signal:
        if _prop(device, DEVICE_IFACE, 'ServicesResolved'):
            _update(device, DEVICE_IFACE, {'ServicesResolved': dbus.Boolean(False)})
        # gdbus flushes pending property changes before any signal
        device.EmitSignal(DEVICE_IFACE, 'Disconnected', 'ss', [reason, message or DISCONNECT_REASONS[reason]])
        _update(device, DEVICE_IFACE, {'Connected': dbus.Boolean(False)})
    else:
        changed = {'Connected': dbus.Boolean(False)}
        if _prop(device, DEVICE_IFACE, 'ServicesResolved'):
            changed = {'ServicesResolved': dbus.Boolean(False), 'Connected': dbus.Boolean(False)}
        _update(device, DEVICE_IFACE, changed)
    device.connected = False
    _remove_transports(device)


def _pair(device, call):
    '''pair_device() and its completion for an initiator on BR/EDR.'''
    device.temporary = False
    if 'Pair' in device.pending or 'Connect' in device.pending:
        raise _error(ERR + 'InProgress', 'In Progress')
    if _prop(device, DEVICE_IFACE, 'Bonded'):
        raise _error(ERR + 'AlreadyExists', 'Already Exists')
    if not _powered(_adapter_of(device)):
        raise _error(ERR + 'AuthenticationFailed', 'Authentication Failed')

    def paired(extra):
        # The ACL comes up for pairing; the link key makes it Bonded; SDP
        # then resolves the services, and only then is Paired announced
        # (pending_paired in device_set_paired/device_svc_resolved).
        _link_up(device)
        _update(device, DEVICE_IFACE, {'Bonded': dbus.Boolean(True)})
        changed = _services_resolved(device, extra)
        changed['Paired'] = dbus.Boolean(True)
        device.paired = True
        _update(device, DEVICE_IFACE, changed)
    return _play(device, 'Pair', call, paired)


def _cancel_pairing(device, call):
    if 'Pair' not in device.pending:
        raise _error(ERR + 'DoesNotExist', 'Does Not Exist')

    def cancelled(extra):
        _update(device, DEVICE_IFACE, _bluez_values(DEVICE_IFACE, extra, known_only=True))
        _fail_pending(device, '', '', only=('Pair',))
    return _play(device, 'CancelPairing', call, cancelled)


def _connect(device, call):
    '''dev_connect() / device_connect_profiles() for a BR/EDR headset.'''
    if 'Pair' in device.pending:
        raise _error(ERR + 'InProgress', 'In Progress')
    if 'Connect' in device.pending:
        raise _error(ERR + 'InProgress', 'br-connection-busy')
    if not _powered(_adapter_of(device)):
        raise _error(ERR + 'NotReady', 'br-connection-adapter-not-powered')
    device.temporary = False
    if _prop(device, DEVICE_IFACE, 'Connected') and _prop(device, DEVICE_IFACE, 'ServicesResolved'):
        return None     # profiles already up: bluetoothd just says yes

    def connected(extra):
        _link_up(device)
        _update(device, DEVICE_IFACE, _services_resolved(device, extra))
    return _play(device, 'Connect', call, connected)


def _disconnect(device, call):
    '''device_request_disconnect(): cancels a Connect or Pair under way.'''
    _fail_pending(device, ERR + 'Failed', 'br-connection-canceled', only=('Pair', 'Connect'))
    if not _prop(device, DEVICE_IFACE, 'Connected'):
        return None     # bluetoothd answers at once when there is no link

    def disconnected(extra):
        _update(device, DEVICE_IFACE, _bluez_values(DEVICE_IFACE, extra, known_only=True))
        if _prop(device, DEVICE_IFACE, 'Connected'):
            _link_down(device, 'org.bluez.Reason.Local', '', _State.disconnected_signal)
    return _play(device, 'Disconnect', call, disconnected)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='su', out_signature='')
def SetInquiryBusy(self, adapter, count):
    '''The next count StartDiscovery calls on adapter fail with InProgress and start no
    session: what bluetoothd answers after a restart while the kernel's inquiry from
    the killed one still runs (seen on bluetoothd 5.66 in the VM tier).'''
    _adapter(adapter).inquiry_busy = int(count)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='su', out_signature='')
def SetDiscoveryReplyDelay(self, adapter, delay_ms):
    '''StartDiscovery on adapter starts the caller's session at once but answers only
    delay_ms later, as bluetoothd does while the controller takes its time: a caller
    that gives up on the answer (a cancelled repair) still has a session to stop.'''
    _adapter(adapter).discovery_reply_ms = int(delay_ms)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='osssua{sv}', out_signature='')
def QueueOutcome(self, device, method, error_name, message, delay_ms, properties):
    target = _device(device)
    if method not in SCRIPTABLE:
        raise _error(INVALID_ARGS, f'method must be one of {", ".join(SCRIPTABLE)}')
    target.scripts[str(method)].append({
        'error': str(error_name), 'message': str(message), 'delay_ms': int(delay_ms),
        'props': _bluez_values(DEVICE_IFACE, properties, known_only=True)})


@dbus.service.method(SONY_MOCK_IFACE, in_signature='osa(ss)', out_signature='')
def ScriptOutcomes(self, device, method, outcomes):
    for error_name, message in outcomes:
        QueueOutcome(self, device, method, error_name, message, 0, {})


@dbus.service.method(SONY_MOCK_IFACE, in_signature='os', out_signature='u')
def PendingOutcomes(self, device, method):
    target = _device(device)
    if method not in SCRIPTABLE:
        raise _error(INVALID_ARGS, f'method must be one of {", ".join(SCRIPTABLE)}')
    return dbus.UInt32(len(target.scripts[str(method)]))


@dbus.service.method(SONY_MOCK_IFACE, in_signature='ossb', out_signature='')
def DropConnection(self, device, reason, message, with_signal):
    target = _device(device)
    if not _prop(target, DEVICE_IFACE, 'Connected'):
        raise _error(SONY_MOCK_ERROR + '.NotConnected', f'{device} is not connected')
    reason = str(reason) or 'org.bluez.Reason.Unknown'
    if reason not in DISCONNECT_REASONS:
        raise _error(INVALID_ARGS, f'BlueZ has no reason {reason}; it sends {", ".join(DISCONNECT_REASONS)}')
    _fail_pending(target, ERR + 'Failed', 'br-connection-canceled')
    _link_down(target, reason, str(message), bool(with_signal))


@dbus.service.method(SONY_MOCK_IFACE, in_signature='oa{sv}', out_signature='')
def RemoteConnect(self, device, properties):
    target = _device(device)
    extra = _bluez_values(DEVICE_IFACE, properties, known_only=True)
    _link_up(target)
    _update(target, DEVICE_IFACE, _services_resolved(target, extra))


@dbus.service.method(SONY_MOCK_IFACE, in_signature='b', out_signature='')
def SetDisconnectedSignal(self, enabled):
    _State.disconnected_signal = bool(enabled)


# --------------------------------------------------------------------------
# Battery, arbitrary properties, floods


@dbus.service.method(SONY_MOCK_IFACE, in_signature='oy', out_signature='')
def SetBattery(self, device, percentage):
    target = _device(device)
    if int(percentage) > 100:
        raise _error(INVALID_ARGS, f'a battery percentage is 0..100, not {int(percentage)}')
    level = dbus.Byte(int(percentage))
    if BATTERY_IFACE in target.props:
        if target.props[BATTERY_IFACE]['Percentage'] != level:
            _update(target, BATTERY_IFACE, {'Percentage': level})
        return
    target.props[BATTERY_IFACE] = {'Percentage': level}
    _interfaces_added(target.path, {BATTERY_IFACE: target.props[BATTERY_IFACE]})


@dbus.service.method(SONY_MOCK_IFACE, in_signature='o', out_signature='o')
def AddMediaTransport(self, device):
    '''The A2DP stream set up: what bluetoothd publishes once an audio server's endpoint
    and the headset have agreed a codec, a MediaTransport1 below the device.'''
    target = _device(device)
    if not target.connected:
        raise _error(SONY_MOCK_ERROR + '.NotConnected', f'{target.path} is not connected')
    path = f'{target.path}/sep1/fd{len(_transports(target))}'
    props = {'Device': dbus.ObjectPath(target.path), 'UUID': dbus.String('0000110b-0000-1000-8000-00805f9b34fb'),
             'Codec': dbus.Byte(0), 'State': dbus.String('idle'), 'Volume': dbus.UInt16(64)}
    _manager().AddObject(path, TRANSPORT_IFACE, props, [])
    transport = mockobject.objects[path]
    _add_standard_interfaces(transport)
    _interfaces_added(path, _published(transport))
    return dbus.ObjectPath(path)


def _transports(device):
    return [o for p, o in mockobject.objects.items() if p.startswith(device.path + '/') and TRANSPORT_IFACE in o.props]


def _remove_transports(device):
    '''A link that goes takes its A2DP stream with it.'''
    for transport in _transports(device):
        path = transport.path
        transport.RemoveObject(path)
        _interfaces_removed(path, [TRANSPORT_IFACE] + list(STANDARD_IFACES))


@dbus.service.method(SONY_MOCK_IFACE, in_signature='o', out_signature='')
def RemoveBattery(self, device):
    target = _device(device)
    if BATTERY_IFACE not in target.props:
        raise _error(SONY_MOCK_ERROR + '.NoBattery', f'{device} has no battery')
    del target.props[BATTERY_IFACE]
    _interfaces_removed(target.path, [BATTERY_IFACE])


@dbus.service.method(SONY_MOCK_IFACE, in_signature='osa{sv}', out_signature='')
def SetProperties(self, path, interface, properties):
    target = _object(path)
    if interface not in target.props:
        raise _error(INVALID_ARGS, f'{path} has no interface {interface}')
    _update(target, str(interface), _bluez_values(str(interface), properties, known_only=False)
            if interface in TYPES else dict(properties))


@dbus.service.method(SONY_MOCK_IFACE, in_signature='osas', out_signature='')
def InvalidateProperties(self, path, interface, names):
    target = _object(path)
    props = target.props.get(str(interface))
    if props is None:
        raise _error(INVALID_ARGS, f'{path} has no interface {interface}')
    missing = [n for n in names if n not in props]
    if missing:
        raise _error(INVALID_ARGS, f'{path} has no {", ".join(missing)}')
    for name in names:
        del props[name]
    _emit_changed(target, str(interface), {}, [str(n) for n in names])


@dbus.service.method(SONY_MOCK_IFACE, in_signature='ou', out_signature='')
def FloodRSSI(self, device, count):
    target = _device(device)
    for i in range(int(count)):
        value = dbus.Int16(-40 - i % 50)
        target.props[DEVICE_IFACE]['RSSI'] = value
        _emit_changed(target, DEVICE_IFACE, {'RSSI': value})


@dbus.service.method(SONY_MOCK_IFACE, in_signature='ou', out_signature='')
def FloodProperties(self, device, count):
    FloodRSSI(self, device, count)


# --------------------------------------------------------------------------
# Agents


def _register_agent(manager, call, path, capability):
    if call.sender in _State.agents:
        raise _error(ERR + 'AlreadyExists', 'Already Exists')
    if str(capability) not in CAPABILITIES:
        raise _error(ERR + 'InvalidArguments', 'Invalid arguments in method call')
    owner = call.sender
    agent = {'path': dbus.ObjectPath(path), 'capability': str(capability), 'watch': None}
    _State.agents[owner] = agent

    def owner_changed(new_owner):
        if not new_owner and _State.agents.get(owner) is agent:
            _forget_agent(owner)
    agent['watch'] = manager.connection.watch_name_owner(owner, owner_changed)


def _forget_agent(owner):
    agent = _State.agents.pop(owner)
    _cancel_watch(agent)
    if owner in _State.default_agents:
        _State.default_agents.remove(owner)


def _unregister_agent(manager, call, path):
    agent = _State.agents.get(call.sender)
    if agent is None or agent['path'] != path:
        raise _error(ERR + 'DoesNotExist', 'Does Not Exist')
    _forget_agent(call.sender)


def _request_default_agent(manager, call, path):
    _State.default_requests.append((call.sender, str(path)))
    agent = _State.agents.get(call.sender)
    if agent is None or agent['path'] != path:
        raise _error(ERR + 'DoesNotExist', 'Does Not Exist')
    if call.sender in _State.default_agents:
        _State.default_agents.remove(call.sender)
    _State.default_agents.insert(0, call.sender)


@dbus.service.method(SONY_MOCK_IFACE, in_signature='', out_signature='a(sosb)')
def GetAgents(self):
    default = _State.default_agents[0] if _State.default_agents else None
    return dbus.Array([
        dbus.Struct((owner, a['path'], a['capability'], dbus.Boolean(owner == default)))
        for owner, a in sorted(_State.agents.items())], signature='(sosb)')


@dbus.service.method(SONY_MOCK_IFACE, in_signature='', out_signature='a(so)')
def GetDefaultAgentRequests(self):
    return dbus.Array([dbus.Struct((s, dbus.ObjectPath(p))) for s, p in _State.default_requests],
                      signature='(so)')
