// cli-floor: the least a Swift command-line tool can do for `sonyctl list`'s
// question, linked as sonyctl is: connect, one blocking GetManagedObjects, print
// how many objects came back. scripts/bench-cli.sh sets it beside sonyctl and
// dbus-send, so the benchmark shows what the platform itself costs.
import CDBus
#if canImport(Glibc)
import Glibc
#endif

var error = DBusError()
dbus_error_init(&error)
guard let bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, &error) else { exit(5) }
let call = dbus_message_new_method_call(
    "org.sonyctl.Daemon1", "/org/sonyctl/Daemon1", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
guard let reply = dbus_connection_send_with_reply_and_block(bus, call, 5000, &error) else { exit(1) }
var iter = DBusMessageIter()
var objects = DBusMessageIter()
dbus_message_iter_init(reply, &iter)
dbus_message_iter_recurse(&iter, &objects)
var count = 0
while dbus_message_iter_get_arg_type(&objects) != 0 {
    count += 1
    dbus_message_iter_next(&objects)
}
print("\(count) objects")
