#!/usr/bin/env python
"""ReDoS benchmark: the labelled corpus through three checkers side by side, then real code.

1. Corpus (tests/redos/corpus.tsv, labels confirmed by bench/redos_label_check.py):
   * governance-hooks redos (static analysis; every positive is then timed on
     the real engine to count working attack strings);
   * regexploit (PyPI; its default report threshold, starriness > 2);
   * recheck (npm) when ``node`` is present: installed into bench/.cache/recheck
     with ``npm install recheck`` (JavaScript semantics; the call kind is
     expressed as ``^(?:...)`` for match and ``^(?:...)$`` for fullmatch).
   Prints precision and recall of "vulnerable" (exponential or polynomial),
   exact-class accuracy where the tool reports a class, and time per regex.
2. Real code (skip with --no-real): the running Python's standard library and
   the installed pygments package, scanned as the check scans a repository
   (with dynamic confirmation unless --no-confirm); prints patterns, findings
   by class, wall seconds and CPU seconds of the scan and of its confirmation
   children; --runs N repeats it and prints the median.

Usage: python bench/redos_bench.py [--no-real] [--no-recheck] [--no-confirm] [--real-only] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from governance_hooks.redos.analyze import analyze  # noqa: E402
from governance_hooks.redos.confirm import Confirmer  # noqa: E402
from governance_hooks.redos.scan import Options, scan  # noqa: E402
from tests.redos.corpus import load  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "recheck"


def _class(verdict) -> str:
    if verdict.kind == "exponential":
        return "exponential"
    if verdict.kind == "polynomial":
        return f"poly{verdict.degree}"
    return verdict.kind


def run_ours(rows, confirm: bool):
    predictions, seconds = [], 0.0
    for row in rows:
        started = time.perf_counter()
        verdict = analyze(row.pattern, row.flags, row.kind)
        seconds += time.perf_counter() - started
        predictions.append((_class(verdict), verdict))
    working = None
    if confirm:
        jobs = [(row.pattern, row.flags, row.kind, v) for row, (_c, v) in zip(rows, predictions) if v.vulnerable]
        with Confirmer(timeout=5.0, target=Options().confirm_target, workers=2) as confirmer:
            results = confirmer.confirm_all(jobs)
        working = (sum(r.confirmed for r in results), len(results))
        for (pattern, _f, kind, _v), r in zip(jobs, results):
            if not r.confirmed:
                print(f"  not confirmed: {pattern!r} ({kind}) samples={r.samples[-3:]} suffix={r.suffix!r}")
    return [c for c, _v in predictions], seconds, working


def run_regexploit(rows):
    from regexploit.ast.sre import SreOpParser
    from regexploit.redos import find

    predictions, seconds = [], 0.0
    for row in rows:
        started = time.perf_counter()
        try:
            if isinstance(row.pattern, bytes):
                raise TypeError("bytes patterns are not supported")
            found = [r for r in find(SreOpParser().parse_sre(row.pattern, row.flags)) if r.starriness > 2]
            if not found:
                label = "safe"
            else:
                star = max(r.starriness for r in found)
                label = "exponential" if star >= 10 else f"poly{star}"
        except Exception:  # noqa: BLE001 - a crash counts as "no answer"
            label = "error"
        seconds += time.perf_counter() - started
        predictions.append(label)
    return predictions, seconds


_INLINE = re.compile(r"^\(\?([aiLmsux]+)\)")


def _js(row):
    """(source, flags) for recheck, or None when the pattern cannot be expressed."""
    if isinstance(row.pattern, bytes):
        return None
    source = row.pattern
    flags = ""
    m = _INLINE.match(source)
    if m:
        source = source[m.end():]
        flags += "".join(f for f in m.group(1) if f in "ims")
    flags += "".join(js for bit, js in ((re.I, "i"), (re.M, "m"), (re.S, "s")) if row.flags & bit and js not in flags)
    if row.kind == "match":
        source = f"^(?:{source})"
    elif row.kind == "fullmatch":
        source = f"^(?:{source})$"
    return source, flags


def run_recheck(rows):
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node is None:
        return None, "node is not installed"
    if not (CACHE / "node_modules" / "recheck").is_dir():
        if npm is None:
            return None, "npm is not installed"
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "init", "-y"], cwd=CACHE, capture_output=True)
        done = subprocess.run([npm, "install", "recheck", "--no-audit", "--no-fund"], cwd=CACHE, capture_output=True,
                              text=True, timeout=600)
        if done.returncode != 0:
            return None, f"npm install recheck failed: {done.stderr.strip().splitlines()[-1:]}"
    proc = subprocess.Popen([node, str(ROOT / "bench" / "redos_recheck.js"), str(CACHE)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    predictions, seconds = [], 0.0
    try:
        for row in rows:
            js = _js(row)
            if js is None:
                predictions.append("error")
                continue
            proc.stdin.write(json.dumps({"source": js[0], "flags": js[1]}) + "\n")
            proc.stdin.flush()
            reply = json.loads(proc.stdout.readline())
            seconds += reply["ms"] / 1000.0
            if reply["status"] == "vulnerable":
                predictions.append("exponential" if reply["type"] == "exponential" else f"poly{reply['degree']}")
            elif reply["status"] == "safe":
                predictions.append("safe")
            else:
                predictions.append("error")
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    return (predictions, seconds), None


def score(rows, predictions):
    tp = sum(1 for r, p in zip(rows, predictions) if r.vulnerable and p not in ("safe", "error", "invalid", "incomplete"))
    fp = sum(1 for r, p in zip(rows, predictions) if not r.vulnerable and p not in ("safe", "error", "invalid", "incomplete"))
    fn = sum(1 for r, p in zip(rows, predictions) if r.vulnerable and p in ("safe", "error", "invalid", "incomplete"))
    exact = sum(1 for r, p in zip(rows, predictions) if r.expected == p)
    errors = sum(1 for p in predictions if p == "error")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, exact, errors


def _cpu_children() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def real_code(confirm: bool, runs: int = 1) -> None:
    """Scan both trees ``runs`` times; per scan: wall seconds, CPU of this process and of the
    confirmation children (reaped when the scan ends); then the median total over the runs."""
    import statistics

    import pygments

    targets = [("stdlib " + sys.version.split()[0], Path(sysconfig.get_paths()["stdlib"]), confirm),
               (f"pygments {pygments.__version__}", Path(pygments.__file__).parent, confirm)]
    print("\nReal code (as the check scans a repository)")
    totals = []
    for run in range(runs):
        print(f"{'target':<18} {'files':>6} {'patterns':>9} {'exp':>5} {'poly':>5} {'unconf':>7} {'invalid':>8} "
              f"{'incompl':>8} {'unresolved':>10} {'internal':>9} {'seconds':>8} {'cpu s':>7} {'child s':>8}  "
              f"confirmation  (load {os.getloadavg()[0]:.2f})")
        wall_sum = cpu_sum = 0.0
        for name, root, with_confirm in targets:
            files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")
                           if "site-packages" not in p.relative_to(root).parts)
            started, cpu, children = time.monotonic(), time.process_time(), _cpu_children()
            result = scan(root, files, Options(confirm=with_confirm))
            wall = time.monotonic() - started
            cpu = time.process_time() - cpu
            children = _cpu_children() - children
            wall_sum += wall
            cpu_sum += cpu + children
            s = result.stats
            print(f"{name:<18} {s['files']:>6} {s['patterns']:>9} {s['exponential']:>5} {s['polynomial']:>5} "
                  f"{s['unconfirmed'] if with_confirm else '-':>7} {s['invalid']:>8} {s['incomplete']:>8} "
                  f"{s.get('unresolved', 0):>10} {s['internal_errors']:>9} {wall:>8.1f} {cpu:>7.1f} {children:>8.1f}  "
                  f"{'on' if with_confirm else 'off'}")
        totals.append((wall_sum, cpu_sum))
        print(f"run {run + 1}: both trees {wall_sum:.1f} s wall, {cpu_sum:.1f} s CPU (this process and its children), "
              f"load {os.getloadavg()[0]:.2f}")
    if runs > 1:
        print(f"median of {runs} runs: {statistics.median(w for w, _c in totals):.1f} s wall, "
              f"{statistics.median(c for _w, c in totals):.1f} s CPU")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-real", action="store_true", help="skip the stdlib/pygments scan")
    parser.add_argument("--no-recheck", action="store_true", help="skip recheck even if node is present")
    parser.add_argument("--no-confirm", action="store_true", help="do not time our positives on the engine")
    parser.add_argument("--real-only", action="store_true", help="only the stdlib/pygments scan")
    parser.add_argument("--runs", type=int, default=1, help="repeat the stdlib/pygments scan; the median is the figure")
    args = parser.parse_args(argv)
    if args.real_only:
        real_code(not args.no_confirm, args.runs)
        return 0
    rows = load()
    n = len(rows)
    vulnerable = sum(r.vulnerable for r in rows)
    print(f"Labelled corpus: {n} regexes ({vulnerable} vulnerable, {n - vulnerable} safe), CPython {sys.version.split()[0]}")
    table = []
    ours, ours_s, working = run_ours(rows, not args.no_confirm)
    table.append(("governance-hooks", ours, ours_s))
    rx, rx_s = run_regexploit(rows)
    table.append(("regexploit", rx, rx_s))
    note = None
    if not args.no_recheck:
        got, note = run_recheck(rows)
        if got is not None:
            table.append(("recheck", got[0], got[1]))
    print(f"{'tool':<18} {'precision':>9} {'recall':>7} {'exact class':>12} {'no answer':>10} {'ms/regex':>9} {'ratio':>7}")
    base = ours_s / n
    for name, predictions, seconds in table:
        precision, recall, exact, errors = score(rows, predictions)
        per = seconds / n
        print(f"{name:<18} {precision:>9.3f} {recall:>7.3f} {exact:>8}/{n:<3} {errors:>10} {per * 1000:>9.2f} "
              f"{per / base if base else 0:>6.1f}x")
    if note:
        print(f"recheck skipped: {note}")
    if working is not None:
        print(f"governance-hooks attack strings confirmed on the real engine: {working[0]}/{working[1]}")
    mistakes = [(r, p) for r, p in zip(rows, ours) if p != r.expected]
    for r, p in mistakes:
        print(f"  governance-hooks mismatch line {r.line}: expected {r.expected}, got {p}: {r.pattern!r} ({r.kind})")
    if not args.no_real:
        real_code(not args.no_confirm, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
