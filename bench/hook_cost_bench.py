"""What each pre-commit hook costs: a one-file commit and the whole demo repository.

For every hook of ``.pre-commit-hooks.yaml`` this runs the hook's entry the way
pre-commit does, in a git copy of ``examples/demo-repo``: once with one
matching staged file (or with no file names, for hooks that take none), and
once with every matching file (``pre-commit run --all-files``). It prints the
median wall time and the median CPU time (user + system of the hook process,
which a busy machine inflates less) over ``--runs`` runs, and the load average.

    python bench/hook_cost_bench.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
ONE_FILE = {
    "redos": "src/demo/text_clean.py",
    "metrics-ndjson": "runs/resnet-tiny/2024-05-01/metrics.ndjson",
    "checkpoints": "checkpoints/resnet-tiny/epoch_03/model.pt",
    "semgrep-governance": "src/demo/train.py",
}
TYPES = {"python": (".py",), "pyi": (".pyi",), "json": (".json",)}


def matching(hook: dict, files):
    """The files pre-commit would pass: ``files`` regex and ``types``/``types_or`` (by extension)."""
    pattern = re.compile(hook.get("files", ""))
    kinds = hook.get("types_or") or [t for t in hook.get("types", []) if t != "file"]
    suffixes = tuple(s for k in kinds for s in TYPES.get(k, ()))
    return [f for f in files if pattern.search(f) and (not suffixes or f.endswith(suffixes))]


def measure(argv, cwd: Path, runs: int, env) -> tuple:
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return statistics.median(walls), statistics.median(cpus)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1", "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0",
           "CI": "true"}
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "demo"
        shutil.copytree(PROJECT / "examples" / "demo-repo", repo)
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "demo"]):
            subprocess.run(cmd, cwd=repo, env=env, check=True)
        files = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True, check=True).stdout.split()
        print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared); median of {args.runs} runs; "
              f"demo repository: {len(files)} files")
        print(f"{'hook':<20} {'one file: wall s':>16} {'cpu s':>7} {'demo repo: wall s':>18} {'cpu s':>7} {'files':>6}")
        for hook in hooks:
            entry = hook["entry"].split()
            check = entry[0].replace("governance-hooks-", "")
            base = [sys.executable, "-m", "governance_hooks", check, *entry[1:], *hook.get("args", [])]
            if hook.get("pass_filenames", True) is False:
                one, every, count = base, base, len(files)
            else:
                chosen = matching(hook, files)
                one, every, count = base + [ONE_FILE[hook["id"]]], base + chosen, len(chosen)
            one_wall, one_cpu = measure(one, repo, args.runs, env)
            all_wall, all_cpu = measure(every, repo, args.runs, env)
            print(f"{hook['id']:<20} {one_wall:>16.2f} {one_cpu:>7.2f} {all_wall:>18.2f} {all_cpu:>7.2f} {count:>6}",
                  flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
