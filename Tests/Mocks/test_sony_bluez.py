'''The simulated BlueZ's own tests: each flow sonyctl relies on, seen by a
dbus-python client on a private system bus.'''

import os
import subprocess
import unittest

import dbus
import dbus.mainloop.glib
import dbusmock
from gi.repository import GLib

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'sony_bluez.py')
DEV = '/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01'
A2DP_SINK = '0000110b-0000-1000-8000-00805f9b34fb'

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)


class SonyBluezTest(dbusmock.DBusTestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_system_bus()
        cls.dbus_con = cls.get_dbus(system_bus=True)

    def setUp(self):
        self.p_mock, self.obj = self.spawn_server_template(TEMPLATE, {}, stdout=subprocess.DEVNULL)
        self.mock = dbus.Interface(self.obj, 'org.sonyctl.Mock')
        dbus.Interface(self.obj, 'org.bluez.Mock').AddAdapter('hci0', 'test')
        self.signals = []
        self.dbus_con.add_signal_receiver(
            lambda *args, **kw: self.signals.append((kw['member'], kw['path'], args)),
            sender_keyword='sender', member_keyword='member', path_keyword='path', bus_name='org.bluez')

    def tearDown(self):
        self.p_mock.terminate()
        self.p_mock.wait()

    def wait_for(self, predicate, what, timeout_ms=5000):
        loop = GLib.MainLoop()
        deadline = GLib.get_monotonic_time() + timeout_ms * 1000

        def check():
            if predicate() or GLib.get_monotonic_time() > deadline:
                loop.quit()
                return False
            return True
        GLib.timeout_add(10, check)
        loop.run()
        self.assertTrue(predicate(), 'timed out waiting for ' + what)

    def props(self, path, iface='org.bluez.Device1'):
        return self.dbus_con.get_object('org.bluez', path).GetAll(iface, dbus_interface=dbus.PROPERTIES_IFACE)

    def add_xm4(self):
        return self.mock.AddSonyDevice('hci0', 'AA:BB:CC:DD:EE:01', 'WH-1000XM4', dbus.Dictionary({
            'Modalias': 'usb:v054Cp0D58d0301',
            'UUIDs': dbus.Array(['96CC203E-5068-46AD-B32D-E316F5E069BA', A2DP_SINK], signature='s'),
            'Class': dbus.UInt32(0x240404),
            'ManufacturerData': dbus.Dictionary({dbus.UInt16(0x012D): dbus.Array([4, 0], signature='y')}, signature='qv'),
        }, signature='sv'))

    def test_sony_properties_have_bluez_types(self):
        self.assertEqual(self.add_xm4(), DEV)
        props = self.props(DEV)
        self.assertEqual(props['Modalias'], 'usb:v054Cp0D58d0301')
        self.assertIn(A2DP_SINK, props['UUIDs'])
        self.assertIsInstance(props['Class'], dbus.UInt32)
        self.assertIn(0x012D, props['ManufacturerData'])
        out = subprocess.run(['bluetoothctl', 'devices'], capture_output=True, text=True, timeout=10,
                             env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=os.environ['DBUS_SYSTEM_BUS_ADDRESS']))
        self.assertIn('AA:BB:CC:DD:EE:01 WH-1000XM4', out.stdout)

    def test_battery_appears_then_changes(self):
        self.add_xm4()
        self.mock.SetBattery(DEV, dbus.Byte(80))
        self.wait_for(lambda: any(s[0] == 'InterfacesAdded' and s[2][0] == DEV and 'org.bluez.Battery1' in s[2][1]
                                  for s in self.signals), 'Battery1 added')
        self.mock.SetBattery(DEV, dbus.Byte(15))
        self.assertEqual(self.props(DEV, 'org.bluez.Battery1')['Percentage'], 15)

    def test_pairing_mode_device_appears_only_while_discovering(self):
        self.mock.AddDeviceInPairingMode('hci0', 'AA:BB:CC:DD:EE:02', 'WF-1000XM5', dbus.Dictionary({}, signature='sv'), dbus.UInt32(50))
        objects = dbus.Interface(self.obj, 'org.freedesktop.DBus.ObjectManager').GetManagedObjects()
        self.assertNotIn('/org/bluez/hci0/dev_AA_BB_CC_DD_EE_02', objects)
        adapter = dbus.Interface(self.dbus_con.get_object('org.bluez', '/org/bluez/hci0'), 'org.bluez.Adapter1')
        adapter.SetDiscoveryFilter(dbus.Dictionary({'Transport': 'bredr', 'Pattern': 'AA:BB:CC:DD:EE:02'}, signature='sv'))
        adapter.StartDiscovery()
        self.wait_for(lambda: any(s[0] == 'InterfacesAdded' and s[2][0] == '/org/bluez/hci0/dev_AA_BB_CC_DD_EE_02'
                                  for s in self.signals), 'the headset in pairing mode')
        self.assertEqual(self.props('/org/bluez/hci0', 'org.bluez.Adapter1')['DiscoveryFilter']['Pattern'], 'AA:BB:CC:DD:EE:02')

    def test_scripted_pair_and_connect(self):
        self.add_xm4()
        self.mock.ScriptOutcomes(DEV, 'Pair', dbus.Array([('org.bluez.Error.AuthenticationFailed', 'Authentication Failed'), ('', '')], signature='(ss)'))
        self.mock.ScriptOutcomes(DEV, 'Connect', dbus.Array([('org.bluez.Error.Failed', 'br-connection-page-timeout')], signature='(ss)'))
        device = dbus.Interface(self.dbus_con.get_object('org.bluez', DEV), 'org.bluez.Device1')
        with self.assertRaises(dbus.exceptions.DBusException) as err:
            device.Pair()
        self.assertEqual(err.exception.get_dbus_name(), 'org.bluez.Error.AuthenticationFailed')
        device.Pair()
        self.assertTrue(self.props(DEV)['Paired'])
        with self.assertRaises(dbus.exceptions.DBusException) as err:
            device.Connect()
        self.assertEqual(err.exception.get_dbus_message(), 'br-connection-page-timeout')
        device.Connect()
        props = self.props(DEV)
        self.assertTrue(props['Connected'] and props['ServicesResolved'])

    def test_drop_with_and_without_the_disconnected_signal(self):
        self.add_xm4()
        device = dbus.Interface(self.dbus_con.get_object('org.bluez', DEV), 'org.bluez.Device1')
        device.Connect()
        self.mock.DropConnection(DEV, 'org.bluez.Reason.Timeout', 'Connection timeout', True)
        self.wait_for(lambda: any(s[0] == 'Disconnected' and s[1] == DEV for s in self.signals), 'Disconnected')
        self.assertFalse(self.props(DEV)['Connected'])
        device.Connect()
        before = len([s for s in self.signals if s[0] == 'Disconnected'])
        self.mock.DropConnection(DEV, '', '', False)
        self.wait_for(lambda: not self.props(DEV)['Connected'], 'the second drop')
        self.assertEqual(len([s for s in self.signals if s[0] == 'Disconnected']), before)


if __name__ == '__main__':
    unittest.main()
