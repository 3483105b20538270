"""Start-up time of a commit hook: ``governance-hooks codeowners`` on a ten-file repository.

Target (issue 2): under 0.3 s wall on this machine. Prints the median of N runs
beside the bare interpreter start-up (``python -c pass``) and the ratio, so the
figure can be read against what no Python tool can beat.

    python bench/startup_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_repo(root: Path) -> None:
    files = {f"src/mod{i}.py": "x = 1\n" for i in range(8)}
    files["README.md"] = "demo\n"
    files[".github/CODEOWNERS"] = "* @org/platform\n/src/ @org/ml\n"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=root, env=env, check=True)


def median_seconds(cmd, cwd: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    exe = shutil.which("governance-hooks")
    if exe is None:
        print("governance-hooks is not installed in this environment (pip install -e .)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_repo(root)
        bare = median_seconds([sys.executable, "-c", "pass"], root, args.runs)
        ours = median_seconds([exe, "codeowners"], root, args.runs)
        imports = median_seconds([sys.executable, "-X", "importtime", "-c", "import governance_hooks.cli"], root, 3)
    print(f"{'command':<48} {'median s':>9}")
    print(f"{'python -c pass (interpreter floor)':<48} {bare:>9.3f}")
    print(f"{'governance-hooks codeowners (10 files)':<48} {ours:>9.3f}")
    print(f"{'python -X importtime -c import governance_hooks.cli':<48} {imports:>9.3f}")
    print(f"ratio ours / interpreter floor: {ours / bare:.1f}x; target < 0.300 s: {'met' if ours < 0.3 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
