'''polkit that decides by the subject it is asked about

python-dbusmock's polkitd template answers by action alone, so it cannot tell
whether a service asked about its caller or about itself. This one authorizes
org.sonyctl.manage only for the bus names given to AllowCaller() and keeps
every subject it was asked about for Subjects().
'''

import dbus

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.PolicyKit1'
MAIN_OBJ = '/org/freedesktop/PolicyKit1/Authority'
MAIN_IFACE = 'org.freedesktop.PolicyKit1.Authority'
SYSTEM_BUS = True


def load(mock, _parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({
        'BackendName': 'local',
        'BackendVersion': '0.8.15',
        'BackendFeatures': dbus.UInt32(1, variant_level=1),
    }, signature='sv'))
    mock.callers = set()
    mock.subjects = []


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})sa{ss}us', out_signature='(bba{ss})')
def CheckAuthorization(self, subject, action_id, _details, _flags, _cancellation_id):
    kind, fields = subject
    name = str(fields.get('name', '')) if kind == 'system-bus-name' else ''
    self.subjects.append(f'{kind}:{name}')
    return (action_id == 'org.sonyctl.manage' and name in self.callers, False, dbus.Dictionary({}, signature='ss'))


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def AllowCaller(self, name):
    '''Authorize org.sonyctl.manage for this bus name.'''
    self.callers.add(str(name))


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='as')
def Subjects(self):
    '''Every subject asked about, as kind:name, oldest first.'''
    return dbus.Array(self.subjects, signature='s')
