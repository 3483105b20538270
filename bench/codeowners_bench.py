"""CODEOWNERS speed on a real corpus, side by side with the `codeowners` package from PyPI.

Measures, on the largest corpus of ../shared/corpora/codeowners (most files):

(a) full validation: ``governance-hooks codeowners <CODEOWNERS> --files-from files.txt``
    run in-process (parse, compile, one pass over every file for owners, dead,
    duplicate and shadowed rules, rendering), and once as a subprocess (wall time
    including interpreter start-up);
(b) the owners of every listed file: our trie matcher (``Ownership.owners_of_all``)
    against ``codeowners.CodeOwners(text).of(path)`` (a port of hmarr/codeowners'
    per-rule regex scan), both including the time to load the file, and checks
    that both agree on the deciding line of every file.

Targets (issue 2): (a) under 1 s; (b) at least 20x faster than the PyPI package.
Prints the best of --repeat runs and the ratios.

    python bench/codeowners_bench.py [--corpus NAME] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CORPORA = PROJECT.parent / "shared" / "corpora" / "codeowners"


def best_of(repeat: int, func):
    """``(best wall seconds, result)`` over ``repeat`` runs."""
    seconds, _, result = best_of_both(repeat, func)
    return seconds, result


def best_of_both(repeat: int, func):
    """``(best wall seconds, best CPU seconds of this process, result)`` over ``repeat`` runs.

    CPU time is printed beside wall time because the machine is shared: under load
    the wall clock measures the neighbours as much as the code.
    """
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return min(walls), min(cpus), result


def largest_corpus() -> Path:
    folders = [p for p in CORPORA.iterdir() if (p / "files.txt").is_file()]
    return max(folders, key=lambda p: sum(1 for _ in open(p / "files.txt", encoding="utf-8")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="corpus folder name (default: the one with the most files)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not CORPORA.is_dir():
        print(f"{CORPORA} is absent", file=sys.stderr)
        return 2
    folder = CORPORA / args.corpus if args.corpus else largest_corpus()
    codeowners_path, files_path = folder / "CODEOWNERS", folder / "files.txt"
    files = files_path.read_text(encoding="utf-8").splitlines()
    text = codeowners_path.read_text(encoding="utf-8")
    rules = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    print(f"corpus: {folder.name}: {rules} rules, {len(files)} files")

    from governance_hooks.cli import main as cli_main

    argv_check = ["codeowners", "--repo", str(folder), str(codeowners_path), "--files-from", str(files_path)]

    def validate():
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = cli_main(argv_check)
        return code, out.getvalue()

    validate()  # warm the imports once; start-up is measured separately below
    t_validate, (code, out) = best_of(args.repeat, validate)
    summary = out.strip().splitlines()[-1]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "governance_hooks", *argv_check], capture_output=True, check=False)
    t_process = time.perf_counter() - start
    print(f"(a) full validation, in-process: {t_validate * 1000:8.1f} ms   (exit {code}; {summary})")
    print(f"    full validation, subprocess: {t_process * 1000:8.1f} ms   (target < 1000 ms: "
          f"{'met' if t_process < 1.0 else 'MISSED'})")

    from governance_hooks.codeowners.ownership import Ownership
    from governance_hooks.codeowners.parser import decode, parse

    def ours():
        decoded, issues = decode(codeowners_path.read_bytes())
        ownership = Ownership(parse(decoded, "github", issues))
        return ownership.owners_of_all(files)

    import codeowners

    def theirs():
        owners = codeowners.CodeOwners(codeowners_path.read_text(encoding="utf-8"))
        return [owners.matching_line(f) for f in files]

    t_ours, c_ours, mine = best_of_both(args.repeat, ours)
    t_theirs, c_theirs, ref = best_of_both(max(1, min(args.repeat, 2)), theirs)
    disagree = sum(1 for a, b in zip(mine, ref) if a[1] != b[1])
    print(f"(b) owners of all {len(files)} files: governance-hooks {t_ours * 1000:8.1f} ms | "
          f"codeowners (PyPI) {t_theirs * 1000:8.1f} ms | ratio {t_theirs / t_ours:6.1f}x "
          f"(target >= 20x: {'met' if t_theirs / t_ours >= 20 else 'MISSED'})")
    print(f"    CPU time: governance-hooks {c_ours * 1000:8.1f} ms | codeowners (PyPI) {c_theirs * 1000:8.1f} ms | "
          f"ratio {c_theirs / c_ours:6.1f}x")
    print(f"    deciding line differs on {disagree} of {len(files)} files")

    # (c) Dead-rule analysis at scale: the corpus files with ~1,000 synthetic rules over its
    # directories (many shadowed by design), so every (file, rule) interaction is exercised.
    import random

    from governance_hooks.codeowners.analysis import analyze

    random.seed(0)
    dirs = sorted({f.rsplit("/", 1)[0] for f in files if "/" in f})
    lines = ["* @org/all"]
    lines += [f"/{d}/ @org/t{i % 13}" for i, d in enumerate(random.sample(dirs, min(700, len(dirs))))]
    lines += [f"/{d}/*.cc @org/cc" for d in random.sample(dirs, min(200, len(dirs)))]
    lines += [f"*.{ext} @org/{ext}" for ext in ["hh", "icc", "txt", "cmake", "md"] * 20]
    lines += [f"{d.rsplit('/', 1)[-1]}/ @org/x" for d in random.sample(dirs, min(50, len(dirs)))]
    synthetic = "\n".join(lines) + "\n"
    t_scale, result = best_of(args.repeat, lambda: analyze(parse(synthetic, "github"), files, "CODEOWNERS"))
    print(f"(c) dead-rule analysis, {len(lines)} synthetic rules x {len(files)} files: {t_scale * 1000:8.1f} ms "
          f"({len(result.findings)} findings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
