#!/usr/bin/env python
"""Time each advisory of ``tests/redos/cves.json`` on the running CPython and record the result.

For every advisory: the regex is read from the vulnerable release in the
cache (the extractor's site at the advisory's line, when there is one; else
the ``regex`` field as written), applied with the advisory's call kind and
flags to the advisory's ``attack`` (a Python expression in ``n``) for growing
n in a child process killed after ``--timeout`` seconds.  Super-linear growth
(time ratio >= 1.25 per step for exponential, fitted exponent >= 1.5 for
polynomial) or a run killed at a small n marks it confirmed; the file is
rewritten with ``confirmed`` and ``confirmation`` filled in.

A bytes pattern is timed on bytes (the attack encoded as latin-1).

Usage: python bench/redos_cves_confirm.py [--cache DIR] [--timeout S] [--dry-run] [--only ID ...]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

CHILD = r"""
import json, re, sys, time
req = json.loads(sys.stdin.read())
as_bytes = req["bytes"]
regex = req["regex"].encode("latin-1") if as_bytes else req["regex"]
method = getattr(re.compile(regex, req["flags"]), req["kind"])
for n in req["ns"]:
    subject = eval(req["attack"], {"n": n})
    if as_bytes:
        subject = subject.encode("latin-1")
    start = time.process_time()
    method(subject)
    print(json.dumps([n, time.process_time() - start]), flush=True)
    if time.process_time() - start > 0.5:
        break
"""


def kind_of(call: str) -> str:
    if "fullmatch" in call:
        return "fullmatch"
    if call.startswith("match") and "search-like" not in call:
        return "match"
    return "search"


def flags_of(text: str) -> int:
    value = 0
    for name in re.findall(r"re\.([A-Z]+)", text):
        value |= int(getattr(re, name))
    return value


def release_regex(cache: Path, adv: dict):
    """The pattern our extractor reads at the advisory's line of the vulnerable release, or None."""
    from redos_cves import find_file
    from governance_hooks.redos.extract_python import extract

    release = cache / "src" / f"{adv['package'].lower()}-{adv['vulnerable']}"
    rel = find_file(release, adv["file"]) if release.is_dir() else None
    if rel is None:
        return None
    sites, _ = extract(rel, (release / rel).read_bytes())
    for site in sites:
        if site.line <= adv["line"] <= (site.end_line or site.line) or adv["line"] in site.call_lines:
            return site.pattern
    return None


def time_attack(regex, flags: int, kind: str, attack: str, exponential: bool, timeout: float):
    ns = list(range(8, 40, 2)) if exponential else [2 ** k for k in range(6, 18)]
    # a bytes pattern travels as latin-1 text; the attack (text) is encoded the same way
    as_bytes = isinstance(regex, bytes)
    request = json.dumps({"regex": regex.decode("latin-1") if as_bytes else regex, "bytes": as_bytes,
                          "flags": flags, "kind": kind, "attack": attack, "ns": ns})
    try:
        proc = subprocess.run([sys.executable, "-I", "-c", CHILD], input=request, capture_output=True, text=True,
                              timeout=timeout)
        out, killed = proc.stdout, False
    except subprocess.TimeoutExpired as exc:
        out, killed = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or ""), True
    samples = [json.loads(line) for line in out.splitlines() if line.startswith("[")]
    usable = [(n, t) for n, t in samples if t > 1e-4]
    growth = None
    if len(usable) >= 2:
        (n1, t1), (n2, t2) = usable[0], usable[-1]
        growth = (t2 / t1) ** (1 / (n2 - n1)) if exponential else math.log(t2 / t1) / math.log(n2 / n1)
    last = samples[-1] if samples else None
    if killed and (not samples or samples[-1][0] <= (30 if exponential else 4096)):
        return True, f"killed at {timeout:g} s after n={last[0] if last else 0}"
    # half a second of CPU on the smallest input (64 characters of attack) is out of reach of a linear match
    if not exponential and len(samples) == 1 and last[0] == ns[0] and last[1] >= 0.5:
        return True, f"{last[1]:.3f} s CPU already at n={last[0]}"
    ok = growth is not None and (growth >= 1.25 if exponential else growth >= 1.5) and last and last[1] >= 0.01
    detail = (f"x{growth:.2f} per pump" if exponential else f"O(n^{growth:.1f})") if growth else "no growth"
    return bool(ok), f"{detail}, {last[1]:.3f} s CPU at n={last[0]}" if last else detail


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/redos"))
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--only", action="append", help="only this advisory id (repeatable)")
    args = parser.parse_args(argv)
    path = ROOT / "tests" / "redos" / "cves.json"
    data = json.loads(path.read_text())
    for adv in data["advisories"]:
        if args.only and adv["id"] not in args.only:
            continue
        regex = release_regex(args.cache, adv)
        source = "release"
        if regex is None:
            regex, source = adv["regex"], "as written"
            if adv.get("bytes"):  # a bytes pattern is stored as latin-1 text
                regex = regex.encode("latin-1")
        else:
            adv["regex"] = regex.decode("latin-1") if isinstance(regex, bytes) else regex
        ok, detail = time_attack(regex, flags_of(adv["flags"]), kind_of(adv["call"]), adv["attack"],
                                 adv["kind"] == "exponential", args.timeout)
        adv["confirmed"] = ok
        adv["confirmation"] = f"CPython {sys.version.split()[0]}: {detail} (regex {source})"
        print(f"{adv['id']:<16} {adv['package']:<11} {adv['file']}:{adv['line']:<5} {'yes' if ok else 'NO':<4} {detail}")
    if not args.dry_run:
        path.write_text(json.dumps(data, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
