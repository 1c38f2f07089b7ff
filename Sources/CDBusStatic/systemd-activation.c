/* Linked only into the executables that take libdbus from libdbus-1.a: the
 * static `sonyctl`, `sonyctl-cli` and cli-floor (Package.swift, `staticClient`).
 *
 * libdbus-1.a's dbus-sysdeps-unix.o refers to two libsystemd functions, from
 * _dbus_listen_systemd_sockets: the socket activation of a bus *server*
 * (dbus-daemon). A client never calls it, but the object file is one piece,
 * so the link needs the two names, and Debian ships no libsystemd.a.
 *
 * So they are defined here with libsystemd's answer for a process that was not
 * socket-activated: no file descriptors were passed (sd_listen_fds(3) returns
 * 0), and none is a socket. Should a caller ever reach them, it falls back to
 * its own sockets, as it would when started by hand. */

#include "sd-activation.h"

int sd_listen_fds(int unset_environment) {
    (void)unset_environment;
    return 0;
}

int sd_is_socket(int fd, int family, int type, int listening) {
    (void)fd;
    (void)family;
    (void)type;
    (void)listening;
    return 0;
}
