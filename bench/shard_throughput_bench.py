"""Throughput of one CI job, to decide when to shard (examples/workflows/governance-sharded.yml).

Measures, on generated inputs of known size: ``manifest verify --no-cache``
(bytes hashed per minute: the dataset check is I/O and sha256), the
``checks`` job of the sharded workflow (``run --checks
codeowners,redos,metrics,policy,checkpoint``; files per minute over Python
files that each hold regexes) and the ``semgrep`` job (files per minute).
Prints wall and CPU time, the derived rates, and the load average.

    python bench/shard_throughput_bench.py [--files 400] [--megabytes 256]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def timed(argv, cwd: Path, env) -> tuple:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=400, help="Python files in the generated repository")
    parser.add_argument("--megabytes", type=int, default=256, help="size of the generated dataset")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0", "CI": "true"}
    cli = [sys.executable, "-m", "governance_hooks"]
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        for i in range(args.files):
            path = repo / "src" / f"pkg{i % 20}" / f"mod{i}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("import re\n\n" + "".join(
                f"P{j} = re.compile(r'^[a-z]+_{i}_{j}(\\d{{2,4}})?$')\n\ndef f{j}(x):\n    return P{j}.match(x)\n\n"
                for j in range(10)))
        (repo / "CODEOWNERS").write_text("* @acme/all\n/src/ @acme/src\n")
        data = repo / "data" / "set"
        data.mkdir(parents=True)
        chunk = os.urandom(1 << 20)
        for i in range(args.megabytes // 4):
            (data / f"shard-{i:04d}.bin").write_bytes(chunk * 4)
        for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "x"]):
            subprocess.run(cmd, cwd=repo, env=env, check=True)
        subprocess.run(cli + ["manifest", "build", "data/set"], cwd=repo, env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"load average {os.getloadavg()[0]:.2f} (2 cores shared)")
        wall, cpu = timed(cli + ["manifest", "verify", "--no-cache", "data/set/manifest.json"], repo, env)
        mb = args.megabytes
        print(f"manifest verify --no-cache: {mb} MB in {wall:.1f} s wall, {cpu:.1f} s CPU: "
              f"{mb / wall * 60:,.0f} MB/min wall, {mb / cpu * 60:,.0f} MB per CPU minute")
        wall, cpu = timed(cli + ["run", "--checks", "codeowners,redos,metrics,policy,checkpoint"], repo, env)
        n = args.files
        print(f"run (checks job): {n} Python files in {wall:.1f} s wall, {cpu:.1f} s CPU: {n / wall * 60:,.0f} files/min wall")
        wall, cpu = timed(cli + ["run", "--checks", "semgrep"], repo, env)
        print(f"run (semgrep job): {n} Python files in {wall:.1f} s wall, {cpu:.1f} s CPU: {n / wall * 60:,.0f} files/min wall")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
