#!/bin/bash
# Builds the libFuzzer targets of Tests/Fuzz (coverage and AddressSanitizer, in
# .build-fuzz) and runs each for SECONDS (default 60) from its seed corpus, one
# after the other. Prints each one's executions, executions per second and
# coverage; exits 1 if any crashed, broke an invariant, hung or ran out of
# memory, keeping the reproducer in .fuzz/TARGET/crashes/ (RELIABILITY.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# What a run adds to a corpus stays in .fuzz/TARGET/corpus and is used again by
# the next run; the seeds in Tests/Fuzz/corpus are only read.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-dbus-message fuzz-signature fuzz-bluez-mirror fuzz-config fuzz-catalogue fuzz-identify)

./scripts/install-deps.sh
# swiftc heeds only its last -sanitize=, and SwiftPM passes one per --sanitize in
# no fixed order: the combined flag last gives both. --sanitize fuzzer still tells
# SwiftPM to leave `main` to libFuzzer.
build=(swift build --package-path Tests/Fuzz --scratch-path .build-fuzz -c release --sanitize fuzzer
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld)
"${build[@]}" >&2
bin=$("${build[@]}" --show-bin-path)

# libFuzzer's own handler must see the trap to save the input: Swift's backtracer
# would take the signal first. LeakSanitizer is off: it cannot follow Swift's
# pointers with tag bits (an enum's boxed payload held by a global) and reports them.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=0

failed=0
printf '%-18s %8s %12s %8s %7s %7s %7s\n' target seconds executions exec/s cov ft corpus
for target in "${targets[@]}"; do
    work=.fuzz/$target
    # A reproducer of an earlier run is kept aside, not counted against this one.
    [ -n "$(ls -A "$work/crashes" 2>/dev/null)" ] && mkdir -p "$work/earlier" && mv "$work/crashes"/* "$work/earlier/"
    mkdir -p "$work/corpus" "$work/crashes"
    dict=()
    [ -f "Tests/Fuzz/dict/$target.dict" ] && dict=(-dict="Tests/Fuzz/dict/$target.dict")
    status=0
    "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/" "${dict[@]}" "$work/corpus" "Tests/Fuzz/corpus/$target" \
        > "$work/log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
    last=$(grep -E '^#[0-9]+.*cov: ' "$work/log" | tail -n 1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
    corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<< "$last")
    printf '%-18s %8s %12s %8s %7s %7s %7s\n' "$target" "$seconds" "${executions:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corpus:-?}"
    if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/crashes")" ]; then
        failed=$((failed + 1))
        echo "FAILED $target (exit $status); its log: $work/log; reproducer(s):" >&2
        ls "$work/crashes"/* >&2 2>/dev/null || true
        grep -E 'Fatal error|ERROR: |SUMMARY' "$work/log" | head -n 5 >&2 || true
        echo "replay: SWIFT_BACKTRACE=enable=no $bin/$target $work/crashes/<file>" >&2
    fi
done
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
