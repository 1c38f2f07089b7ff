#!/usr/bin/python3
"""driver.py SECONDS OUT_JSON - the soak's chaos, against sonyctld on $DBUS_SYSTEM_BUS_ADDRESS.

Owns the simulated bluetoothd (Tests/Mocks/sony_bluez.py, set up by demo-world.py: hci0
with a connected WH-1000XM4, paired WF-1000XM5 earbuds and a JBL) and for SECONDS does,
in a seeded random order after one of each: flaps (drops with and without
Device1.Disconnected, reconnects, battery), RSSI storms, the earbuds connecting and
dropping, forgets (and the earbuds paired again), repairs (waited for; the caller
dropping off mid-call; cancelled; timed out; bluetoothd killed under them), bluetoothd
killed (TERM or KILL) and restarted, a second adapter with a WH-1000XM5 unplugged and
plugged back, and clients that call and leave before the answer.

It keeps a model of what sonyctld must record: each connect and drop the daemon can see
(its rule: a row whenever BlueZ's Connected differs from what it recorded, whatever the
cause, bluetoothd leaving and a device removed included), each forget, each repair's
start and end. At the end it reads every device's history back through GetHistory and
writes both, with every repair's outcome and time, to OUT_JSON for verdict.py.

SOAK_SEED picks the order (default 8); SOAK_SLOW multiplies every wait (sanitizers);
SOAK_ONLY=flap,repair,... keeps only those actions."""
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import dbus
import dbus.lowlevel

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location('demo_world', os.path.join(ROOT, 'scripts', 'demo-world.py'))
world = importlib.util.module_from_spec(spec)
spec.loader.exec_module(world)

SECONDS = float(sys.argv[1])
OUT = sys.argv[2]
SLOW = float(os.environ.get('SOAK_SLOW', '1'))
BIN = os.environ['BIN']
rng = random.Random(int(os.environ.get('SOAK_SEED', '8')))

XM4, XM5 = world.XM4, world.XM5
XM5B = 'AC:80:0A:99:88:77'          # the WH-1000XM5 on the second adapter
XM5B_PROPS = {'Modalias': 'usb:v054Cp0DF0d0100', 'Class': dbus.UInt32(0x240404),
              'UUIDs': world.XM4_PROPS['UUIDs'][:2]}
LINKED = {'Paired': True, 'Trusted': True, 'Connected': True, 'ServicesResolved': True}
REASONS = ['org.bluez.Reason.Timeout', 'org.bluez.Reason.Remote', 'org.bluez.Reason.Unknown']
DAEMON = 'org.sonyctl.Daemon1'
DEVICE_IFACE = 'org.sonyctl.Daemon1.Device'
ENDED = ('repair-succeeded', 'repair-failed', 'repair-cancelled')


def bluez_path(address, adapter='hci0'):
    return f'/org/bluez/{adapter}/dev_' + address.replace(':', '_')


def sony_path(address):
    return '/org/sonyctl/Daemon1/devices/dev_' + address.replace(':', '_')


bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
expected = Counter()                 # (address, kind) -> rows the daemon must have
up = {XM4: False, XM5: False, XM5B: False}
present = {XM4: False, XM5: False, XM5B: False}
counts = Counter()
repairs = []                         # one dict per repair
problems = []                        # what went wrong on the driver's side
bluez = None


def link(address, now_up):
    """The daemon sees this device's link go up or down: one row."""
    if up[address] != now_up:
        expected[(address, 'connected' if now_up else 'disconnected')] += 1
        up[address] = now_up


def gone(address):
    link(address, False)
    present[address] = False


def bluez_has(address):
    try:
        world.bus.get_object('org.bluez', bluez_path(address), introspect=False).Get(
            'org.bluez.Device1', 'Address', dbus_interface=dbus.PROPERTIES_IFACE)
        return True
    except dbus.DBusException:
        return False


def daemon_call(address, member, *args, timeout=30):
    obj = bus.get_object(DAEMON, sony_path(address), introspect=False)
    return obj.get_dbus_method(member, DEVICE_IFACE)(*args, timeout=timeout * SLOW)


def prop(address, name):
    obj = bus.get_object(DAEMON, sony_path(address), introspect=False)
    return obj.Get(DEVICE_IFACE, name, dbus_interface=dbus.PROPERTIES_IFACE, timeout=10 * SLOW)


def wait_for(check, what, limit):
    deadline = time.monotonic() + limit * SLOW
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except dbus.DBusException:
            pass
        time.sleep(0.02)
    problems.append(f'timed out waiting for {what}')
    return False


# --- bluetoothd ---------------------------------------------------------------

def start_bluez():
    global bluez
    bluez = subprocess.Popen([sys.executable, '-m', 'dbusmock', '--system', '--template',
                              os.path.join(ROOT, 'Tests', 'Mocks', 'sony_bluez.py')],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    world.connect()
    world.setup()
    present[XM4] = present[XM5] = True
    link(XM4, True)
    counts['bluez_starts'] += 1


def kill_bluez():
    sig = rng.choice([signal.SIGTERM, signal.SIGKILL])
    bluez.send_signal(sig)
    bluez.wait()
    wait_for(lambda: not bus.name_has_owner('org.bluez'), 'org.bluez to leave', 10)
    # The daemon records the links bluetoothd took with it; the objects are gone.
    for address in up:
        gone(address)
    counts['bluez_kills'] += 1


def restart_bluez():
    kill_bluez()
    time.sleep(rng.uniform(0.1, 1.5))
    start_bluez()
    counts['bluez_restarts'] += 1


# --- the headsets -------------------------------------------------------------

def flap():
    if not up[XM4]:
        return
    reason = rng.choice(REASONS)
    world.sony.DropConnection(bluez_path(XM4), reason, '', rng.random() < 0.8)
    link(XM4, False)
    time.sleep(rng.uniform(0, 0.4))
    world.sony.RemoteConnect(bluez_path(XM4), {})
    link(XM4, True)
    if rng.random() < 0.3:
        world.sony.SetBattery(bluez_path(XM4), dbus.Byte(rng.randint(5, 100)))
    counts['flaps'] += 1


def storm():
    for address in (XM4, XM5):
        if present[address]:
            n = rng.randint(200, 3000)
            world.sony.FloodRSSI(bluez_path(address), dbus.UInt32(n))
            counts['rssi_signals'] += n
    counts['storms'] += 1


def earbuds():
    if not present[XM5]:
        world.sony.AddSonyDevice('hci0', XM5, 'WF-1000XM5', dict(world.XM5_PROPS, Paired=True, Trusted=True))
        present[XM5] = True
        counts['earbuds_paired_again'] += 1
    elif up[XM5]:
        world.sony.DropConnection(bluez_path(XM5), rng.choice(REASONS), '', True)
        link(XM5, False)
    else:
        world.sony.RemoteConnect(bluez_path(XM5), {})
        link(XM5, True)


def forget():
    if not present[XM5]:
        return earbuds()
    daemon_call(XM5, 'Forget')
    expected[(XM5, 'forgotten')] += 1
    gone(XM5)
    counts['forgets'] += 1


def second_adapter():
    if present[XM5B]:
        world.bus.get_object('org.bluez', '/').RemoveAdapter('hci1', dbus_interface='org.bluez.Mock')
        gone(XM5B)
        counts['adapters_removed'] += 1
    else:
        world.bus.get_object('org.bluez', '/').AddAdapter('hci1', 'soak', dbus_interface='org.bluez.Mock')
        world.sony.AddSonyDevice('hci1', XM5B, 'WH-1000XM5', dict(XM5B_PROPS, **LINKED))
        present[XM5B] = True
        link(XM5B, True)
        counts['adapters_added'] += 1


# --- repairs --------------------------------------------------------------------

def repair_caller(timeout):
    """A client waiting for Repair's reply (gdbus, a real client), started now."""
    return subprocess.Popen(
        ['gdbus', 'call', '--system', '--dest', DAEMON, '--object-path', sony_path(XM4),
         '--method', DEVICE_IFACE + '.Repair', "{'Timeout': <uint32 %d>}" % timeout, '--timeout', str(int(90 * SLOW))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def history_kinds(since_us):
    return [str(kind) for _, kind, _ in daemon_call(XM4, 'GetHistory', dbus.UInt64(since_us), dbus.UInt32(0))]


def ended_rows(since_us):
    return [kind for kind in history_kinds(since_us) if kind in ENDED]


def repair():
    if not (present[XM4] and up[XM4]):
        return
    variant = rng.choices(['waited', 'caller-left', 'cancelled', 'timed-out', 'bluetoothd-killed'],
                          weights=[40, 20, 15, 15, 10])[0]
    start_us = int(time.time() * 1e6)
    start = time.monotonic()
    appears = variant in ('waited', 'caller-left')
    if appears:
        world.sony.AddDeviceInPairingMode('hci0', XM4, 'WH-1000XM4', world.XM4_PROPS, dbus.UInt32(rng.randint(50, 800)))
    caller = repair_caller(1 if variant == 'timed-out' else 30)
    expected[(XM4, 'repair-started')] += 1
    record = {'variant': variant}
    if variant == 'caller-left':
        # Gone mid-call, not before calling: once the daemon has the call (the job started).
        wait_for(lambda: 'repair-started' in history_kinds(start_us), 'the repair to start', 20)
        time.sleep(rng.uniform(0, 0.3))
        caller.kill()
    elif variant in ('cancelled', 'bluetoothd-killed'):
        wait_for(lambda: str(prop(XM4, 'RepairState')) == 'waiting-for-device', 'the repair to wait for the device', 20)
        if variant == 'cancelled':
            daemon_call(XM4, 'CancelRepair')
        else:
            kill_bluez()
    try:
        out, err = caller.communicate(timeout=60 * SLOW)
    except subprocess.TimeoutExpired:
        caller.kill()
        out, err = caller.communicate()
        record['stuck'] = True
    # Whoever asked, the job ends and says so in the history.
    if not wait_for(lambda: ended_rows(start_us), 'the repair to end in the history', 60):
        record['stuck'] = True
    record['seconds'] = round(time.monotonic() - start, 2)
    record['reply'] = 'success' if caller.returncode == 0 else (err.strip().split(':')[2].strip() if err.count(':') >= 2 else err.strip())
    ended = ended_rows(start_us)
    record['ended'] = ended[-1] if ended else None
    want = {'waited': 'repair-succeeded', 'caller-left': 'repair-succeeded', 'cancelled': 'repair-cancelled',
            'timed-out': 'repair-failed', 'bluetoothd-killed': 'repair-failed'}[variant]
    expected[(XM4, want)] += 1
    if record['ended'] != want:
        problems.append(f'repair {variant} ended {record["ended"]}, not {want} ({record["reply"]})')
    repairs.append(record)
    counts['repairs'] += 1
    if variant == 'bluetoothd-killed':
        time.sleep(rng.uniform(0.1, 1.0))
        start_bluez()
        counts['bluez_restarts'] += 1
        return
    link(XM4, False)                 # the repair's forget took the link down
    if record['ended'] == 'repair-succeeded':
        link(XM4, True)
    else:
        # Forgotten and never found: the user pairs it again by hand.
        if bluez_has(XM4):
            problems.append(f'repair {variant}: BlueZ still has the device it should have forgotten')
            world.sony.RemoteConnect(bluez_path(XM4), {})
        else:
            world.sony.AddSonyDevice('hci0', XM4, 'WH-1000XM4', dict(world.XM4_PROPS, **LINKED))
        link(XM4, True)


# --- clients ------------------------------------------------------------------

def clients():
    """Callers that leave before the answer, and a few that wait for it."""
    address = os.environ['DBUS_SYSTEM_BUS_ADDRESS']
    # History as `sonyctl history` asks for it (the newest 100), not all of it: an answer
    # of every event costs memory in proportion to the history, which grows all through
    # a soak as it never does on a desk (RELIABILITY.md, Soak, has the figures).
    calls = [
        (sony_path(XM4), DEVICE_IFACE, 'GetHistory', 'tu', [dbus.UInt64(0), dbus.UInt32(rng.choice([1, 20, 100]))]),
        (sony_path(XM4), DEVICE_IFACE, 'Diagnose', '', []),
        ('/org/sonyctl/Daemon1', 'org.sonyctl.Daemon1', 'ResolveDevice', 's', ['WH-1000XM4']),
        ('/org/sonyctl/Daemon1', 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects', '', []),
        (sony_path(XM4), dbus.PROPERTIES_IFACE, 'GetAll', 's', [DEVICE_IFACE]),
        ('/org/sonyctl/Daemon1', 'org.freedesktop.DBus.Introspectable', 'Introspect', '', []),
    ]
    for _ in range(rng.randint(2, 6)):
        path, iface, member, sig, args = rng.choice(calls)
        leaver = dbus.bus.BusConnection(address)
        message = dbus.lowlevel.MethodCallMessage(DAEMON, path, iface, member)
        if sig:
            message.append(signature=sig, *args)
        leaver.send_message(message)
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0, 0.02))
        leaver.close()
        counts['calls_dropped'] += 1
    # The real client: a list that waits, a watch killed mid-stream.
    subprocess.run([os.path.join(BIN, 'sonyctl'), 'list'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=30 * SLOW)
    counts['lists'] += 1
    if rng.random() < 0.3:
        subprocess.run([os.path.join(BIN, 'sonyctl'), 'history', 'WH-1000XM4'], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30 * SLOW)
        counts['histories'] += 1
    if rng.random() < 0.3:
        watcher = subprocess.Popen([os.path.join(BIN, 'sonyctl'), 'watch'], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 1.0))
        watcher.kill()
        watcher.wait()
        counts['watches_killed'] += 1


ACTIONS = {'flap': (flap, 30), 'storm': (storm, 12), 'earbuds': (earbuds, 10), 'clients': (clients, 15),
           'forget': (forget, 6), 'repair': (repair, 12), 'bluetoothd': (restart_bluez, 4),
           'adapter': (second_adapter, 6)}


def main():
    start_bluez()
    end = time.monotonic() + SECONDS
    only = [n for n in os.environ.get('SOAK_ONLY', '').split(',') if n]
    names = only or list(ACTIONS)
    # Each at least once, the adapter both ways, a first round of repairs.
    order = [] if only else names + ['adapter', 'repair', 'repair', 'repair', 'repair']
    while time.monotonic() < end:
        name = order.pop(0) if order else rng.choices(names, weights=[ACTIONS[n][1] for n in names])[0]
        try:
            ACTIONS[name][0]()
        except (dbus.DBusException, subprocess.SubprocessError) as error:
            problems.append(f'{name}: {error}')
        counts['actions'] += 1
        time.sleep(rng.uniform(0.05, 0.4))
    # Every device ends connected or gone: let the last signals land, then read back.
    time.sleep(2 * SLOW)
    recorded = Counter()
    for address in up:
        try:
            rows = daemon_call(address, 'GetHistory', dbus.UInt64(0), dbus.UInt32(0), timeout=60)
        except dbus.DBusException as error:
            if error.get_dbus_name() != 'org.freedesktop.DBus.Error.UnknownObject':
                raise
            rows = []                # never seen (SOAK_ONLY left it out): nothing to record
        for _, kind, _ in rows:
            recorded[(address, str(kind))] += 1
    bluez.terminate()
    bluez.wait()
    json.dump({
        'expected': [[a, k, n] for (a, k), n in sorted(expected.items())],
        'recorded': [[a, k, n] for (a, k), n in sorted(recorded.items())],
        'repairs': repairs, 'counts': dict(counts), 'problems': problems,
    }, open(OUT, 'w'), indent=1)


if __name__ == '__main__':
    main()
