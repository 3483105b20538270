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
   ``bench/semgrep_real.py --extract``): ``--rounds`` interleaved rounds, CPU
   seconds of the child processes (user + sys, what a busy machine inflates
   least) and wall seconds, minimum over the rounds, and the CPU ratio of the
   check to each row:

   - the whole tree: the check; raw ``semgrep scan --experimental`` (the OCaml
     front end the check runs) with the pack, and with the pack of ``--old-rev``
     (before the post-analysis; its non-atomic rule had ``... os.replace``
     clauses; one round); ``bandit -r``; with ``--python-front-end`` also plain ``semgrep
     scan`` (the Python front end, 5-6x the CPU: one round);
   - a one-file commit, for the largest top-level file and the median file: the
     hook's entry as pre-commit runs it (``governance-hooks-semgrep FILE``),
     ``pre-commit run`` on the same hook, raw Semgrep (both front ends), Bandit;
   - the per-rule cost of the non-atomic rule then and now on ``--sample`` files
     (Semgrep's own matching time, ``--time``), beside the whole packs and a
     rule that only makes Semgrep parse every file (the floor); alone with
     ``--sample-only``.

   An anchor run that outlives ``--anchor-timeout`` wall seconds is killed and
   shown as such. It also says whether the check's findings were identical in
   every round (results must not depend on load; ``semgrep_determinism.py``
   loads the other cores on purpose).

Run: ``python bench/semgrep_bench.py [--copies 50] [--tree PATH --rounds 3 --old-rev REV --anchor-timeout 600]``
(needs semgrep, bandit and pre-commit). Offline: Semgrep runs with metrics and version checks off.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
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
            "SEMGREP_SETTINGS_FILE": str(state / "settings.yml"), "SEMGREP_LOG_FILE": str(state / "log"),
            "PRE_COMMIT_HOME": str(state / "pre-commit")}


#: The ``semgrep-governance`` hook of .pre-commit-hooks.yaml as a local hook (same entry, types, serial).
PRE_COMMIT_CONFIG = """repos:
  - repo: local
    hooks:
      - id: semgrep-governance
        name: Semgrep rules for ML hazards (offline)
        entry: {entry}
        language: system
        types: [python]
        require_serial: true
"""


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


def cpu_timed(argv, timeout=None, **kwargs):
    """(wall s, CPU s of the child and its waited descendants, stdout) of one run.

    With ``timeout`` (wall seconds) a run that outlives it is killed with its
    process group and gives ``(None, CPU s spent so far or None, None)``: a
    bounded anchor row.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            start_new_session=True, **kwargs)
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        spent = group_cpu(proc.pid)  # killed processes are never waited for: read their clocks first
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, spent, None
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), stdout


def group_cpu(group: int):
    """CPU seconds (user + sys) the live processes of a process group have used, from /proc; None elsewhere."""
    total = 0.0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        try:
            # fields after the command's closing parenthesis: state is 3rd, pgrp 5th, utime 14th, stime 15th
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


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


def combined(pack: Path, into: Path, only: str = "") -> Path:
    """One rules file holding every rule of ``pack`` (or only the rule ``only``)."""
    import yaml

    rules = []
    for path in sorted(pack.glob("*.yaml")):
        rules += [r for r in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"] if r["id"] == only or not only]
    into.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    return into


def count_findings(stdout):
    """Findings (ours) or results (Semgrep, Bandit) in a JSON report; None for other output."""
    try:
        document = json.loads(stdout)
    except ValueError:
        return None
    found = document.get("findings") if "findings" in document else document.get("results") or []
    return found


def python_files(tree: Path):
    return [f for f in subprocess.run(["git", "ls-files", "*.py"], cwd=tree, capture_output=True, text=True,
                                      check=True).stdout.split() if (tree / f).is_file()]


def timing_table(title: str, runs, tree: Path, rounds: int, state: Path, anchor_timeout: float) -> None:
    """Run ``runs`` ({name: (argv, rounds or None for all)}) interleaved; print minimum CPU and wall.

    The first row is ours; every other row is an anchor, killed after ``anchor_timeout`` wall seconds.
    """
    best = {name: (float("inf"), float("inf")) for name in runs}
    counts, finding_sets, killed = {}, [], {}
    for number in range(rounds):
        for index, (name, (argv, only_rounds)) in enumerate(runs.items()):
            if name in killed or (only_rounds is not None and number >= only_rounds):
                continue
            wall, cpu, stdout = cpu_timed(argv, timeout=None if index == 0 else anchor_timeout,
                                          cwd=tree, env=semgrep_env(state))
            if wall is None:
                killed[name] = cpu
                continue
            found = count_findings(stdout)
            counts[name] = "" if found is None else len(found)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
            if index == 0 and found is not None:
                finding_sets.append(sorted((f["rule_id"], f["path"], f["line"], f["message"]) for f in found))
    print(f"\n{title}; {rounds} interleaved rounds, minimum; load average {os.getloadavg()[0]:.1f}")
    print(f"  {'':<56} {'CPU s':>8} {'wall s':>8} {'findings':>9} {'ours/row CPU':>13}")
    ours = best[next(iter(runs))][1]
    for name, (wall, cpu) in best.items():
        only_rounds = runs[name][1]
        label = name + (f" [{only_rounds} round]" if only_rounds is not None and only_rounds < rounds else "")
        if name in killed and cpu == float("inf"):
            spent = killed[name]
            cpu_cell = "killed" if spent is None else f">{spent:.2f}"
            ratio = "" if not spent else f"<{ours / spent:.2f}"
            print(f"  {label:<56} {cpu_cell:>8} {'>' + format(anchor_timeout, 'g'):>8} {'killed':>9} {ratio:>13}")
            continue
        ratio = f"{ours / cpu:.2f}" if cpu else ""
        print(f"  {label:<56} {cpu:8.2f} {wall:8.2f} {counts.get(name, ''):>9} {ratio:>13}")
    if finding_sets:
        same = all(s == finding_sets[0] for s in finding_sets)
        print(f"  our findings identical in all {len(finding_sets)} rounds: {'yes' if same else 'NO'}")


#: A rule with no identifier for Semgrep's prefilter: every file is parsed, little is matched (the floor).
PARSE_ONLY = """rules:
  - id: parse-only
    languages: [python]
    severity: INFO
    message: a function
    pattern: |
      def $F(...):
        ...
"""


def rule_cost(tree: Path, files, sample: int, rev: str, state: Path, anchor_timeout: float) -> None:
    """Per-rule cost of the non-atomic rule, before (``rev``) and now, on every k-th file (OCaml engine)."""
    step = max(1, len(files) // sample)
    chosen = files[::step][:sample]
    rule = "non-atomic-checkpoint-write"
    (state / "parse-only.yaml").write_text(PARSE_ONLY, encoding="utf-8")
    packs = {f"{rule} at {rev}": combined(old_pack(rev, state / "old-pack"), state / "old-rule.yaml", rule),
             f"{rule} now": combined(PACK, state / "new-rule.yaml", rule),
             f"whole pack at {rev}": combined(state / "old-pack", state / "old-pack.yaml"),
             "whole pack now": combined(PACK, state / "pack.yaml"),
             "parsing only (a rule no file is filtered out of)": state / "parse-only.yaml"}
    print(f"\nPer-rule cost on a sample of {len(chosen)} files (every {step}th), semgrep --experimental --time, "
          f"--timeout 0; load average {os.getloadavg()[0]:.1f}")
    print(f"  {'':<50} {'CPU s':>8} {'wall s':>8} {'match s':>8} {'results':>8}  (match s: summed over files, wall)")
    for name, config in packs.items():
        argv = [bin_of("semgrep"), "scan", "--experimental", "--json", "--time", "--quiet", "--metrics=off",
                "--disable-version-check", "--no-git-ignore", "--timeout", "0", "--config", str(config), "--",
                *chosen]
        wall, cpu, stdout = cpu_timed(argv, timeout=anchor_timeout, cwd=tree, env=semgrep_env(state))
        if wall is None:
            cpu_cell = "killed" if cpu is None else f">{cpu:.2f}"
            print(f"  {name:<50} {cpu_cell:>8} {'>' + format(anchor_timeout, 'g'):>8}")
            continue
        document = json.loads(stdout)
        # match seconds: Semgrep's own per-file, per-rule matching time (parsing excluded)
        match = sum(sum(t["match_times"]) for t in document["time"]["targets"])
        print(f"  {name:<50} {cpu:8.2f} {wall:8.2f} {match:8.2f} {len(document['results']):8d}")


def tree_speed(tree: Path, rounds: int, rev: str, state: Path, anchor_timeout: float, python_front_end: bool,
               sample: int) -> None:
    files = python_files(tree)
    lines = sum(len((tree / f).read_bytes().splitlines()) for f in files)
    by_size = sorted(files, key=lambda f: ((tree / f).stat().st_size, f))
    largest = max(files, key=lambda f: (tree / f).stat().st_size if f.count("/") <= 2 else 0)
    median = by_size[len(by_size) // 2]
    old = old_pack(rev, state / "old-pack")
    old_file = combined(old, state / "old-pack.yaml")
    new_file = combined(PACK, state / "pack.yaml")
    scan = [bin_of("semgrep"), "scan", "--json", "--quiet", "--metrics=off", "--disable-version-check",
            "--no-git-ignore", "--timeout", "0"]
    # The OCaml front end (--experimental) is the engine the check runs; the Python front end is what a
    # plain `semgrep scan` runs, 5-6x the CPU: one round of it, and only with --python-front-end.
    whole = {
        "governance-hooks semgrep": ([bin_of("governance-hooks"), "semgrep", "--repo", str(tree), "--format", "json",
                                      "--budget", "3600"], None),
        "semgrep --experimental (pack)": ([*scan, "--experimental", "--config", str(new_file), "--", *files], None),
        # the pack before: a reference point, several times the CPU of the rest: one round
        f"semgrep --experimental (pack at {rev})": ([*scan, "--experimental", "--config", str(old_file), "--",
                                                     *files], 1),
        "bandit -r": ([bin_of("bandit"), "-q", "-f", "json", "-r", "."], None),
    }
    if python_front_end:
        whole["semgrep scan (pack)"] = ([*scan, "--config", str(PACK), "--", *files], 1)
        whole[f"semgrep scan (pack at {rev})"] = ([*scan, "--config", str(old), "--", *files], 1)
    timing_table(f"Whole tree {tree.name}: {len(files)} files, {lines} lines", whole, tree, rounds, state,
                 anchor_timeout)
    hook = bin_of("governance-hooks-semgrep")
    # pre-commit itself, on the documented hook's entry and file types (a local hook: no environment to build)
    config = state / "pre-commit-config.yaml"
    config.write_text(PRE_COMMIT_CONFIG.format(entry=hook), encoding="utf-8")
    for label, one in (("largest top-level", largest), ("median", median)):
        # What pre-commit runs for the documented hook: its entry with the staged file names, at the root.
        commit = {
            "hook entry: governance-hooks-semgrep FILE": ([hook, "--format", "json", one], None),
            "pre-commit run semgrep-governance --files FILE": ([bin_of("pre-commit"), "run", "-c", str(config),
                                                                "semgrep-governance", "--files", one], None),
            "semgrep --experimental (pack) FILE": ([*scan, "--experimental", "--config", str(new_file), "--", one],
                                                   None),
            "semgrep scan (pack) FILE": ([*scan, "--config", str(PACK), "--", one], None),
            "bandit FILE": ([bin_of("bandit"), "-q", "-f", "json", one], None),
        }
        timing_table(f"One-file commit, {label} file: {one} ({len((tree / one).read_bytes().splitlines())} lines)",
                     commit, tree, rounds, state, anchor_timeout)
    if sample:
        rule_cost(tree, files, sample, rev, state, anchor_timeout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50, help="copies of the targets in the speed corpus (default 50)")
    parser.add_argument("--tree", type=Path, help="a git work tree of real code to time (whole tree and one file)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds for --tree (default 3)")
    parser.add_argument("--old-rev", default="2fd2ca1", help="git revision of the earlier pack for --tree")
    parser.add_argument("--skip-targets", action="store_true", help="only the --tree part")
    parser.add_argument("--anchor-timeout", type=float, default=600,
                        help="wall seconds after which an anchor run is killed and shown as such (default 600)")
    parser.add_argument("--python-front-end", action="store_true",
                        help="also time plain `semgrep scan` (Python front end, one round) on the whole tree")
    parser.add_argument("--sample", type=int, default=100,
                        help="files in the per-rule cost sample for --tree (0: none; default 100)")
    parser.add_argument("--sample-only", action="store_true", help="with --tree: only the per-rule cost sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="semgrep-state-") as state:
        if not args.skip_targets:
            accuracy(Path(state))
            speed(args.copies, Path(state))
        if args.tree and args.sample_only:
            rule_cost(args.tree.resolve(), python_files(args.tree.resolve()), args.sample, args.old_rev, Path(state),
                      args.anchor_timeout)
        elif args.tree:
            tree_speed(args.tree.resolve(), args.rounds, args.old_rev, Path(state), args.anchor_timeout,
                       args.python_front_end, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
