"""Environment size and first-install time of each pre-commit hook, installed by pre-commit itself.

For each hook id of ``.pre-commit-hooks.yaml`` (and for all seven together) this
creates a fresh ``PRE_COMMIT_HOME`` and a one-hook ``.pre-commit-config.yaml``
whose ``repo`` is this checkout at a commit, runs ``pre-commit install-hooks``
with pip's cache off (a first install downloads everything), and prints the
wall time and the size of what pre-commit built (its environments plus the
clone of this repository, ``du``). Needs the package index (pip downloads).

    python bench/hook_env_bench.py [--rev HEAD] [--hooks codeowners,redos] [--home DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]


def size_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total


def install(hooks, rev: str, home: Path) -> tuple:
    """``(seconds, bytes, environments)`` for a first ``pre-commit install-hooks`` of ``hooks``."""
    repo = home / "user-repo"
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    config = {"repos": [{"repo": str(PROJECT), "rev": rev, "hooks": [{"id": h} for h in hooks]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    env = {**os.environ, "PRE_COMMIT_HOME": str(home / "cache"), "PIP_NO_CACHE_DIR": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"], cwd=repo, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    envs = sum(1 for p in (home / "cache").glob("repo*/py_env-*"))
    return seconds, size_bytes(home / "cache"), envs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="HEAD", help="commit of this checkout to install (default: HEAD)")
    parser.add_argument("--hooks", help="comma-separated hook ids (default: each hook, then all together)")
    parser.add_argument("--home", type=Path, help="where to build (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    rev = subprocess.run(["git", "rev-parse", args.rev], cwd=PROJECT, capture_output=True, text=True,
                         check=True).stdout.strip()
    ids = [h["id"] for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())]
    chosen = args.hooks.split(",") if args.hooks else ids
    runs = [[h] for h in chosen] + ([ids] if not args.hooks else [])
    base = args.home or Path(tempfile.mkdtemp(prefix="hook-env-bench-"))
    print(f"governance-hooks at {rev[:12]}; load average {os.getloadavg()[0]:.2f} (2 cores shared)")
    print(f"{'hook':<22} {'first install s':>15} {'size MB':>9} {'environments':>12}")
    try:
        for hooks in runs:
            name = hooks[0] if len(hooks) == 1 else "all seven"
            home = base / name.replace(" ", "-")
            seconds, size, envs = install(hooks, rev, home)
            print(f"{name:<22} {seconds:>15.1f} {size / 1e6:>9.1f} {envs:>12}", flush=True)
            shutil.rmtree(home, ignore_errors=True)
    finally:
        if args.home is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
