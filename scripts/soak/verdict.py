#!/usr/bin/python3
"""verdict.py RUN_DIR PID EXIT_CODE WARMUP_S [LSAN_REPORT] - the soak's bars, as a table;
exit 1 when one fails.

RUN_DIR holds samples.csv (sample.py) and events.json (driver.py). PID is the sonyctld
started at the beginning, EXIT_CODE what it exited with on the final SIGTERM. Bars:
RSS flat after warm-up (the median of the last five samples within RSS_MB, default 2 MB,
of the median of the first five after warm-up; and, over at least 10 minutes after
warm-up, the least-squares slope under RSS_SLOPE_KB, default 64 KB/min: over the 90 s a
2-minute run has, a slope is noise, and is only reported); open fds back where they were after warm-up; the
daemon's match rules unchanged after warm-up; every connect, drop, forget and repair the
driver caused recorded once (none lost, none twice); every repair ended, as expected;
one daemon process all along (the name's owner never changed) and a clean exit. With
LSAN_REPORT (LeakSanitizer's report; absent when it found nothing): no direct leak, and
no RSS bar (ASan's shadow memory and quarantine)."""
import csv
import json
import os
import re
import sys
from collections import Counter

run, pid, exit_code, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
lsan_report = sys.argv[5] if len(sys.argv) > 5 else None
RSS_MB = float(os.environ.get('RSS_MB', '2'))
RSS_SLOPE_KB = float(os.environ.get('RSS_SLOPE_KB', '64'))

samples = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(open(os.path.join(run, 'samples.csv')))]
events = json.load(open(os.path.join(run, 'events.json')))
rows = []
failed = False


def bar(name, figure, ok, rule):
    global failed
    failed |= not ok
    rows.append((name, figure, 'PASS' if ok else 'FAIL', rule))


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else float('nan')


after = [s for s in samples if s['t_s'] >= warmup] or samples[-1:]
if not after:
    sys.exit('no samples')
minutes = samples[-1]['t_s'] / 60
print(f"{minutes:.1f} min soaked, {len(samples)} samples ({len(after)} after the {warmup:.0f} s warm-up), "
      f"{events['counts'].get('actions', 0)} driver actions\n")

if not lsan_report:
    rss0, rss1 = median(s['rss_kb'] for s in after[:5]), median(s['rss_kb'] for s in after[-5:])
    n = len(after)
    mt = sum(s['t_s'] for s in after) / n
    mr = sum(s['rss_kb'] for s in after) / n
    var = sum((s['t_s'] - mt) ** 2 for s in after)
    slope = (sum((s['t_s'] - mt) * (s['rss_kb'] - mr) for s in after) / var * 60) if var else 0.0
    bar('RSS after warm-up → end', f'{rss0 / 1024:.1f} → {rss1 / 1024:.1f} MB (start {samples[0]["rss_kb"] / 1024:.1f}, '
        f'max {max(s["rss_kb"] for s in samples) / 1024:.1f})', rss1 - rss0 <= RSS_MB * 1024, f'grows ≤ {RSS_MB:g} MB')
    window = after[-1]['t_s'] - after[0]['t_s']
    if window >= 600:
        bar('RSS slope after warm-up', f'{slope:+.1f} KB/min over {window / 60:.0f} min', slope <= RSS_SLOPE_KB,
            f'≤ {RSS_SLOPE_KB:g} KB/min')
    else:
        bar('RSS slope after warm-up', f'{slope:+.1f} KB/min over {window:.0f} s', True, 'reported (bar from 10 min on)')
# The last sample is the daemon at rest, after the driver stopped.
fd0, fd1 = int(median(s['fds'] for s in after[:5])), int(after[-1]['fds'])
fdmax = int(max(s['fds'] for s in after))
bar('open fds after warm-up → end', f'{fd0} → {fd1} (start {int(samples[0]["fds"])}, max {fdmax})', fd1 <= fd0, 'at rest ≤ median of the first five after warm-up')
m0, m1 = int(after[0]['match_rules']), int(after[-1]['match_rules'])
mset = sorted({int(s['match_rules']) for s in after})
bar("daemon's match rules", f'{m0} → {m1} (values seen {mset})', m1 == m0 and -1 not in mset, 'unchanged')
bar('threads', f'{int(samples[0]["threads"])} → {int(after[-1]["threads"])} (max {int(max(s["threads"] for s in samples))})',
    True, 'reported')
bar('history rows', f'{int(samples[0]["history_rows"])} → {int(samples[-1]["history_rows"])}', True, 'reported')

ENDS = ('repair-succeeded', 'repair-failed', 'repair-cancelled')


def counted(rows):
    # A repair's end is one row whichever way it ended; how it ended is the repairs bar's.
    c = Counter()
    for a, k, n in rows:
        c[(a, 'repair-ended' if k in ENDS else k)] += n
    return c


expected, recorded = counted(events['expected']), counted(events['recorded'])
kinds = ('connected', 'disconnected', 'forgotten', 'repair-started', 'repair-ended')
lost = sum(max(0, expected[key] - recorded[key]) for key in expected if key[1] in kinds)
twice = sum(max(0, recorded[key] - expected[key]) for key in recorded if key[1] in kinds)
caused = sum(n for key, n in expected.items() if key[1] in kinds)
kept = sum(min(n, recorded[key]) for key, n in expected.items() if key[1] in kinds)
by_kind = ', '.join(f'{k} {sum(n for (a, kk), n in expected.items() if kk == k)}/{sum(n for (a, kk), n in recorded.items() if kk == k)}'
                    for k in kinds)
bar('history events caused / recorded', f'{caused} / {kept} ({by_kind})', lost == 0 and twice == 0,
    f'lost 0 (lost {lost}), none twice ({twice})')
for key in sorted(set(expected) | set(recorded)):
    if key[1] in kinds and expected[key] != recorded[key]:
        print(f'  mismatch {key[0]} {key[1]}: caused {expected[key]}, recorded {recorded[key]}')
other = Counter()
for (a, k), n in recorded.items():
    if k not in kinds:
        other[k] += n
bar('other rows (not caused-counted)', ', '.join(f'{k} {n}' for k, n in sorted(other.items())) or 'none', True, 'reported')

repairs = events['repairs']
stuck = [r for r in repairs if r.get('stuck')]
outcome = {'waited': 'repair-succeeded', 'caller-left': 'repair-succeeded', 'cancelled': 'repair-cancelled',
           'timed-out': 'repair-failed', 'bluetoothd-killed': 'repair-failed'}
wrong = [r for r in repairs if r.get('ended') != outcome[r['variant']]]
by_variant = Counter(r['variant'] for r in repairs)
slowest = max((r['seconds'] for r in repairs), default=0)
bar('repairs ended', f"{len(repairs) - len(stuck)} of {len(repairs)} ({', '.join(f'{v} {n}' for v, n in sorted(by_variant.items()))}; "
    f'slowest {slowest:.1f} s; {len(wrong)} ended otherwise than they should)', not stuck and not wrong,
    'none stuck, each as it should')
for r in wrong[:5]:
    print(f"  repair {r['variant']} ended {r.get('ended')}: {r.get('reply')}")
c = events['counts']
bar('chaos', f"bluetoothd restarted {c.get('bluez_restarts', 0)}×, adapter out/in {c.get('adapters_removed', 0)}/"
    f"{c.get('adapters_added', 0)}, {c.get('flaps', 0)} flaps, {c.get('storms', 0)} storms ({c.get('rssi_signals', 0)} RSSI), "
    f"{c.get('forgets', 0)} forgets, {c.get('calls_dropped', 0)} calls dropped mid-call, {c.get('watches_killed', 0)} watches killed",
    True, 'reported')
owners = sorted({int(s['owner_pid']) for s in samples})
bar('daemon restarts', f'pid {pid}, owners seen {owners}, exit {exit_code}', owners == [pid] and exit_code == 0,
    'none; exit 0 on SIGTERM')
problems = events['problems']
bar("driver's own problems", f'{len(problems)}', not problems, 'none')
for p in problems[:20]:
    print('  problem:', p)
if lsan_report:
    text = open(lsan_report).read() if os.path.exists(lsan_report) else ''
    direct = re.findall(r'Direct leak of (\d+) byte\(s\) in (\d+) object', text)
    indirect = re.findall(r'Indirect leak of (\d+) byte\(s\) in (\d+) object', text)
    other = re.findall(r'ERROR: AddressSanitizer: ([\w-]+)', text)
    # "Suppressions used:" then "count bytes template" rows (scripts/soak/lsan.supp says why).
    suppressed = re.findall(r'^\s*(\d+)\s+(\d+)\s+(\S+)\s*$', text.split('Suppressions used:')[-1], re.M) if 'Suppressions used:' in text else []
    d_bytes, i_bytes = sum(int(b) for b, _ in direct), sum(int(b) for b, _ in indirect)
    bar('LeakSanitizer direct leaks', f'{d_bytes} bytes in {len(direct)} leaks (indirect {i_bytes} bytes in {len(indirect)}'
        f'{"; ASan errors: " + ", ".join(other) if other else ""}'
        f'{"".join(f"; suppressed {n} ({b} bytes): {t}" for n, b, t in suppressed)}; report {"none, nothing found" if not text else lsan_report})',
        not direct and not other, '0, no ASan error')

w = [max(len(r[i]) for r in rows + [('bar', 'figure', 'verdict', 'rule')]) for i in range(4)]
print('| ' + ' | '.join(h.ljust(w[i]) for i, h in enumerate(('bar', 'figure', 'verdict', 'rule'))) + ' |')
print('|' + '|'.join('-' * (x + 2) for x in w) + '|')
for r in rows:
    print('| ' + ' | '.join(r[i].ljust(w[i]) for i in range(4)) + ' |')
print('\nsoak:', 'FAILED' if failed else 'passed')
sys.exit(1 if failed else 0)
