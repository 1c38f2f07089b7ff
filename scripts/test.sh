#!/bin/sh
# The whole test suite from a fresh clone: installs what is missing, builds,
# runs the simulated BlueZ's own tests, sonyctld against the real bluetoothd in a
# QEMU guest (Tests/BlueZVM; SKIP_BLUEZ_VM=1 leaves it out), each fuzzer for
# FUZZ_SECONDS (default 30; SKIP_FUZZ=1 leaves them out), the Swift tests under
# AddressSanitizer and ThreadSanitizer (scripts/sanitize.sh; SKIP_SANITIZERS=1
# leaves them out), the 2-minute soak (scripts/soak.sh; SKIP_SOAK=1 leaves it out),
# then every Swift test (last, so that its summary closes the output).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
/usr/bin/python3 -m unittest discover -s Tests/Mocks -p 'test_*.py'
if [ -z "${SKIP_BLUEZ_VM:-}" ]; then
    ./Tests/BlueZVM/run.sh
else
    echo "bluez-vm: left out (SKIP_BLUEZ_VM is set)"
fi
if [ -z "${SKIP_FUZZ:-}" ]; then
    ./scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
else
    echo "fuzz: left out (SKIP_FUZZ is set)"
fi
if [ -z "${SKIP_SANITIZERS:-}" ]; then
    ./scripts/sanitize.sh
else
    echo "sanitizers: left out (SKIP_SANITIZERS is set)"
fi
if [ -z "${SKIP_SOAK:-}" ]; then
    BIN=$(swift build --show-bin-path) ./scripts/soak.sh 2
else
    echo "soak: left out (SKIP_SOAK is set)"
fi
swift test --skip-build
