"""Do the Semgrep check's findings depend on machine load? Two runs on one tree, compared.

The first run is on the machine as it is; during the second, ``--busy`` processes
spin in a loop (one per core to take away; by default all cores but one), so
Semgrep gets a fraction of the CPU it got before. Per-file time limits that
expire under load drop a file's results, which is what made a scan of a large
tree give different findings depending on load. The two JSON reports must hold
the same findings (every field, in the same order); the script prints both
counts, CPU and wall seconds of each run, the load average, and exits 1 when
they differ.

Run: ``python bench/semgrep_determinism.py --tree PATH [--busy N]``, where PATH is
a git work tree of real code (e.g. one extracted by ``bench/semgrep_real.py --extract``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUSY_LOOP = "while True:\n    pass\n"


def check(tree: Path, state: Path):
    """(findings, CPU s, wall s) of one ``governance-hooks semgrep`` run on the whole tree."""
    executable = Path(sys.executable).parent / "governance-hooks"
    argv = [str(executable) if executable.exists() else shutil.which("governance-hooks") or "governance-hooks",
            "semgrep", "--repo", str(tree), "--format", "json", "--budget", "3600"]
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off",
           "SEMGREP_SETTINGS_FILE": str(state / "settings.yml"), "SEMGREP_LOG_FILE": str(state / "log")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        sys.exit(f"governance-hooks semgrep exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(proc.stdout)["findings"], cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, required=True, help="a git work tree of real code")
    parser.add_argument("--busy", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                        help="busy-loop processes during the second run (default: all cores but one)")
    args = parser.parse_args()
    tree = args.tree.resolve()
    runs = []
    with tempfile.TemporaryDirectory(prefix="semgrep-determinism-") as state:
        for busy in (0, args.busy):
            spinners = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(busy)]
            try:
                findings, cpu, wall = check(tree, Path(state))
            finally:
                for spinner in spinners:
                    spinner.kill()
                    spinner.wait()
            runs.append(findings)
            incomplete = sum(f["rule_id"] == "semgrep/analysis-incomplete" for f in findings)
            print(f"{busy} busy-loop processes: {len(findings)} findings ({incomplete} analysis-incomplete), "
                  f"CPU {cpu:.2f} s, wall {wall:.2f} s, load average {os.getloadavg()[0]:.1f}")
    same = runs[0] == runs[1]
    print(f"findings identical: {'yes' if same else 'NO'}")
    if not same:
        first = {json.dumps(f, sort_keys=True) for f in runs[0]}
        second = {json.dumps(f, sort_keys=True) for f in runs[1]}
        for line in sorted(first - second)[:20]:
            print(f"  only in the first run:  {line}")
        for line in sorted(second - first)[:20]:
            print(f"  only in the second run: {line}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
