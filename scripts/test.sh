#!/bin/sh
# The whole test suite from a fresh clone: installs what is missing, builds,
# runs the simulated BlueZ's own tests, then every Swift test (last, so that
# its summary closes the output).
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
/usr/bin/python3 -m unittest discover -s Tests/Mocks -p 'test_*.py'
swift test --skip-build
