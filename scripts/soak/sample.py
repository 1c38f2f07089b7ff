#!/usr/bin/python3
"""sample.py PID INTERVAL CSV DATABASE - every INTERVAL seconds until SIGTERM (or PID is gone),
one CSV row of sonyctld's state: RSS (VmRSS), open fds, threads, its match rules on the
bus (org.freedesktop.DBus.Debug.Stats.GetConnectionStats), all match rules on the bus,
the pid that owns org.sonyctl.Daemon1 now, and the history's rows (sqlite3, read-only)."""
import os
import signal
import sqlite3
import sys
import time

import dbus

pid, interval, csv_path, database = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
driver = bus.get_object('org.freedesktop.DBus', '/org/freedesktop/DBus')
stats = dbus.Interface(driver, 'org.freedesktop.DBus.Debug.Stats')
dbus_iface = dbus.Interface(driver, 'org.freedesktop.DBus')
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def status(field):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return -1


def bus_figures():
    try:
        owner = dbus_iface.GetNameOwner('org.sonyctl.Daemon1')
        mine = int(stats.GetConnectionStats(owner)['MatchRules'])
        owner_pid = int(dbus_iface.GetConnectionUnixProcessID(owner))
    except dbus.DBusException:
        mine, owner_pid = -1, -1
    return mine, int(stats.GetStats()['MatchRules']), owner_pid


def rows():
    try:
        db = sqlite3.connect(f'file:{database}?mode=ro', uri=True, timeout=5)
        try:
            return db.execute('SELECT count(*) FROM events').fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


start = time.monotonic()


def sample(out):
    """One row; False once the process is gone."""
    try:
        fds = len(os.listdir(f'/proc/{pid}/fd'))
        rss, threads = status('VmRSS'), status('Threads')
    except FileNotFoundError:
        return False
    mine, total, owner_pid = bus_figures()
    out.write(f'{time.monotonic() - start:.1f},{rss},{fds},{threads},{mine},{total},{owner_pid},{rows()}\n')
    return True


with open(csv_path, 'w', buffering=1) as out:
    out.write('t_s,rss_kb,fds,threads,match_rules,bus_match_rules,owner_pid,history_rows\n')
    while running and sample(out):
        deadline = time.monotonic() + interval
        while running and time.monotonic() < deadline:
            time.sleep(0.1)
    # SIGTERM comes once the driver has finished: this last row is the daemon at rest.
    if not running:
        sample(out)
