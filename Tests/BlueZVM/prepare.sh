#!/bin/sh
# Everything the real-bluetoothd tier needs on the host, made once and cached
# outside the repository ($SONYCTL_VM_CACHE, default /var/cache/sonyctl-bluez-vm):
#   - Debian packages: QEMU, busybox, btvirt (bluez-test-tools), bluez, dbus, python3-dbus;
#   - Debian's stock kernel, fetched with `apt-get download` (never installed), and a
#     small initramfs with busybox and the modules the guest needs;
#   - Bumble from PyPI in a venv, byte-compiled here because the guest sees it read-only.
#   - a one-line LD_PRELOAD shim for btvirt's event loop (epoll-one.c), built with gcc.
# Prints the shell assignments run.sh reads (KERNEL=, INITRD=, VENV=, EPOLL_SHIM=). Needs root
# (apt, and QEMU exporting / over 9p). Safe to run again: every step checks first.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${SONYCTL_VM_CACHE:-/var/cache/sonyctl-bluez-vm}
BUMBLE_VERSION=${BUMBLE_VERSION:-0.0.236}
mkdir -p "$CACHE"
log() { echo "prepare: $*" >&2; }

packages="qemu-system-x86 busybox-static cpio kmod bluez bluez-test-tools dbus dbus-daemon python3-dbus python3-gi python3-venv gcc libc6-dev"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
updated=""
if [ -n "$missing" ]; then
    log "installing:$missing"
    $SUDO apt-get update -qq
    updated=1
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The kernel: whatever linux-image-amd64 points at today, so security updates come along.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$kpkg" ] && [ -z "$updated" ]; then
    $SUDO apt-get update -qq
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
fi
[ -n "$kpkg" ] || { log "apt knows no linux-image-amd64"; exit 1; }
kv=${kpkg#linux-image-}
kernel="$CACHE/vmlinuz-$kv"
# The initramfs depends on the kernel and on our /init: a changed /init makes a new one.
ihash=$( (cat "$HERE/init" "$0"; echo "$kv") | sha256sum | cut -c1-12)
initrd="$CACHE/initrd-$kv-$ihash.img"
if [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then
    work="$CACHE/build-$kv"
    rm -rf "$work"; mkdir -p "$work"
    log "fetching $kpkg"
    (cd "$work" && apt-get download -q "$kpkg" >/dev/null 2>&1) || (cd "$work" && apt-get download "$kpkg")
    dpkg-deb -x "$work"/"$kpkg"_*.deb "$work/kroot"
    cp "$work/kroot/boot/vmlinuz-$kv" "$kernel.tmp" && mv "$kernel.tmp" "$kernel"
    md="$work/kroot/lib/modules/$kv"
    /sbin/depmod -b "$work/kroot" "$kv"
    R="$work/initrd"
    mkdir -p "$R/bin" "$R/sbin" "$R/proc" "$R/sys" "$R/dev" "$R/host" "$R/share" "$R/lib/modules/$kv"
    cp /bin/busybox "$R/bin/"
    for a in sh mount umount modprobe mkdir cat echo sleep poweroff chroot sed; do ln -sf busybox "$R/bin/$a"; done
    # The kernel's request_module() runs /sbin/modprobe in this root, even after the chroot.
    ln -sf ../bin/busybox "$R/sbin/modprobe"
    # The 9p transport, Bluetooth, the virtual controller, and all of crypto: btvirt needs
    # AF_ALG (af_alg, algif_hash, algif_skcipher, cmac, ecb), SMP needs ECDH, which needs drbg.
    { echo virtio_pci 9pnet_virtio 9p overlay hci_vhci af_alg algif_hash algif_skcipher cmac ecb ecdh_generic ccm | tr ' ' '\n'
      (cd "$md/kernel" && find crypto arch/x86/crypto lib/crypto net/bluetooth drivers/bluetooth -name '*.ko*' | sed 's#.*/##; s#\.ko.*$##')
    } | while read -r m; do
        /sbin/modprobe -d "$work/kroot" -S "$kv" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"{print $2}'
    done | awk '!seen[$0]++' | while read -r f; do
        rel=${f#"$work/kroot/"}; mkdir -p "$R/$(dirname "$rel")"; cp "$f" "$R/$rel"
    done
    cp "$md"/modules.order "$md"/modules.builtin* "$R/lib/modules/$kv/"
    /sbin/depmod -b "$R" "$kv"
    cp "$HERE/init" "$R/init"; chmod 755 "$R/init"
    (cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.tmp" && mv "$initrd.tmp" "$initrd"
    rm -rf "$work"
    log "built $(basename "$kernel") and $(basename "$initrd") ($(du -h "$initrd" | cut -f1))"
fi

# Bumble plays the headset; the guest imports it from this read-only venv, so every
# module is byte-compiled here (under TCG a cold import costs many seconds).
venv="$CACHE/venv-bumble-$BUMBLE_VERSION"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import bumble' 2>/dev/null; then
    log "installing bumble $BUMBLE_VERSION from PyPI"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "bumble==$BUMBLE_VERSION"
    "$venv/bin/python" -m compileall -q "$venv/lib" >/dev/null || true
fi

# btvirt's event loop calls freed handlers when one turn removes another's descriptor
# (epoll-one.c says how); it runs with this shim, which hands it one event per turn.
shim="$CACHE/epoll-one-$(sha256sum "$HERE/epoll-one.c" | cut -c1-12).so"
if [ ! -f "$shim" ]; then
    gcc -shared -fPIC -O2 -Wall -o "$shim.tmp" "$HERE/epoll-one.c" -ldl && mv "$shim.tmp" "$shim"
fi

echo "KERNEL=$kernel"
echo "INITRD=$initrd"
echo "VENV=$venv"
echo "KVER=$kv"
echo "EPOLL_SHIM=$shim"
