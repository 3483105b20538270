#!/usr/bin/env python
"""Confirm every label of tests/redos/corpus.tsv by timing CPython's real ``re``.

Times are CPU seconds of the child (``time.process_time``), so other load on
the machine does not bend the curves.

For each row the attack ``prefix + pump * n + suffix`` written in the corpus
(independent of the analysis) is run on growing n in a child process that is
killed on timeout:

* exponential: n grows by 1-2; the time must multiply by >= 1.25 per pump and
  reach 0.05 s (or the child is killed at the budget);
* polyK: n doubles from 8; the fitted exponent of the last two runs must be
  within 0.75 of K;
* safe: both schedules stay fast: exponent <= 1.4 on the doubling schedule up
  to n = 65536 and under 0.05 s at n = 40 on the exponential one.

Usage: python bench/redos_label_check.py [--timeout S] [--only SUBSTRING]
Exit status 1 if any label is contradicted.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from governance_hooks.redos.confirm import _enc, _Worker  # noqa: E402
from tests.redos.corpus import load  # noqa: E402


def measure(worker: _Worker, row, exponential: bool, max_n: int, target: float, timeout: float, start_n: int,
            repeat: int = 1):
    payload = {"repeat": repeat,
        "pattern": _enc(row.pattern), "flags": row.flags, "kind": row.kind,
        "segments": [[_enc(row.prefix), False], [_enc(row.pump), True]], "suffixes": [_enc(row.suffix)],
        "exponential": exponential, "target": target, "max_n": max_n, "start_n": start_n, "check_suffix": False,
    }
    replies, timed_out = worker.request(payload, timeout)
    samples = [(r["n"], r["t"]) for r in replies if "n" in r]
    errors = [r["error"] for r in replies if "error" in r]
    return samples, timed_out, errors


def exponent(samples):
    """Least-squares slope of log t against log n over the last (up to 4) runs above 1 ms."""
    usable = [(math.log(n), math.log(t)) for n, t in samples if t > 1e-3][-4:]
    if len(usable) < 2:
        return None
    mx = sum(x for x, _ in usable) / len(usable)
    my = sum(y for _, y in usable) / len(usable)
    return sum((x - mx) * (y - my) for x, y in usable) / sum((x - mx) ** 2 for x, _ in usable)


def ratio(samples):
    usable = [(n, t) for n, t in samples if t > 5e-4]
    if len(usable) < 2:
        return None
    (n1, t1), (n2, t2) = usable[-2], usable[-1]
    return (t2 / t1) ** (1.0 / (n2 - n1))


def check(worker: _Worker, row, timeout: float):
    """Returns (measured class, ok, detail)."""
    if row.expected == "exponential":
        samples, timed_out, errors = measure(worker, row, True, 60, 0.05, timeout, 2)
        r = ratio(samples)
        last = samples[-1] if samples else (0, 0.0)
        ok = not errors and ((r is not None and r >= 1.25 and (last[1] >= 0.05 or timed_out)) or (timed_out and len(samples) >= 1))
        return ("exponential" if ok else "not-exponential", ok, f"x{r or 0:.2f}/pump, {last[1]:.3f}s at n={last[0]}"
                + (" (killed at budget)" if timed_out else "") + (f" error={errors[0]}" if errors else ""))
    if row.expected.startswith("poly"):
        k = row.degree
        samples, timed_out, errors = measure(worker, row, False, 1 << 17, 0.15, timeout, 8, repeat=3)
        e = exponent(samples)
        last = samples[-1] if samples else (0, 0.0)
        ok = not errors and e is not None and abs(e - k) <= 0.75
        return (f"poly{round(e)}" if e else "unknown", ok, f"n^{e or 0:.2f}, {last[1]:.3f}s at n={last[0]}"
                + (" (killed at budget)" if timed_out else "") + (f" error={errors[0]}" if errors else ""))
    samples_e, to_e, errors = measure(worker, row, True, 40, 0.05, timeout, 2)
    samples_p, to_p, errors_p = measure(worker, row, False, 1 << 16, 0.05, timeout, 8)
    e = exponent(samples_p)
    last_e = samples_e[-1] if samples_e else (0, 0.0)
    last_p = samples_p[-1] if samples_p else (0, 0.0)
    fast_exp = not to_e and last_e[1] < 0.05 and last_e[0] >= 40
    linear = not to_p and (e is None or e <= 1.4 or last_p[1] < 0.05) and last_p[0] >= 1 << 16
    ok = fast_exp and linear and not errors and not errors_p
    return ("safe" if ok else "slow", ok, f"{last_e[1]:.4f}s at n={last_e[0]}; n^{e or 0:.2f}, {last_p[1]:.4f}s at n={last_p[0]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per measurement (default 10)")
    parser.add_argument("--only", default=None, help="only rows whose pattern contains this text")
    args = parser.parse_args(argv)
    rows = load()
    if args.only:
        rows = [r for r in rows if args.only in repr(r.pattern)]
    worker = _Worker()
    failures = 0
    started = time.monotonic()
    try:
        for row in rows:
            measured, ok, detail = check(worker, row, args.timeout)
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} line {row.line:<4} {row.expected:<11} {row.kind:<9} {row.pattern!r:<48.48} {detail}")
    finally:
        worker.close()
    print(f"\n{len(rows) - failures}/{len(rows)} labels confirmed by timing CPython {sys.version.split()[0]} re "
          f"in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
