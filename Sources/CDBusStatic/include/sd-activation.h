#pragma once
/* The two libsystemd functions libdbus-1.a refers to (see systemd-activation.c),
 * with the prototypes of <systemd/sd-daemon.h>. */
int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);
