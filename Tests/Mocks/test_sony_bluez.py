'''The simulated BlueZ's own tests: every flow sonyctl relies on, seen by a
dbus-python client on a private system bus.

    /usr/bin/python3 -m unittest discover -s Tests/Mocks -p 'test_*.py' -v

Each test starts a fresh mock. Nothing sleeps for a fixed time: waits run
the GLib main loop until a condition holds or a deadline passes.
'''

import os
import subprocess
import time
import unittest

import dbus
import dbus.mainloop.glib
import dbusmock
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sony_bluez.py')
MOCK = 'org.sonyctl.Mock'
DEVICE = 'org.bluez.Device1'
ADAPTER = 'org.bluez.Adapter1'
BATTERY = 'org.bluez.Battery1'
PROPS = dbus.PROPERTIES_IFACE
HCI0 = '/org/bluez/hci0'
XM4 = HCI0 + '/dev_AA_BB_CC_DD_EE_01'
XM4_ADDRESS = 'AA:BB:CC:DD:EE:01'
SONY_V1 = '96CC203E-5068-46AD-B32D-E316F5E069BA'
SONY_V2 = '956C7B26-D49A-4BA8-B03F-B17D393CB6E2'
A2DP_SINK = '0000110b-0000-1000-8000-00805f9b34fb'
HFP = '0000111e-0000-1000-8000-00805f9b34fb'
WAIT = 5.0


def sv(d):
    return dbus.Dictionary(d, signature='sv')


def xm4_properties():
    return sv({
        'Modalias': 'usb:v054Cp0D58d0200',
        'UUIDs': dbus.Array([SONY_V1, '110b', HFP], signature='s'),
        'Class': dbus.UInt32(0x240404),
        'ManufacturerData': dbus.Dictionary(
            {dbus.UInt16(0x012D): dbus.Array([4, 0, 1, 0x31], signature='y')}, signature='qv'),
        'RSSI': dbus.Int16(-55),
        'Paired': True,
        'Trusted': True,
        'LegacyPairing': False,
    })


class SonyBluezTest(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_system_bus()
        cls.bus = cls.get_dbus(system_bus=True)

    def setUp(self):
        self.start_mock({})

    def start_mock(self, parameters):
        self.p_mock, self.root = self.spawn_server_template(TEMPLATE, parameters, stdout=subprocess.DEVNULL)
        self.addCleanup(self.stop_mock, self.p_mock)
        self.owner = self.bus.get_name_owner('org.bluez')
        self.signals = []
        self.sync_count = self.synced = 0
        if getattr(self, 'receiver', None) is None:
            self.receiver = self.bus.add_signal_receiver(
                self.on_signal, sender_keyword='sender', member_keyword='member',
                path_keyword='path', interface_keyword='interface')
            self.addCleanup(self.remove_receiver)
        self.mock = dbus.Interface(self.root, MOCK)
        self.bluez_mock = dbus.Interface(self.root, 'org.bluez.Mock')
        self.bluez_mock.AddAdapter('hci0', 'sonyctl-test')

    def remove_receiver(self):
        self.receiver.remove()
        self.receiver = None

    @staticmethod
    def stop_mock(process):
        process.terminate()
        process.wait()

    def on_signal(self, *args, sender=None, member=None, path=None, interface=None):
        if sender != self.owner:
            return
        if interface == 'org.sonyctl.Test':
            self.synced = int(args[0])
        elif interface != 'org.freedesktop.DBus.Mock':     # MethodCalled: dbusmock's own
            self.signals.append((interface, member, str(path), args))

    # ----------------------------------------------------------------- helpers

    def wait_for(self, predicate, what, timeout=WAIT):
        '''Runs the main loop until predicate() holds, failing after timeout.'''
        context = GLib.MainContext.default()
        expired = []
        source = GLib.timeout_add(int(timeout * 1000), lambda: expired.append(True) or False)
        try:
            while not predicate():
                if expired:
                    self.fail(f'timed out after {timeout} s waiting for {what}')
                context.iteration(True)
        finally:
            if not expired:
                GLib.source_remove(source)

    def sync(self):
        '''A round trip through the mock: every signal it sent before is here after this.'''
        self.sync_count += 1
        token = self.sync_count
        self.root.EmitSignal('org.sonyctl.Test', 'Sync', 'u', [dbus.UInt32(token)],
                             dbus_interface='org.freedesktop.DBus.Mock')
        self.wait_for(lambda: self.synced >= token, 'the sync signal')

    def mark(self):
        '''Where the signals of what happens next will start: after everything so far.'''
        self.sync()
        return len(self.signals)

    def events(self, since=0, path=None, member=None):
        return [s for s in self.signals[since:]
                if (path is None or s[2] == path) and (member is None or s[1] == member)]

    def device_events(self, path, since=0):
        '''PropertiesChanged (as dicts of what changed), Disconnected and
        InterfacesAdded/Removed concerning path, in order.'''
        out = []
        for interface, member, spath, args in self.signals[since:]:
            if member == 'PropertiesChanged' and spath == path:
                out.append(('changed', str(args[0]), dict(args[1]), [str(a) for a in args[2]]))
            elif member == 'Disconnected' and spath == path:
                out.append(('Disconnected', str(args[0]), str(args[1])))
            elif member in ('InterfacesAdded', 'InterfacesRemoved') and str(args[0]) == path:
                out.append((member, args[1]))
        return out

    def proxy(self, path, interface):
        return dbus.Interface(self.bus.get_object('org.bluez', path), interface)

    def props(self, path, interface=DEVICE):
        return self.proxy(path, PROPS).GetAll(interface)

    def managed(self):
        return self.proxy('/', 'org.freedesktop.DBus.ObjectManager').GetManagedObjects()

    def call_async(self, method, *args):
        '''Starts a call; the result records the reply and how many signals came before it.'''
        result = {'done': False, 'error': None, 'value': None, 'signals_before': None, 'at': None}
        started = time.monotonic()

        def finished(error=None, value=None):
            result.update(done=True, error=error, value=value, signals_before=len(self.signals),
                          at=time.monotonic() - started)
        method(*args, reply_handler=lambda *v: finished(value=v), error_handler=lambda e: finished(error=e),
               timeout=30)
        return result

    def finish(self, result, what):
        self.wait_for(lambda: result['done'], what)
        return result

    def assertDBusError(self, name, call, *args, message=None):
        with self.assertRaises(dbus.exceptions.DBusException) as caught:
            call(*args)
        self.assertEqual(caught.exception.get_dbus_name(), name, caught.exception.get_dbus_message())
        if message is not None:
            self.assertEqual(caught.exception.get_dbus_message(), message)

    def add_xm4(self, **overrides):
        props = xm4_properties()
        props.update(overrides)
        return self.mock.AddSonyDevice('hci0', XM4_ADDRESS, 'WH-1000XM4', props)

    def connect(self, path):
        self.proxy(path, DEVICE).Connect()
        self.assertTrue(self.props(path)['ServicesResolved'])

    # ------------------------------------------------------- objects and types

    def test_sony_device_is_announced_once_with_bluez_types(self):
        self.assertEqual(self.add_xm4(), XM4)
        self.wait_for(lambda: self.events(path=None, member='InterfacesAdded') and
                      any(str(s[3][0]) == XM4 for s in self.events(member='InterfacesAdded')), 'the device')
        added = [s for s in self.events(member='InterfacesAdded') if str(s[3][0]) == XM4]
        self.assertEqual(len(added), 1, 'one InterfacesAdded carries every property')
        interfaces = added[0][3][1]
        self.assertEqual(list(interfaces), ['org.freedesktop.DBus.Introspectable', DEVICE,
                                            'org.freedesktop.DBus.Properties'])
        p = interfaces[DEVICE]
        self.assertEqual(self.events(path=XM4, member='PropertiesChanged'), [], 'nothing set afterwards')
        self.assertIsInstance(p['Class'], dbus.UInt32)
        self.assertEqual(p['Class'], 0x240404)
        self.assertIsInstance(p['RSSI'], dbus.Int16)
        self.assertEqual(p['Modalias'], 'usb:v054Cp0D58d0200')
        self.assertEqual(p['Icon'], 'audio-headset')
        self.assertEqual(list(p['UUIDs']), [SONY_V1.lower(), A2DP_SINK, HFP])
        self.assertEqual(p['UUIDs'].signature, 's')
        self.assertEqual(p['ManufacturerData'].signature, 'qv')
        self.assertEqual(list(p['ManufacturerData'].keys()), [0x012D])
        self.assertIsInstance(list(p['ManufacturerData'].keys())[0], dbus.UInt16)
        self.assertEqual(p['ManufacturerData'][0x012D].signature, 'y')
        self.assertEqual(bytes(p['ManufacturerData'][0x012D]), b'\x04\x00\x01\x31')
        self.assertTrue(p['Paired'] and p['Bonded'] and p['Trusted'])
        self.assertFalse(p['Connected'] or p['ServicesResolved'])
        self.assertEqual((p['Address'], p['AddressType'], p['Name'], p['Alias'], p['Adapter']),
                         (XM4_ADDRESS, 'public', 'WH-1000XM4', 'WH-1000XM4', HCI0))
        self.assertEqual(self.props(XM4), p, 'GetAll says what InterfacesAdded said')

    def test_properties_bluez_lacks_are_absent_and_bad_ones_refused(self):
        path = self.mock.AddSonyDevice('hci0', '00:11:22:33:44:55', 'Plain', sv({}))
        p = self.props(path)
        for absent in ('Modalias', 'ManufacturerData', 'ServiceData', 'RSSI', 'TxPower', 'Class', 'Icon',
                       'Appearance', 'AdvertisingFlags', 'AdvertisingData'):
            self.assertNotIn(absent, p)
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.proxy(path, PROPS).Get, DEVICE, 'RSSI')
        self.assertEqual(p['UUIDs'], [])
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.AddSonyDevice,
                             'hci0', '00:11:22:33:44:66', 'X', sv({'Class': 'headset'}))
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.AddSonyDevice,
                             'hci0', '00:11:22:33:44:66', 'X', sv({'Modalis': 'usb:v054Cp0D58d0200'}))
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.AddSonyDevice,
                             'hci0', '00:11:22:33:44:66', 'X', sv({'RSSI': dbus.Int32(40000)}))
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.AddSonyDevice,
                             'hci0', 'not-an-address', 'X', sv({}))
        self.assertDBusError('org.bluez.Mock.NoSuchAdapter', self.mock.AddSonyDevice,
                             'hci7', '00:11:22:33:44:66', 'X', sv({}))
        # bluez5's own AddDevice now announces real types as well
        plain = self.bluez_mock.AddDevice('hci0', '00:11:22:33:44:77', 'Phone')
        self.assertNotIn('ManufacturerData', self.props(plain))

    def test_le_twin_and_bluetoothctl(self):
        self.add_xm4()
        twin = self.mock.AddLETwin(XM4, 'C0:11:22:33:44:55', sv({}))
        self.assertNotEqual(twin, XM4)
        p = self.props(twin)
        self.assertEqual((p['Name'], p['Alias'], p['AddressType']), ('LE_WH-1000XM4', 'LE_WH-1000XM4', 'random'))
        self.assertIn(0x012D, p['ManufacturerData'])
        self.assertNotIn(A2DP_SINK, p['UUIDs'])
        out = subprocess.run(['bluetoothctl', 'devices'], capture_output=True, text=True, timeout=20,
                             env=dict(os.environ), check=False)
        self.assertIn('Device AA:BB:CC:DD:EE:01 WH-1000XM4', out.stdout)
        self.assertIn('Device C0:11:22:33:44:55 LE_WH-1000XM4', out.stdout)

    # ------------------------------------------------------------------ battery

    def test_battery_appears_changes_and_goes(self):
        self.add_xm4()
        mark = self.mark()
        self.mock.SetBattery(XM4, dbus.Byte(80))
        self.wait_for(lambda: self.device_events(XM4, mark), 'Battery1')
        self.assertEqual([e[0] for e in self.device_events(XM4, mark)], ['InterfacesAdded'])
        added = self.device_events(XM4, mark)[0][1]
        self.assertEqual(list(added), [BATTERY], 'only the new interface is announced')
        self.assertIsInstance(added[BATTERY]['Percentage'], dbus.Byte)
        self.assertEqual(added[BATTERY]['Percentage'], 80)
        mark = self.mark()
        self.mock.SetBattery(XM4, dbus.Byte(80))    # unchanged: BlueZ stays quiet
        self.mock.SetBattery(XM4, dbus.Byte(15))
        self.wait_for(lambda: self.device_events(XM4, mark), 'the new percentage')
        self.assertEqual(self.device_events(XM4, mark), [('changed', BATTERY, {'Percentage': 15}, [])])
        self.assertEqual(self.props(XM4, BATTERY)['Percentage'], 15)
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.SetBattery, XM4, dbus.Byte(101))
        self.mock.RemoveBattery(XM4)
        self.wait_for(lambda: any(e[0] == 'InterfacesRemoved' for e in self.device_events(XM4)), 'the battery gone')
        self.assertEqual([list(e[1]) for e in self.device_events(XM4) if e[0] == 'InterfacesRemoved'], [[BATTERY]])
        self.assertNotIn(BATTERY, self.managed()[XM4])
        self.assertIn(DEVICE, self.managed()[XM4])

    # ---------------------------------------------------------------- discovery

    def test_headset_in_pairing_mode_appears_only_while_discovering(self):
        headset = HCI0 + '/dev_AA_BB_CC_DD_EE_02'
        self.mock.AddDeviceInPairingMode('hci0', 'aa:bb:cc:dd:ee:02', 'WF-1000XM5', sv({
            'Class': dbus.UInt32(0x240404), 'UUIDs': dbus.Array([SONY_V2, A2DP_SINK], signature='s')}),
            dbus.UInt32(0))
        self.sync()
        self.assertNotIn(headset, self.managed(), 'not seen without discovery')
        adapter = self.proxy(HCI0, ADAPTER)
        wanted = sv({'Transport': 'bredr', 'UUIDs': dbus.Array([SONY_V2], signature='s'),
                     'Pattern': 'AA:BB', 'DuplicateData': False})
        adapter.SetDiscoveryFilter(wanted)
        mark = self.mark()
        started = self.call_async(adapter.StartDiscovery)
        self.finish(started, 'StartDiscovery')
        self.assertIsNone(started['error'])
        self.wait_for(lambda: any(e[0] == 'InterfacesAdded' for e in self.device_events(headset)), 'the headset')
        adapter_changes = [e for e in self.device_events(HCI0, mark) if e[0] == 'changed']
        self.assertEqual(adapter_changes[0][2], {'Discovering': True})
        first_change = next(i for i, s in enumerate(self.signals) if i >= mark and s[2] == HCI0)
        self.assertLessEqual(started['signals_before'], first_change, 'BlueZ answers, then announces Discovering')
        p = [e for e in self.device_events(headset) if e[0] == 'InterfacesAdded'][0][1][DEVICE]
        self.assertEqual(p['Name'], 'WF-1000XM5')
        self.assertEqual(p['Address'], 'AA:BB:CC:DD:EE:02')
        self.assertIsInstance(p['RSSI'], dbus.Int16)
        self.assertFalse(p['Paired'])
        filt = self.mock.GetDiscoveryFilter('hci0')
        self.assertEqual(filt['Transport'], 'bredr')
        self.assertEqual(list(filt['UUIDs']), [SONY_V2.lower()])
        self.assertEqual(filt['Pattern'], 'AA:BB')
        self.assertEqual(filt['DuplicateData'], False)
        mark = self.mark()
        adapter.StopDiscovery()
        self.wait_for(lambda: len([e for e in self.device_events(HCI0, mark) if e[0] == 'changed']) >= 1 and
                      self.device_events(headset, mark), 'the end of discovery')
        self.assertEqual([e[2] for e in self.device_events(HCI0, mark) if e[0] == 'changed'], [{'Discovering': False}])
        self.assertEqual(self.device_events(headset, mark), [('changed', DEVICE, {}, ['RSSI'])],
                         'RSSI of what discovery found is invalidated')
        self.assertIn(headset, self.managed(), 'a found BR/EDR device outlives discovery ...')
        self.assertEqual(self.mock.ExpireTemporaryDevices('hci0'), [headset], '... until TemporaryTimeout')
        self.assertNotIn(headset, self.managed())

    def test_filter_decides_what_discovery_reports(self):
        classic = HCI0 + '/dev_AA_BB_CC_DD_EE_03'
        le = HCI0 + '/dev_C0_00_00_00_00_03'
        other = HCI0 + '/dev_11_22_33_44_55_66'
        self.mock.AddDeviceInPairingMode('hci0', 'AA:BB:CC:DD:EE:03', 'WH-1000XM5', sv({}), dbus.UInt32(0))
        self.mock.AddDeviceInPairingMode('hci0', '11:22:33:44:55:66', 'Speaker', sv({}), dbus.UInt32(0))
        self.mock.AddDeviceInPairingMode('hci0', 'C0:00:00:00:00:03', 'LE_WH-1000XM5',
                                         sv({'AddressType': 'random'}), dbus.UInt32(0))
        adapter = self.proxy(HCI0, ADAPTER)
        adapter.SetDiscoveryFilter(sv({'Transport': 'le'}))
        adapter.StartDiscovery()
        self.wait_for(lambda: le in self.managed(), 'the LE advertiser')
        self.sync()
        self.assertNotIn(classic, self.managed(), 'an LE scan does not find a BR/EDR headset')
        adapter.StopDiscovery()
        adapter.SetDiscoveryFilter(sv({'Transport': 'auto', 'Pattern': 'WH-'}))
        adapter.StartDiscovery()
        self.wait_for(lambda: classic in self.managed(), 'the classic headset, still in pairing mode')
        self.sync()
        self.assertNotIn(other, self.managed(), 'Pattern matches address or name prefixes only')
        adapter.StopDiscovery()
        adapter.SetDiscoveryFilter(sv({}))
        self.assertEqual(self.mock.GetDiscoveryFilter('hci0'), {}, 'an empty filter clears it')
        adapter.StartDiscovery()
        self.wait_for(lambda: other in self.managed(), 'everything once unfiltered')

    def test_discovery_filter_is_validated_like_bluez(self):
        adapter = self.proxy(HCI0, ADAPTER)
        self.assertEqual(sorted(adapter.GetDiscoveryFilters()), sorted([
            'UUIDs', 'RSSI', 'Pathloss', 'Transport', 'DuplicateData', 'Discoverable', 'Pattern', 'AutoConnect']))
        good = sv({'UUIDs': dbus.Array([SONY_V1], signature='s'), 'RSSI': dbus.Int16(-80),
                   'Transport': 'auto', 'DuplicateData': True, 'Discoverable': False, 'Pattern': '',
                   'AutoConnect': False})
        adapter.SetDiscoveryFilter(good)
        self.assertEqual(set(self.mock.GetDiscoveryFilter('hci0')), set(good))
        adapter.SetDiscoveryFilter(sv({'Pathloss': dbus.UInt16(40)}))
        bad = [
            {'Duration': dbus.UInt32(10)},                      # unknown key
            {'Transport': 'classic'},                           # unknown transport
            {'RSSI': dbus.Int32(-60)},                          # i, not n
            {'RSSI': dbus.Int16(-128)},                         # out of range
            {'Pathloss': dbus.Int16(40)},                       # n, not q
            {'RSSI': dbus.Int16(-60), 'Pathloss': dbus.UInt16(40)},
            {'UUIDs': dbus.Array(['not-a-uuid'], signature='s')},
            {'DuplicateData': 'yes'},
            {'Pattern': dbus.UInt32(1)},
        ]
        for entries in bad:
            self.assertDBusError('org.bluez.Error.InvalidArguments', adapter.SetDiscoveryFilter, sv(entries),
                                 message='Invalid arguments in method call')
        self.assertEqual(dict(self.mock.GetDiscoveryFilter('hci0')), {'Pathloss': 40}, 'refused filters change nothing')

    def test_discovery_sessions_are_per_client(self):
        adapter = self.proxy(HCI0, ADAPTER)
        self.assertDBusError('org.bluez.Error.Failed', adapter.StopDiscovery, message='No discovery started')
        adapter.StartDiscovery()
        self.assertDBusError('org.bluez.Error.InProgress', adapter.StartDiscovery)
        other_bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
        other = dbus.Interface(other_bus.get_object('org.bluez', HCI0), ADAPTER)
        other.SetDiscoveryFilter(sv({'Discoverable': True}))
        other.StartDiscovery()
        self.wait_for(lambda: self.props(HCI0, ADAPTER)['Discoverable'], 'Discoverable from the filter')
        sessions = {s[0]: (bool(s[1]), dict(s[2])) for s in self.mock.GetDiscoverySessions('hci0')}
        self.assertEqual(sessions, {self.bus.get_unique_name(): (True, {}),
                                    other_bus.get_unique_name(): (True, {'Discoverable': True})})
        adapter.StopDiscovery()
        self.assertTrue(self.props(HCI0, ADAPTER)['Discovering'], 'the other client still discovers')
        mark = self.mark()
        other_bus.close()   # leaving the bus ends its session
        self.wait_for(lambda: not self.props(HCI0, ADAPTER)['Discovering'], 'discovery to end with its client')
        self.wait_for(lambda: self.device_events(HCI0, mark), 'the announcement')
        self.assertEqual(self.device_events(HCI0, mark),
                         [('changed', ADAPTER, {'Discovering': False, 'Discoverable': False}, [])])
        self.assertEqual(self.mock.GetDiscoverySessions('hci0'), [])

    def test_a_busy_inquiry_refuses_discovery_without_a_session(self):
        adapter = self.proxy(HCI0, ADAPTER)
        self.mock.SetInquiryBusy('hci0', dbus.UInt32(2))
        for _ in range(2):
            self.assertDBusError('org.bluez.Error.InProgress', adapter.StartDiscovery)
        self.assertEqual(self.mock.GetDiscoverySessions('hci0'), [], 'no session, unlike a real InProgress')
        self.assertFalse(self.props(HCI0, ADAPTER)['Discovering'])
        adapter.StartDiscovery()
        self.wait_for(lambda: self.props(HCI0, ADAPTER)['Discovering'], 'discovery once the inquiry is over')

    def test_a_slow_start_discovery_gives_the_session_before_the_answer(self):
        self.mock.SetDiscoveryReplyDelay('hci0', dbus.UInt32(400))
        caller = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
        adapter = dbus.Interface(caller.get_object('org.bluez', HCI0), ADAPTER)
        started = time.monotonic()
        adapter.StartDiscovery()
        self.assertGreaterEqual(time.monotonic() - started, 0.35, 'the answer waits')
        self.assertEqual([(str(n), bool(d)) for n, d, _ in self.mock.GetDiscoverySessions('hci0')],
                         [(caller.get_unique_name(), True)])
        self.assertDBusError('org.bluez.Error.InProgress', adapter.StartDiscovery)
        adapter.StopDiscovery()
        caller.close()

    def test_a_media_transport_lives_below_the_device_and_goes_with_the_link(self):
        self.add_xm4(Connected=True, ServicesResolved=True)
        mark = self.mark()
        transport = self.mock.AddMediaTransport(XM4)
        self.assertTrue(str(transport).startswith(XM4 + '/'), transport)
        objects = self.proxy('/', 'org.freedesktop.DBus.ObjectManager').GetManagedObjects()
        self.assertEqual(str(objects[transport]['org.bluez.MediaTransport1']['Device']), XM4)
        self.mock.DropConnection(XM4, '', '', True)
        self.wait_for(lambda: transport not in self.proxy('/', 'org.freedesktop.DBus.ObjectManager').GetManagedObjects(),
                      'the transport to go with the link')
        self.assertDBusError('org.sonyctl.Mock.Error.NotConnected', self.mock.AddMediaTransport, XM4)

    # ---------------------------------------------------- Pair, Connect, errors

    def test_pair_failure_then_success_in_bluez_order(self):
        self.add_xm4(Paired=False, Trusted=False)
        self.mock.QueueOutcome(XM4, 'Pair', 'org.bluez.Error.AuthenticationFailed', 'Authentication Failed',
                               dbus.UInt32(0), sv({}))
        self.mock.QueueOutcome(XM4, 'Pair', '', '', dbus.UInt32(0), sv({
            'UUIDs': dbus.Array([SONY_V1, A2DP_SINK, HFP], signature='s'), 'Modalias': 'usb:v054Cp0D58d0301'}))
        self.assertEqual(self.mock.PendingOutcomes(XM4, 'Pair'), 2)
        device = self.proxy(XM4, DEVICE)
        self.assertDBusError('org.bluez.Error.AuthenticationFailed', device.Pair, message='Authentication Failed')
        self.assertFalse(self.props(XM4)['Paired'])
        mark = self.mark()
        paired = self.finish(self.call_async(device.Pair), 'Pair')
        self.assertIsNone(paired['error'])
        events = self.device_events(XM4, mark)
        self.assertEqual(paired['signals_before'] - mark, len(events), 'the reply comes after the signals')
        self.assertEqual(events, [
            ('changed', DEVICE, {'Connected': True}, []),
            ('changed', DEVICE, {'Bonded': True}, []),
            ('changed', DEVICE, {'UUIDs': [SONY_V1.lower(), A2DP_SINK, HFP], 'Modalias': 'usb:v054Cp0D58d0301',
                                 'ServicesResolved': True, 'Paired': True}, []),
        ])
        self.assertDBusError('org.bluez.Error.AlreadyExists', device.Pair)
        self.assertEqual(self.mock.PendingOutcomes(XM4, 'Pair'), 0)

    def test_connect_errors_then_connected_then_services(self):
        self.add_xm4()
        for name, message in [('org.bluez.Error.Failed', 'br-connection-page-timeout'),
                              ('org.bluez.Error.Failed', 'br-connection-profile-unavailable'),
                              ('org.bluez.Error.BREDR.ProfileUnavailable', 'No more profiles to connect to'),
                              ('org.bluez.Error.Failed', 'br-connection-key-missing')]:
            self.mock.ScriptOutcomes(XM4, 'Connect', dbus.Array([(name, message)], signature='(ss)'))
        self.mock.QueueOutcome(XM4, 'Connect', '', '', dbus.UInt32(0),
                               sv({'UUIDs': dbus.Array([SONY_V1, A2DP_SINK], signature='s')}))
        device = self.proxy(XM4, DEVICE)
        for name, message in [('org.bluez.Error.Failed', 'br-connection-page-timeout'),
                              ('org.bluez.Error.Failed', 'br-connection-profile-unavailable'),
                              ('org.bluez.Error.BREDR.ProfileUnavailable', 'No more profiles to connect to'),
                              ('org.bluez.Error.Failed', 'br-connection-key-missing')]:
            self.assertDBusError(name, device.Connect, message=message)
        self.assertFalse(self.props(XM4)['Connected'])
        mark = self.mark()
        connected = self.finish(self.call_async(device.Connect), 'Connect')
        self.assertIsNone(connected['error'])
        events = self.device_events(XM4, mark)
        self.assertEqual(connected['signals_before'] - mark, len(events))
        self.assertEqual(events, [
            ('changed', DEVICE, {'Connected': True}, []),
            ('changed', DEVICE, {'UUIDs': [SONY_V1.lower(), A2DP_SINK], 'ServicesResolved': True}, []),
        ])
        mark = self.mark()
        device.Connect()    # already up: BlueZ just says yes
        self.sync()
        self.assertEqual(self.device_events(XM4, mark), [])

    def test_delayed_outcomes_keep_the_call_pending(self):
        self.add_xm4()
        self.mock.QueueOutcome(XM4, 'Connect', '', '', dbus.UInt32(300), sv({}))
        device = self.proxy(XM4, DEVICE)
        connecting = self.call_async(device.Connect)
        self.assertDBusError('org.bluez.Error.InProgress', device.Connect, message='br-connection-busy')
        self.assertDBusError('org.bluez.Error.InProgress', device.Pair)
        self.finish(connecting, 'the delayed Connect')
        self.assertIsNone(connecting['error'])
        self.assertGreaterEqual(connecting['at'], 0.3)
        self.assertTrue(self.props(XM4)['ServicesResolved'])

    def test_cancel_pairing_and_disconnect_end_pending_calls(self):
        self.add_xm4(Paired=False)
        device = self.proxy(XM4, DEVICE)
        self.assertDBusError('org.bluez.Error.DoesNotExist', device.CancelPairing)
        self.mock.QueueOutcome(XM4, 'Pair', '', '', dbus.UInt32(60000), sv({}))
        pairing = self.call_async(device.Pair)
        self.assertDBusError('org.bluez.Error.InProgress', device.Pair, message='In Progress')
        device.CancelPairing()
        self.finish(pairing, 'the cancelled Pair')
        self.assertEqual(pairing['error'].get_dbus_name(), 'org.bluez.Error.AuthenticationCanceled')
        self.assertFalse(self.props(XM4)['Paired'])
        self.mock.QueueOutcome(XM4, 'CancelPairing', 'org.bluez.Error.Failed', 'Scripted', dbus.UInt32(0), sv({}))
        self.mock.QueueOutcome(XM4, 'Pair', '', '', dbus.UInt32(60000), sv({}))
        pairing = self.call_async(device.Pair)
        self.assertDBusError('org.bluez.Error.Failed', device.CancelPairing, message='Scripted')
        self.assertFalse(pairing['done'], 'a failed CancelPairing leaves the pairing running')
        self.mock.QueueOutcome(XM4, 'Connect', '', '', dbus.UInt32(60000), sv({}))
        device.Disconnect()     # cancels the pairing too
        self.finish(pairing, 'the Pair ended by Disconnect')
        self.assertEqual(pairing['error'].get_dbus_name(), 'org.bluez.Error.AuthenticationCanceled')
        connecting = self.call_async(device.Connect)
        device.Disconnect()
        self.finish(connecting, 'the Connect ended by Disconnect')
        self.assertEqual((connecting['error'].get_dbus_name(), connecting['error'].get_dbus_message()),
                         ('org.bluez.Error.Failed', 'br-connection-canceled'))
        self.assertFalse(self.props(XM4)['Connected'])

    def test_scripted_disconnect_and_error_properties(self):
        self.add_xm4()
        self.connect(XM4)
        self.mock.QueueOutcome(XM4, 'Disconnect', 'org.bluez.Error.Failed', 'Scripted', dbus.UInt32(0), sv({}))
        self.mock.QueueOutcome(XM4, 'Connect', 'org.bluez.Error.Failed', 'br-connection-key-missing',
                               dbus.UInt32(0), sv({'Paired': False}))
        device = self.proxy(XM4, DEVICE)
        self.assertDBusError('org.bluez.Error.Failed', device.Disconnect, message='Scripted')
        self.assertTrue(self.props(XM4)['Connected'])
        device.Disconnect()
        self.assertFalse(self.props(XM4)['Connected'])
        mark = self.mark()
        self.assertDBusError('org.bluez.Error.Failed', device.Connect, message='br-connection-key-missing')
        self.sync()
        self.assertEqual(self.device_events(XM4, mark), [('changed', DEVICE, {'Paired': False}, [])],
                         'an error outcome sets its properties before the reply')
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.QueueOutcome, XM4, 'Trust', '', '',
                             dbus.UInt32(0), sv({}))

    # ------------------------------------------------------------------- drops

    def test_disconnect_sends_reason_between_property_changes(self):
        self.add_xm4()
        self.connect(XM4)
        mark = self.mark()
        done = self.finish(self.call_async(self.proxy(XM4, DEVICE).Disconnect), 'Disconnect')
        self.assertIsNone(done['error'])
        events = self.device_events(XM4, mark)
        self.assertEqual(done['signals_before'] - mark, len(events))
        self.assertEqual(events, [
            ('changed', DEVICE, {'ServicesResolved': False}, []),
            ('Disconnected', 'org.bluez.Reason.Local', 'Connection terminated by local host'),
            ('changed', DEVICE, {'Connected': False}, []),
        ])
        self.assertEqual([s[0] for s in self.events(mark, XM4, 'Disconnected')], [DEVICE])
        self.proxy(XM4, DEVICE).Disconnect()    # no link: still fine, as in bluetoothd

    def test_drops_with_every_reason_and_without_the_signal(self):
        self.add_xm4()
        for reason, message in [('org.bluez.Reason.Timeout', 'Connection timeout'),
                                ('org.bluez.Reason.Remote', 'Connection terminated by remote user'),
                                ('org.bluez.Reason.Authentication',
                                 'Connection terminated due to authentication failure'),
                                ('org.bluez.Reason.Suspend', 'Connection terminated by local host for suspend'),
                                ('org.bluez.Reason.Local', 'Connection terminated by local host'),
                                ('org.bluez.Reason.Unknown', 'Unspecified')]:
            self.connect(XM4)
            mark = self.mark()
            self.mock.DropConnection(XM4, reason, '', True)
            self.wait_for(lambda: len(self.device_events(XM4, mark)) == 3, reason)
            self.assertEqual(self.device_events(XM4, mark), [
                ('changed', DEVICE, {'ServicesResolved': False}, []),
                ('Disconnected', reason, message),
                ('changed', DEVICE, {'Connected': False}, []),
            ])
        self.connect(XM4)
        self.mock.DropConnection(XM4, 'org.bluez.Reason.Timeout', 'Link supervision timeout', True)
        self.wait_for(lambda: self.events(member='Disconnected')[-1][3][1] == 'Link supervision timeout', 'message')
        self.connect(XM4)
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.DropConnection,
                             XM4, 'org.bluez.Reason.LocalSuspend', '', True)
        mark = self.mark()
        self.mock.DropConnection(XM4, '', '', False)
        self.wait_for(lambda: self.device_events(XM4, mark), 'the drop without the signal')
        self.sync()
        self.assertEqual(self.device_events(XM4, mark),
                         [('changed', DEVICE, {'ServicesResolved': False, 'Connected': False}, [])],
                         'older bluetoothd: both in one PropertiesChanged, no Disconnected')
        self.assertDBusError('org.sonyctl.Mock.Error.NotConnected', self.mock.DropConnection, XM4, '', '', False)

    def test_older_bluez_sends_no_disconnected_signal(self):
        self.p_mock.terminate()
        self.p_mock.wait()
        self.start_mock({'disconnected_signal': False})
        self.add_xm4()
        self.connect(XM4)
        mark = self.mark()
        self.proxy(XM4, DEVICE).Disconnect()
        self.sync()
        self.assertEqual(self.device_events(XM4, mark),
                         [('changed', DEVICE, {'ServicesResolved': False, 'Connected': False}, [])])
        self.mock.SetDisconnectedSignal(True)
        self.connect(XM4)
        mark = self.mark()
        self.proxy(XM4, DEVICE).Disconnect()
        self.wait_for(lambda: self.events(mark, XM4, 'Disconnected'), 'Disconnected once switched on')

    def test_remote_connect_needs_no_call(self):
        self.add_xm4()
        mark = self.mark()
        self.mock.RemoteConnect(XM4, sv({'UUIDs': dbus.Array([A2DP_SINK], signature='s')}))
        self.wait_for(lambda: len(self.device_events(XM4, mark)) == 2, 'the reconnection')
        self.assertEqual(self.device_events(XM4, mark), [
            ('changed', DEVICE, {'Connected': True}, []),
            ('changed', DEVICE, {'UUIDs': [A2DP_SINK], 'ServicesResolved': True}, []),
        ])
        self.assertEqual(self.mock.GetMethodCalls('Connect', dbus_interface='org.freedesktop.DBus.Mock'), [])

    # ------------------------------------------------------------------ removal

    def test_remove_device_disconnects_then_removes_every_interface(self):
        self.add_xm4()
        self.mock.SetBattery(XM4, dbus.Byte(60))
        self.connect(XM4)
        adapter = self.proxy(HCI0, ADAPTER)
        mark = self.mark()
        removed = self.finish(self.call_async(adapter.RemoveDevice, dbus.ObjectPath(XM4)), 'RemoveDevice')
        self.assertIsNone(removed['error'])
        events = self.device_events(XM4, mark)
        self.assertEqual(removed['signals_before'] - mark, len(events))
        self.assertEqual(events, [
            ('changed', DEVICE, {'ServicesResolved': False}, []),
            ('Disconnected', 'org.bluez.Reason.Local', 'Connection terminated by local host'),
            ('changed', DEVICE, {'Connected': False}, []),
            ('InterfacesRemoved', [BATTERY, DEVICE, 'org.freedesktop.DBus.Introspectable',
                                   'org.freedesktop.DBus.Properties']),
        ])
        self.assertNotIn(XM4, self.managed())
        self.assertDBusError('org.bluez.Error.DoesNotExist', adapter.RemoveDevice, dbus.ObjectPath(XM4),
                             message='Does Not Exist')

    def test_remove_adapter_takes_its_devices(self):
        self.add_xm4()
        twin = self.mock.AddLETwin(XM4, 'C0:11:22:33:44:55', sv({}))
        mark = self.mark()
        self.bluez_mock.RemoveAdapter('hci0')
        self.wait_for(lambda: any(str(s[3][0]) == HCI0 for s in self.events(mark, member='InterfacesRemoved')),
                      'the adapter to go')
        gone = [str(s[3][0]) for s in self.events(mark, member='InterfacesRemoved')]
        self.assertEqual(sorted(gone[:2]), sorted([XM4, str(twin)]))
        self.assertEqual(gone[2:], [HCI0])
        self.assertEqual([p for p in self.managed() if p.startswith(HCI0)], [])

    # ------------------------------------------------------ properties, floods

    def test_set_and_invalidate_any_property(self):
        self.add_xm4()
        mark = self.mark()
        self.mock.SetProperties(XM4, DEVICE, sv({'RSSI': -30, 'Modalias': 'usb:v054Cp0D58d0301'}))
        self.mock.InvalidateProperties(XM4, DEVICE, ['RSSI'])
        self.mock.SetProperties(HCI0, ADAPTER, sv({'Name': 'renamed'}))
        self.wait_for(lambda: len(self.events(mark, member='PropertiesChanged')) == 3, 'three changes')
        self.assertEqual(self.device_events(XM4, mark), [
            ('changed', DEVICE, {'RSSI': -30, 'Modalias': 'usb:v054Cp0D58d0301'}, []),
            ('changed', DEVICE, {}, ['RSSI']),
        ])
        self.assertIsInstance(self.events(mark, XM4)[0][3][1]['RSSI'], dbus.Int16, 'typed as BlueZ types it')
        self.assertNotIn('RSSI', self.props(XM4))
        self.assertEqual(self.props(HCI0, ADAPTER)['Name'], 'renamed')
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.SetProperties,
                             XM4, DEVICE, sv({'Class': 'headset'}))
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.mock.SetProperties,
                             XM4, BATTERY, sv({'Percentage': dbus.Byte(1)}))

    def test_flood_rssi_sends_count_changes_in_one_call(self):
        self.add_xm4()
        mark = self.mark()
        self.mock.FloodRSSI(XM4, dbus.UInt32(2000))
        self.wait_for(lambda: len(self.events(mark, XM4, 'PropertiesChanged')) >= 2000, '2000 changes', timeout=30)
        self.sync()
        floods = self.events(mark, XM4, 'PropertiesChanged')
        self.assertEqual(len(floods), 2000)
        self.assertTrue(all(list(s[3][1]) == ['RSSI'] for s in floods))
        self.assertEqual(self.props(XM4)['RSSI'], floods[-1][3][1]['RSSI'])

    def test_properties_set_follows_bluez_rules(self):
        self.add_xm4(Trusted=False)
        props = self.proxy(XM4, PROPS)
        mark = self.mark()
        props.Set(DEVICE, 'Trusted', True)
        props.Set(DEVICE, 'Trusted', True)      # unchanged: no second announcement
        props.Set(DEVICE, 'Alias', 'My headphones')
        props.Set(DEVICE, 'Alias', '')          # back to the name
        self.sync()
        self.assertEqual(self.device_events(XM4, mark), [
            ('changed', DEVICE, {'Trusted': True}, []),
            ('changed', DEVICE, {'Alias': 'My headphones'}, []),
            ('changed', DEVICE, {'Alias': 'WH-1000XM4'}, []),
        ])
        self.assertDBusError('org.freedesktop.DBus.Error.PropertyReadOnly', props.Set, DEVICE, 'Connected', True)
        self.assertDBusError('org.freedesktop.DBus.Error.PropertyReadOnly', props.Set, DEVICE, 'Paired', True)
        self.assertDBusError('org.freedesktop.DBus.Error.UnknownProperty', props.Set, DEVICE, 'Bogus', True)
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidSignature', props.Set, DEVICE, 'Trusted', 'yes')

    def test_power_off_ends_discovery_and_links(self):
        self.add_xm4()
        self.connect(XM4)
        adapter = self.proxy(HCI0, ADAPTER)
        adapter.StartDiscovery()
        mark = self.mark()
        self.proxy(HCI0, PROPS).Set(ADAPTER, 'Powered', False)
        self.wait_for(lambda: any(e[2] == {'Powered': False} for e in self.device_events(HCI0, mark)
                                  if e[0] == 'changed'), 'Powered false')
        self.assertEqual([e[2] for e in self.device_events(HCI0, mark)], [{'Discovering': False}, {'Powered': False}])
        self.assertEqual(self.device_events(XM4, mark)[1][:2], ('Disconnected', 'org.bluez.Reason.Local'))
        self.assertDBusError('org.bluez.Error.NotReady', adapter.StartDiscovery)
        self.assertDBusError('org.bluez.Error.NotReady', self.proxy(XM4, DEVICE).Connect,
                             message='br-connection-adapter-not-powered')

    # ------------------------------------------------------------------- agents

    def test_agents_are_kept_per_client_and_default_requests_recorded(self):
        manager = self.proxy('/org/bluez', 'org.bluez.AgentManager1')
        me = self.bus.get_unique_name()
        manager.RegisterAgent(dbus.ObjectPath('/org/sonyctl/agent'), 'NoInputNoOutput')
        self.assertEqual([tuple(a) for a in self.mock.GetAgents()], [(me, '/org/sonyctl/agent', 'NoInputNoOutput', False)])
        self.assertEqual(self.mock.GetDefaultAgentRequests(), [], 'registering is not asking to be default')
        self.assertDBusError('org.bluez.Error.AlreadyExists', manager.RegisterAgent,
                             dbus.ObjectPath('/org/sonyctl/agent2'), 'NoInputNoOutput')
        desktop_bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
        desktop = dbus.Interface(desktop_bus.get_object('org.bluez', '/org/bluez'), 'org.bluez.AgentManager1')
        self.assertDBusError('org.bluez.Error.InvalidArguments', desktop.RegisterAgent,
                             dbus.ObjectPath('/desktop/agent'), 'Telepathy')
        desktop.RegisterAgent(dbus.ObjectPath('/org/sonyctl/agent'), '')   # same path, other client: fine
        desktop.RequestDefaultAgent(dbus.ObjectPath('/org/sonyctl/agent'))
        agents = {a[0]: (str(a[1]), str(a[2]), bool(a[3])) for a in self.mock.GetAgents()}
        self.assertEqual(agents[desktop_bus.get_unique_name()], ('/org/sonyctl/agent', '', True))
        self.assertEqual(agents[me], ('/org/sonyctl/agent', 'NoInputNoOutput', False))
        self.assertEqual([tuple(r) for r in self.mock.GetDefaultAgentRequests()],
                         [(desktop_bus.get_unique_name(), '/org/sonyctl/agent')])
        self.assertDBusError('org.bluez.Error.DoesNotExist', manager.UnregisterAgent, dbus.ObjectPath('/elsewhere'))
        desktop_bus.close()
        self.wait_for(lambda: len(self.mock.GetAgents()) == 1, 'the departed client\'s agent to go')
        manager.UnregisterAgent(dbus.ObjectPath('/org/sonyctl/agent'))
        self.assertEqual(self.mock.GetAgents(), [])
        self.assertDBusError('org.bluez.Error.DoesNotExist', manager.RequestDefaultAgent,
                             dbus.ObjectPath('/org/sonyctl/agent'))
        self.assertEqual(len(self.mock.GetDefaultAgentRequests()), 2, 'refused requests are recorded too')
        calls = self.bus.get_object('org.bluez', '/org/bluez').GetMethodCalls(
            'RequestDefaultAgent', dbus_interface='org.freedesktop.DBus.Mock')
        self.assertEqual(len(calls), 2, 'and logged where dbusmock logs calls')


if __name__ == '__main__':
    unittest.main()
