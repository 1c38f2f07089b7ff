#!/bin/bash
# sanitize.sh [address|thread ...] - the whole Swift test suite under each
# sanitizer (default: address, then thread), each built into a scratch path of
# its own (.build-asan, .build-tsan) so that the normal .build is left alone.
#
# The test process and everything it spawns from the build (sonyctld, sonyctl)
# are instrumented; dbus-daemon and python-dbusmock are not. Every instrumented
# process writes its reports to a file of its own in a fresh directory
# (log_path, with the executable's name), so a report from a daemon a test
# SIGKILLs, or from a CLI whose exit code a test expects to be non-zero, is
# counted all the same. Any report, or any failed test, fails the run.
#
# One line per sanitizer: tests run, passed, reports, wall time (build + run).
# JOBS sets swift build -j (default 2). See RELIABILITY.md, "Sanitizers".
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
if [ $# -eq 0 ]; then set -- address thread; fi
for s in "$@"; do
    case $s in address | thread) ;; *) echo "usage: $0 [address|thread ...]" >&2; exit 2 ;; esac
done

# The Swift runtime's backtracer would catch the sanitizers' own SIGSEGV and
# SIGABRT and sit in a 30 s symbolication of a process the sanitizer is ending.
export SWIFT_BACKTRACE=enable=no
# Package.swift: sonyctl links the shared Swift runtime (see there why).
export SONYCTL_SANITIZE=1
supp="$PWD/scripts/sanitizers"
summaries=()
failed=0

for s in "$@"; do
    case $s in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    esac
    start=$(date +%s)
    mkdir -p "$scratch"
    reports="$PWD/$scratch/reports"
    rm -rf "$reports"
    mkdir -p "$reports"
    log="$PWD/$scratch/test.log"
    # Dependencies come from .build when the normal build has fetched them.
    if [ ! -d "$scratch/checkouts" ] && [ -d .build/checkouts ]; then
        cp -a .build/checkouts .build/repositories .build/workspace-state.json "$scratch/" 2>/dev/null || true
    fi
    common="log_path=$reports/$s:log_exe_name=1"
    case $s in
    # detect_leaks=0: LeakSanitizer cannot follow Swift's tagged pointers (an
    # enum's boxed payload held by a global) and reports them as leaks; leaks
    # are measured with valgrind instead (RELIABILITY.md).
    address) export ASAN_OPTIONS="$common:detect_leaks=0:halt_on_error=1:suppressions=$supp/asan.supp" ;;
    # halt_on_error=0: every race of the run is reported, not just the first.
    thread) export TSAN_OPTIONS="$common:halt_on_error=0:exitcode=66:second_deadlock_stack=1:suppressions=$supp/tsan.supp" ;;
    esac

    echo "sanitize $s: building into $scratch" >&2
    status=0
    if ! swift build --build-tests -j "$JOBS" --sanitize="$s" --scratch-path "$scratch" > "$scratch/build.log" 2>&1; then
        tail -40 "$scratch/build.log" >&2
        status=1
    elif ! swift test --skip-build --sanitize="$s" --scratch-path "$scratch" > "$log" 2>&1; then
        status=1
    fi

    tests=$(sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .*/\1/p' "$log" 2>/dev/null | tail -1)
    failing=$(grep -E '^✘ Test .* failed after' "$log" 2>/dev/null | grep -vc '^✘ Test run with')
    # "Test run with N tests" is the last line of a run that got to its end.
    if [ -z "$tests" ]; then tests="?"; passed="?"; status=1; else passed=$((tests - failing)); fi
    count=$(cat "$reports"/* 2>/dev/null | grep -cE 'ERROR: AddressSanitizer|WARNING: ThreadSanitizer|ERROR: ThreadSanitizer')
    [ "$count" -gt 0 ] && status=1
    wall=$(($(date +%s) - start))
    if [ $status -ne 0 ]; then
        failed=1
        grep -E '^✘ ' "$log" 2>/dev/null | head -40 >&2
        [ -f "$log" ] && ! grep -q 'Test run with' "$log" && tail -20 "$log" >&2
        for f in "$reports"/*; do
            [ -e "$f" ] || continue
            echo "--- $f" >&2
            head -80 "$f" >&2
        done
    fi
    summaries+=("sanitize $s: $tests tests run, $passed passed, $count reports, ${wall}s wall ($([ $status -eq 0 ] && echo clean || echo FAILED); log $scratch/test.log)")
done
printf '%s\n' "${summaries[@]}"
exit $failed
