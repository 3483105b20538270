"""One pass (`governance-hooks run`) against one process per check, on examples/demo-repo.

The anchor is how the pre-commit framework runs the hooks: one console
script, so one interpreter start-up and one repository scan, per check.
`governance-hooks run` (the Action and hooks/pre-commit) does every check in
one process. Prints the median wall time of each over N repetitions and the
ratio. Usage: python bench/pipeline_bench.py [REPO] [-n N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _time(commands, cwd) -> float:
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", nargs="?", type=Path, default=ROOT / "examples" / "demo-repo")
    parser.add_argument("-n", type=int, default=5, help="repetitions (median reported)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from governance_hooks import changes
    from governance_hooks.pipeline import selection
    from governance_hooks.config import load

    repo = args.repo.resolve()
    config = load(None, repo)
    enabled = [s.check for s in selection.select(None, config, lambda: changes.discoverable(repo)) if s.skip is None]
    exe = str(BIN / "governance-hooks")
    per_check = [[exe, c, "--repo", str(repo)] for c in enabled]
    with tempfile.TemporaryDirectory() as tmp:
        one_pass = [[exe, "run", str(repo), "--sarif", f"{tmp}/o.sarif", "--summary", f"{tmp}/s.md", "--report", f"{tmp}/r"]]
        _time(one_pass, repo)  # warm the file cache and bytecode
        runs = {"one pass (run + SARIF + summary + report)": [_time(one_pass, repo) for _ in range(args.n)],
                f"one process per check ({len(enabled)} checks)": [_time(per_check, repo) for _ in range(args.n)]}
    print(f"repository: {repo}  checks: {', '.join(enabled)}  repetitions: {args.n}")
    medians = {}
    for name, times in runs.items():
        medians[name] = statistics.median(times)
        print(f"  {name:<45} median {medians[name]:.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
    first, second = medians.values()
    print(f"  ratio per-check / one-pass: {second / first:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
