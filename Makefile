# Builds and installs sonyctl where a distribution keeps each part.
# make install DESTDIR=/tmp/pkg PREFIX=/usr
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
BIN := $(shell swift build -c release --show-bin-path 2>/dev/null)
# What `make install` generates from sonyctl's own parser.
GENERATED := .build/generated

.PHONY: all test test-bluez bench demo docs install install-layout

all:
	swift build -c release --product sonyctld
	swift build -c release --product sonyctl
	swift build -c release --product sonyctl-cli

test:
	./scripts/test.sh

# sonyctld against the real bluetoothd in a QEMU guest (Tests/BlueZVM/README.md).
test-bluez:
	./Tests/BlueZVM/run.sh

bench:
	./scripts/bench-dbus.sh
	./scripts/bench-mirror.sh
	./scripts/bench-cli.sh
	./scripts/bench-link.sh

# sonyctl on a machine with no Bluetooth: a private bus, the simulated BlueZ, sonyctld, a short tour.
demo:
	./scripts/demo.sh

# The man page and the bash, zsh and fish completions, from the parser itself
# (sonyctl-cli's, reached through the front as users reach it).
docs: all
	./scripts/generate-docs.sh $(BIN)/sonyctl $(GENERATED)

# The front finds the full tool from where it is itself: $(BINDIR)/sonyctl
# looks for ../libexec/sonyctl/sonyctl-cli, so LIBEXECDIR cannot move alone.
install-layout:
	@[ "$(abspath $(LIBEXECDIR))" = "$(abspath $(BINDIR)/../libexec)" ] || { \
		echo "LIBEXECDIR ($(LIBEXECDIR)) must be BINDIR/../libexec ($(abspath $(BINDIR)/../libexec)):" \
			"the sonyctl front looks for its full tool, sonyctl-cli, in libexec/sonyctl/ beside bin/" >&2; false; }

install: install-layout all docs
	install -Dm755 $(BIN)/sonyctld $(DESTDIR)$(LIBEXECDIR)/sonyctld
	install -Dm755 $(BIN)/sonyctl $(DESTDIR)$(BINDIR)/sonyctl
	install -Dm755 $(BIN)/sonyctl-cli $(DESTDIR)$(LIBEXECDIR)/sonyctl/sonyctl-cli
	install -Dm644 $(GENERATED)/sonyctl.1 $(DESTDIR)$(MANDIR)/man1/sonyctl.1
	install -Dm644 $(GENERATED)/sonyctl.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/sonyctl
	install -Dm644 $(GENERATED)/_sonyctl $(DESTDIR)$(DATADIR)/zsh/vendor-completions/_sonyctl
	install -Dm644 $(GENERATED)/sonyctl.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/sonyctl.fish
	install -Dm644 config/models.yaml $(DESTDIR)$(DATADIR)/sonyctl/models.yaml
	# The operator's configuration is theirs: installed once, never overwritten.
	[ -e $(DESTDIR)$(SYSCONFDIR)/sonyctl/sonyctld.yaml ] || \
		install -Dm644 config/sonyctld.yaml $(DESTDIR)$(SYSCONFDIR)/sonyctl/sonyctld.yaml
	install -Dm644 config/dbus/org.sonyctl.Daemon1.xml $(DESTDIR)$(DATADIR)/dbus-1/interfaces/org.sonyctl.Daemon1.xml
	install -Dm644 config/dbus/org.sonyctl.Daemon1.conf $(DESTDIR)$(DATADIR)/dbus-1/system.d/org.sonyctl.Daemon1.conf
	sed 's|/usr/libexec/sonyctld|$(LIBEXECDIR)/sonyctld|' config/dbus/org.sonyctl.Daemon1.service \
		| install -Dm644 /dev/stdin $(DESTDIR)$(DATADIR)/dbus-1/system-services/org.sonyctl.Daemon1.service
	install -Dm644 config/polkit/org.sonyctl.policy $(DESTDIR)$(DATADIR)/polkit-1/actions/org.sonyctl.policy
	sed 's|/usr/libexec/sonyctld|$(LIBEXECDIR)/sonyctld|' systemd/sonyctld.service \
		| install -Dm644 /dev/stdin $(DESTDIR)$(UNITDIR)/sonyctld.service
