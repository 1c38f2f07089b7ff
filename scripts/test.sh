#!/bin/sh
# The whole test suite from a fresh clone: installs what is missing, builds,
# runs every Swift test and the simulated-BlueZ template's own tests.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
if [ -d Tests/Mocks ]; then
    /usr/bin/python3 -m unittest discover -s Tests/Mocks -p 'test_*.py'
fi
