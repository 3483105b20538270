#!/usr/bin/env python
"""Published ReDoS advisories in PyPI packages: the real releases through this check and regexploit.

For every advisory in ``tests/redos/cves.json``, ``pip download`` the last
vulnerable and the first fixed release into ``/work/cache/redos`` (override
with ``--cache``), unpack them, and scan the advisory's file of each release
with ``governance-hooks redos`` (its imports inside the release are followed)
and with ``regexploit-py``.  Prints, per advisory: flagged at the right line
in the vulnerable release (with the attack confirmed on the engine), and
still flagged in the fixed release.  Then scans ten popular packages whole
and prints every error-severity finding with its confirmation, so the
precision for the call as made can be read off.

Usage: python bench/redos_cves.py [--cache DIR] [--only PKG] [--no-popular | --popular-only] [--confirm-timeout S]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from governance_hooks.redos.scan import Options, scan  # noqa: E402

POPULAR = [("requests", "2.32.3"), ("urllib3", "2.2.3"), ("click", "8.1.7"), ("rich", "13.9.4"),
           ("jinja2", "3.1.4"), ("markdown", "3.7"), ("docutils", "0.21.2"), ("sqlparse", "0.5.1"),
           ("pyyaml", "6.0.2"), ("packaging", "24.2")]
RULES = ("redos/exponential-backtracking", "redos/polynomial-backtracking")


def download(cache: Path, package: str, version: str) -> Path | None:
    """The unpacked release folder (downloaded once; wheel preferred, else sdist)."""
    target = cache / f"{package.lower()}-{version}"
    unpacked = cache / "src" / f"{package.lower()}-{version}"
    if unpacked.is_dir():
        return unpacked
    target.mkdir(parents=True, exist_ok=True)
    if not any(target.iterdir()):
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(target)]
        ok = subprocess.run(pip + ["--only-binary=:all:", "--python-version", "3.11", f"{package}=={version}"],
                            capture_output=True).returncode == 0
        if not ok:
            ok = subprocess.run(pip + ["--no-binary=:all:", "--no-build-isolation", f"{package}=={version}"],
                                capture_output=True).returncode == 0
        if not ok:  # an sdist whose metadata needs build tools this environment lacks (wheel)
            ok = subprocess.run(pip + ["--no-binary=:all:", f"{package}=={version}"], capture_output=True).returncode == 0
        # an old release whose sdist cannot build its metadata here: a wheel made for an older CPython
        for python in ("3.10", "3.9", "3.8", "3.7", "3.6"):
            if ok:
                break
            ok = subprocess.run(pip + ["--only-binary=:all:", "--python-version", python, "--platform",
                                       "manylinux2014_x86_64", f"{package}=={version}"], capture_output=True).returncode == 0
    archives = sorted(target.iterdir())
    if not archives:
        return None
    unpacked.mkdir(parents=True, exist_ok=True)
    archive = archives[0]
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(unpacked)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(unpacked, filter="data")
    return unpacked


def find_file(release: Path, rel: str) -> str | None:
    """The advisory's file inside the unpacked release (sdists add a top folder, src layouts a src/)."""
    for candidate in [release / rel] + sorted(release.glob(f"*/{rel}")) + sorted(release.glob(f"*/src/{rel}")):
        if candidate.is_file():
            return candidate.relative_to(release).as_posix()
    return None


def ours(release: Path, rel: str, confirm_timeout: float):
    result = scan(release, [rel], Options(confirm_timeout=confirm_timeout))
    return [f for f in result.findings if f.rule_id in RULES]


def regexploit(release: Path, rel: str):
    """Line numbers regexploit-py reports for one file."""
    exe = Path(sys.executable).with_name("regexploit-py")
    try:
        out = subprocess.run([str(exe), str(release / rel)], capture_output=True, text=True, timeout=300).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return [int(m.group(1)) for m in re.finditer(r"^Vulnerable regex in .* #(\d+)$", out, re.M)]


def regexploit_all(release: Path, files: list) -> list:
    """``(file, line)`` of every regex regexploit-py reports, one run per file: it stops at the first
    pattern it cannot parse (``POSSESSIVE_REPEAT`` on CPython 3.11), which would hide the rest of a batch."""
    return [(rel, line) for rel in files for line in (regexploit(release, rel) or [])]


def at_line(findings, line: int) -> list:
    hits = []
    for f in findings:
        end = f.location.end_line or f.location.line
        calls = (f.evidence or {}).get("call_lines", [])
        if f.location.line <= line <= end or line in calls:
            hits.append(f)
    return hits


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/work/cache/redos"))
    parser.add_argument("--only", help="only this package")
    parser.add_argument("--no-popular", action="store_true")
    parser.add_argument("--popular-only", action="store_true", help="only the ten popular packages")
    parser.add_argument("--confirm-timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.popular_only:
        print(f"load {os.getloadavg()[0]:.2f}; CPython {sys.version.split()[0]}")
        popular(args)
        return 0
    advisories = json.loads((ROOT / "tests" / "redos" / "cves.json").read_text())["advisories"]
    if args.only:
        advisories = [a for a in advisories if a["package"].lower() == args.only.lower()]
    print(f"load {os.getloadavg()[0]:.2f}; CPython {sys.version.split()[0]}")
    print(f"{'advisory':<22} {'package':<26} {'vulnerable':<11} {'fixed':<10} {'confirmed':<9} "
          f"{'ours@line':<10} {'ours fixed':<10} {'rx@line':<8} {'rx fixed':<8}")
    totals = {"confirmed": 0, "ours": 0, "ours_confirmed": 0, "regexploit": 0, "ours_fixed": 0,
              "ours_fixed_confirmed": 0, "rx_fixed": 0}
    started = time.monotonic()
    for adv in advisories:
        confirmed = adv["confirmed"] is True
        row = [adv["id"], adv["package"], adv["vulnerable"], adv["fixed"] or "none", "yes" if confirmed else "excl."]
        vulnerable = download(args.cache, adv["package"], adv["vulnerable"])
        fixed = download(args.cache, adv["package"], adv["fixed"]) if adv.get("fixed") else None
        rel = find_file(vulnerable, adv["file"]) if vulnerable else None
        if rel is None:
            print(f"{row[0]:<22} {row[1]:<26} {row[2]:<11} {row[3]:<10} file {adv['file']} not in the release")
            continue
        found = at_line(ours(vulnerable, rel, args.confirm_timeout), adv["line"])
        ours_hit = bool(found)
        ours_ok = any((f.evidence or {}).get("confirmed") for f in found)
        rx = regexploit(vulnerable, rel) or []
        rx_hit = adv["line"] in rx
        fixed_rel = find_file(fixed, adv["file"]) if fixed else None
        ours_fixed = rx_fixed = "-"
        if fixed_rel is not None and adv.get("fixed_line"):
            still = at_line(ours(fixed, fixed_rel, args.confirm_timeout), adv["fixed_line"])
            ours_fixed = ("yes+c" if any((f.evidence or {}).get("confirmed") for f in still) else "yes") if still else "no"
            rx_fixed = "yes" if adv["fixed_line"] in (regexploit(fixed, fixed_rel) or []) else "no"
        if confirmed:
            totals["confirmed"] += 1
            totals["ours"] += ours_hit
            totals["ours_confirmed"] += ours_ok
            totals["regexploit"] += rx_hit
            totals["ours_fixed"] += ours_fixed.startswith("yes")
            totals["ours_fixed_confirmed"] += ours_fixed == "yes+c"
            totals["rx_fixed"] += rx_fixed == "yes"
        mark = ("yes+c" if ours_ok else "yes") if ours_hit else "no"
        print(f"{row[0]:<22} {row[1]:<26} {row[2]:<11} {row[3]:<10} {row[4]:<9} {mark:<10} {ours_fixed:<10} "
              f"{'yes' if rx_hit else 'no':<8} {rx_fixed:<8}")
    n = totals["confirmed"]
    if n:
        print(f"\nconfirmed advisories: {n}; governance-hooks flagged at the line {totals['ours']}/{n} "
              f"({totals['ours'] / n:.0%}), with the attack confirmed on the engine {totals['ours_confirmed']}/{n}; "
              f"regexploit {totals['regexploit']}/{n} ({totals['regexploit'] / n:.0%})")
        print(f"still flagged in the fixed release: governance-hooks {totals['ours_fixed']} "
              f"({totals['ours_fixed_confirmed']} of them confirmed super-linear on the engine), "
              f"regexploit {totals['rx_fixed']}")
    print(f"advisories scanned in {time.monotonic() - started:.0f} s")
    if not args.no_popular:
        popular(args)
    return 0


def popular(args) -> None:
    print("\nPopular packages: every error-severity finding (confirmed = the engine slowed down as claimed)")
    errors = confirmed = rx_reports = 0
    for package, version in POPULAR:
        release = download(args.cache, package, version)
        if release is None:
            print(f"{package} {version}: download failed")
            continue
        files = sorted(p.relative_to(release).as_posix() for p in release.rglob("*.py"))
        result = scan(release, files, Options(confirm_timeout=args.confirm_timeout))
        errs = [f for f in result.findings if f.rule_id in RULES and f.severity.name == "ERROR"]
        ok = [f for f in errs if (f.evidence or {}).get("confirmed")]
        errors += len(errs)
        confirmed += len(ok)
        rx = regexploit_all(release, files)
        rx_reports += len(rx)
        print(f"{package} {version}: {len(files)} files, {result.stats['patterns']} patterns, "
              f"{len(errs)} errors ({len(ok)} confirmed), {result.stats.get('unresolved', 0)} unresolved notes; "
              f"regexploit {len(rx)} reports")
        for f in errs:
            ev = f.evidence or {}
            print(f"    {f.location.path}:{f.location.line} {ev.get('kind')} {ev.get('complexity')} "
                  f"{'confirmed' if ev.get('confirmed') else 'UNCONFIRMED'} {ev.get('calls')} {ev.get('pattern')!r:.70}")
        for path, line in rx:
            print(f"    regexploit: {path}:{line}")
    print(f"popular packages: {errors} error findings, {confirmed} confirmed on the engine; regexploit {rx_reports} reports")


if __name__ == "__main__":
    sys.exit(main())
