"""Benchmark of the semgrep check beside its anchors: raw Semgrep and Bandit.

Two parts, one run:

1. Accuracy on the pack's annotated test targets (``semgrep_rules/*.py``): per
   rule, how many ``# ruleid:`` lines each tool flags (recall) and how many
   ``# ok:`` lines it flags (false positives). Bandit is counted only through
   the test ids that address the same hazard (e.g. B614 for torch.load); a rule
   with no Bandit counterpart shows ``n/a``.
2. Speed on a corpus of ``--copies`` copies of those targets: wall time of
   ``governance-hooks semgrep`` (Semgrep + our pack + finding mapping), of raw
   ``semgrep scan`` with the same pack (our overhead), and of ``bandit -r``.

Run: ``python bench/semgrep_bench.py [--copies 50]`` (needs semgrep and bandit).
Offline: Semgrep runs with metrics and version checks off.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACK = ROOT / "semgrep_rules"
ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*([\w-]+)")

#: Bandit test ids that address the same hazard as one of our rules.
BANDIT_EQUIVALENT = {
    "torch-load-without-weights-only": {"B614"},
    "pickle-load-untrusted": {"B301"},
    "yaml-unsafe-load": {"B506"},
    "shell-command-non-literal": {"B602", "B605", "B604", "B609"},
    "eval-exec-non-literal": {"B307", "B102"},
    "network-call-without-timeout": {"B113"},
}


def bin_of(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} is not installed (pip install {name})")
    return found


def semgrep_env(state: Path) -> dict:
    return {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off",
            "SEMGREP_SETTINGS_FILE": str(state / "settings.yml"), "SEMGREP_LOG_FILE": str(state / "log")}


def annotations(path: Path):
    """{rule: {"ruleid": set(lines), "ok": set(lines)}} for one target (an annotation marks the next line)."""
    marks = defaultdict(lambda: {"ruleid": set(), "ok": set()})
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = ANNOTATION.search(line)
        if match:
            marks[match.group(2)][match.group(1)].add(number + 1)
    return marks


def rule_family(rule: str) -> str:
    return "deprecated-import" if rule.startswith("deprecated-import") else rule


def timed(argv, **kwargs):
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - started, proc


def accuracy(state: Path) -> None:
    targets = sorted(PACK.glob("*.py"))
    _, ours = timed([bin_of("governance-hooks"), "semgrep", "--repo", str(PACK), "--format", "json",
                     *[t.name for t in targets]], cwd=PACK)
    _, bandit = timed([bin_of("bandit"), "-q", "-f", "json", *map(str, targets)])
    our_lines = defaultdict(set)
    for f in json.loads(ours.stdout)["findings"]:
        our_lines[(f["path"], f["rule_id"].split("/", 1)[1])].add(f["line"])
    bandit_lines = defaultdict(set)
    for r in json.loads(bandit.stdout)["results"]:
        bandit_lines[(Path(r["filename"]).name, r["test_id"])].add(r["line_number"])

    print("Accuracy on the annotated targets (flagged ruleid lines / expected; ok lines flagged = false positives)")
    print(f"{'rule':<36} {'governance-hooks':>18} {'FP':>4}   {'bandit':>10} {'FP':>4}")
    totals = defaultdict(int)
    for target in targets:
        per_family = defaultdict(lambda: {"ruleid": set(), "ok": set()})
        for rule, marks in annotations(target).items():
            per_family[rule_family(rule)]["ruleid"] |= marks["ruleid"]
            per_family[rule_family(rule)]["ok"] |= marks["ok"]
        for family, marks in sorted(per_family.items()):
            hit = our_lines[(target.name, family)]
            ours_tp, ours_fp = len(hit & marks["ruleid"]), len(hit & marks["ok"])
            totals["expected"] += len(marks["ruleid"])
            totals["ours_tp"] += ours_tp
            totals["ours_fp"] += ours_fp
            if family in BANDIT_EQUIVALENT:
                flagged = set().union(*(bandit_lines[(target.name, t)] for t in BANDIT_EQUIVALENT[family]))
                b_tp, b_fp = len(flagged & marks["ruleid"]), len(flagged & marks["ok"])
                totals["bandit_tp"] += b_tp
                totals["bandit_expected"] += len(marks["ruleid"])
                totals["bandit_fp"] += b_fp
                bandit_cell, bandit_fp = f"{b_tp}/{len(marks['ruleid'])}", str(b_fp)
            else:
                bandit_cell, bandit_fp = "n/a", ""
            ours_cell = f"{ours_tp}/{len(marks['ruleid'])}"
            print(f"{family:<36} {ours_cell:>18} {ours_fp:>4}   {bandit_cell:>10} {bandit_fp:>4}")
    ours_total = f"{totals['ours_tp']}/{totals['expected']}"
    bandit_total = f"{totals['bandit_tp']}/{totals['bandit_expected']}"
    print(f"{'total':<36} {ours_total:>18} {totals['ours_fp']:>4}   "
          f"{bandit_total:>10} {totals['bandit_fp']:>4}  (bandit: the 6 rules it covers)")


def speed(copies: int, state: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="semgrep-bench-") as scratch:
        corpus = Path(scratch) / "corpus"
        for n in range(copies):
            folder = corpus / f"pkg{n:03d}"
            folder.mkdir(parents=True)
            for target in PACK.glob("*.py"):
                shutil.copyfile(target, folder / (target.stem.replace("-", "_") + ".py"))
        files = sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*.py"))
        lines = sum(len((corpus / f).read_text().splitlines()) for f in files)
        runs = {
            "governance-hooks semgrep": [bin_of("governance-hooks"), "semgrep", "--repo", str(corpus),
                                         "--format", "json", *files],
            "semgrep scan (same pack)": [bin_of("semgrep"), "scan", "--json", "--quiet", "--metrics=off",
                                         "--disable-version-check", "--config", str(PACK), *files],
            "bandit -r": [bin_of("bandit"), "-q", "-f", "json", "-r", str(corpus)],
        }
        seconds = {}
        print(f"\nSpeed on {len(files)} files, {lines} lines ({copies} copies of the targets), one run each")
        for name, argv in runs.items():
            took, proc = timed(argv, cwd=corpus, env=semgrep_env(state))
            document = json.loads(proc.stdout)
            count = len(document.get("findings") or document.get("results") or [])
            seconds[name] = took
            print(f"  {name:<26} {took:7.2f} s  {count:6d} findings")
        base = seconds["governance-hooks semgrep"]
        print(f"  ratio governance-hooks / semgrep scan: {base / seconds['semgrep scan (same pack)']:.2f}")
        print(f"  ratio governance-hooks / bandit:       {base / seconds['bandit -r']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50, help="copies of the targets in the speed corpus (default 50)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="semgrep-state-") as state:
        accuracy(Path(state))
        speed(args.copies, Path(state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
