# Builds and installs sonyctl where a distribution keeps each part.
# make install DESTDIR=/tmp/pkg PREFIX=/usr
PREFIX ?= /usr/local
DESTDIR ?=
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
BIN := $(shell swift build -c release --show-bin-path 2>/dev/null)

.PHONY: all test test-bluez bench install

all:
	swift build -c release --product sonyctld

test:
	./scripts/test.sh

# sonyctld against the real bluetoothd in a QEMU guest (Tests/BlueZVM/README.md).
test-bluez:
	./Tests/BlueZVM/run.sh

bench:
	./scripts/bench-dbus.sh
	./scripts/bench-mirror.sh

install: all
	install -Dm755 $(BIN)/sonyctld $(DESTDIR)$(LIBEXECDIR)/sonyctld
	install -Dm644 config/models.yaml $(DESTDIR)$(DATADIR)/sonyctl/models.yaml
	install -Dm644 config/dbus/org.sonyctl.Daemon1.xml $(DESTDIR)$(DATADIR)/dbus-1/interfaces/org.sonyctl.Daemon1.xml
	install -Dm644 config/dbus/org.sonyctl.Daemon1.conf $(DESTDIR)$(DATADIR)/dbus-1/system.d/org.sonyctl.Daemon1.conf
	sed 's|/usr/libexec/sonyctld|$(LIBEXECDIR)/sonyctld|' config/dbus/org.sonyctl.Daemon1.service \
		| install -Dm644 /dev/stdin $(DESTDIR)$(DATADIR)/dbus-1/system-services/org.sonyctl.Daemon1.service
	install -Dm644 config/polkit/org.sonyctl.policy $(DESTDIR)$(DATADIR)/polkit-1/actions/org.sonyctl.policy
	sed 's|/usr/libexec/sonyctld|$(LIBEXECDIR)/sonyctld|' systemd/sonyctld.service \
		| install -Dm644 /dev/stdin $(DESTDIR)$(UNITDIR)/sonyctld.service
