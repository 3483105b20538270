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

3. With ``--tree PATH`` (a git work tree of real code, e.g. one extracted by
   ``bench/semgrep_real.py --extract``): the whole tree and a one-file commit,
   ``--rounds`` interleaved rounds, CPU seconds of the child processes (user +
   sys, what a busy machine does not inflate) and wall seconds, minimum over the
   rounds, for: the check; raw ``semgrep scan`` (Python front end) with the pack;
   the same with the pack of ``--old-rev`` (the rule pack before this
   post-analysis, whose non-atomic rule had three ``... os.replace`` clauses); raw
   ``semgrep scan --experimental`` (the OCaml front end the check runs); and
   ``bandit``. It also says whether the check's findings were identical in every
   round (results must not depend on load).

Run: ``python bench/semgrep_bench.py [--copies 50] [--tree PATH --rounds 3 --old-rev REV]``
(needs semgrep and bandit). Offline: Semgrep runs with metrics and version checks off.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
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


def cpu_timed(argv, **kwargs):
    """(wall seconds, CPU seconds of the child and its waited descendants, completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, proc = timed(argv, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc


def old_pack(rev: str, into: Path) -> Path:
    """The rule pack as it was at git revision ``rev`` (YAML files only)."""
    listing = subprocess.run(["git", "ls-tree", "--name-only", rev, "src/governance_hooks/data/semgrep/"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    into.mkdir(parents=True, exist_ok=True)
    for name in listing:
        if name.endswith(".yaml"):
            blob = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=ROOT, capture_output=True, check=True).stdout
            (into / Path(name).name).write_bytes(blob)
    return into


def combined(pack: Path, into: Path) -> Path:
    import yaml

    rules = []
    for path in sorted(pack.glob("*.yaml")):
        rules += yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]
    into.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    return into


def tree_speed(tree: Path, rounds: int, rev: str, state: Path) -> None:
    files = [f for f in subprocess.run(["git", "ls-files", "*.py"], cwd=tree, capture_output=True, text=True,
                                       check=True).stdout.split() if (tree / f).is_file()]
    lines = sum(len((tree / f).read_bytes().splitlines()) for f in files)
    one = max(files, key=lambda f: (tree / f).stat().st_size if f.count("/") <= 2 else 0)
    old = old_pack(rev, state / "old-pack")
    new_file = combined(PACK, state / "pack.yaml")
    scan = [bin_of("semgrep"), "scan", "--json", "--quiet", "--metrics=off", "--disable-version-check",
            "--no-git-ignore", "--timeout", "0"]
    whole = {
        "governance-hooks semgrep": [bin_of("governance-hooks"), "semgrep", "--repo", str(tree), "--format", "json",
                                     "--budget", "3600"],
        "semgrep --experimental (pack)": [*scan, "--experimental", "--config", str(new_file), "--", *files],
        "semgrep scan (pack)": [*scan, "--config", str(PACK), "--", *files],
        f"semgrep scan (pack at {rev})": [*scan, "--config", str(old), "--", *files],
        "bandit -r": [bin_of("bandit"), "-q", "-f", "json", "-r", "."],
    }
    commit = {
        "governance-hooks semgrep FILE": [bin_of("governance-hooks"), "semgrep", "--repo", str(tree), "--format",
                                          "json", one],
        "semgrep scan (pack) FILE": [*scan, "--config", str(PACK), "--", one],
        "bandit FILE": [bin_of("bandit"), "-q", "-f", "json", one],
    }
    for title, runs in ((f"Whole tree {tree.name}: {len(files)} files, {lines} lines", whole),
                        (f"One-file commit: {one} ({len((tree / one).read_bytes().splitlines())} lines)", commit)):
        best = {name: (float("inf"), float("inf")) for name in runs}
        counts, finding_sets = {}, []
        for _ in range(rounds):
            for name, argv in runs.items():
                wall, cpu, proc = cpu_timed(argv, cwd=tree, env=semgrep_env(state))
                document = json.loads(proc.stdout)
                found = document.get("findings") if "findings" in document else document.get("results") or []
                counts[name] = len(found)
                best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
                if name.startswith("governance-hooks"):
                    finding_sets.append(sorted((f["rule_id"], f["path"], f["line"]) for f in found))
        print(f"\n{title}; {rounds} interleaved rounds, minimum; load average {os.getloadavg()[0]:.1f}")
        print(f"  {'':<34} {'CPU s':>8} {'wall s':>8} {'findings':>9}")
        for name, (wall, cpu) in best.items():
            print(f"  {name:<34} {cpu:8.2f} {wall:8.2f} {counts[name]:9d}")
        ours = best[next(iter(runs))][1]
        for name, (_, cpu) in list(best.items())[1:]:
            print(f"  CPU ratio governance-hooks / {name}: {ours / cpu:.2f}" if cpu else "")
        print(f"  governance-hooks findings identical in all {rounds} rounds: "
              f"{'yes' if all(s == finding_sets[0] for s in finding_sets) else 'NO'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50, help="copies of the targets in the speed corpus (default 50)")
    parser.add_argument("--tree", type=Path, help="a git work tree of real code to time (whole tree and one file)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds for --tree (default 3)")
    parser.add_argument("--old-rev", default="2fd2ca1", help="git revision of the earlier pack for --tree")
    parser.add_argument("--skip-targets", action="store_true", help="only the --tree part")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="semgrep-state-") as state:
        if not args.skip_targets:
            accuracy(Path(state))
            speed(args.copies, Path(state))
        if args.tree:
            tree_speed(args.tree.resolve(), args.rounds, args.old_rev, Path(state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
