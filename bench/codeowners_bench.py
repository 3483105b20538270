"""CODEOWNERS speed on every real corpus, side by side with the `codeowners` package from PyPI.

For each corpus of ../shared/corpora/codeowners (a real CODEOWNERS file and every tracked path):

(a) owners of every file, in-process: load + parse + compile + the owners of every path, ours
    (``Ownership.owners_of_all``) against ``codeowners.CodeOwners(text).matching_line(path)`` (the
    package's per-rule regex scan). Both read the file with GitHub's semantics, so the deciding lines
    are compared too; for a GitLab corpus our time in its own dialect is printed beside it.
    CPU time of this process, best of --repeat, runs of the two sides interleaved.
(b) ``--who`` over every file as a command: ``governance-hooks codeowners --repo DIR --who PATH...``
    against a ``python -c`` that loads the package and prints the owners of each PATH (the same
    arguments, the same output volume). Child CPU time (user + sys), best of --repeat, interleaved.
    Beside them the floor: ``python -c pass`` with the same arguments (the interpreter's start and
    ``sys.argv``, before any import); the package's time over that floor is the most any Python
    command started this way could reach.
(c) memory of ``--who`` as a command, paths streamed on stdin (``--who -``): peak RSS (GNU time's
    ``%M``) for the first 1,000, 4,000 and all paths of the largest corpus; flat means the growth per
    path is near zero.

Targets: (a) >= 10x the package on every corpus (the minimum is the figure); (b) >= 3x; (c) flat.

With ``--phases``, only where (a)'s time goes instead: per corpus and dialect, the CPU ms of decode +
parse, ``Ownership(...)`` and ``owners_of_all``, each the best of ``--repeat`` (default 200 there).

    python bench/codeowners_bench.py [--repeat 3] [--corpus NAME ...] [--phases]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
CORPORA = PROJECT.parent / "shared" / "corpora" / "codeowners"
#: Outside the project: the package's copies of GitLab files, and the commands' bytecode cache.
CACHE = Path(os.environ.get("GOVERNANCE_BENCH_CACHE", "/tmp/governance-hooks-bench"))

PACKAGE_WHO = """
import sys, codeowners
owners = codeowners.CodeOwners(open(sys.argv[1], encoding="utf-8").read())
write = sys.stdout.write
for path in sys.argv[2:]:
    write(path + ": " + " ".join(o[1] for o in owners.of(path)) + "\\n")
"""


def cpu() -> float:
    return time.process_time()


def child_env() -> dict:
    """The commands run as installed code does: with a bytecode cache (pip compiles on install), kept
    outside the project; without one every start would recompile the sources."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(CACHE / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def child_run(argv, stdin=None):
    """``(child CPU seconds, peak RSS in KiB, stdout bytes)`` of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, input=stdin, capture_output=True, check=False, env=child_env())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[:4]}... exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, after.ru_maxrss, proc.stdout


def peak_rss_kib(argv, stdin: bytes) -> int:
    """Peak RSS (KiB) of one command fed ``stdin``.

    With GNU time (``%M``) when present: ``wait4`` on a child forked from this process would count
    the pages it had before ``exec``, i.e. this benchmark's own memory.
    """
    gnu_time = "/usr/bin/time"
    if os.path.exists(gnu_time):
        proc = subprocess.run([gnu_time, "-f", "%M", *argv], input=stdin, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=child_env(), check=False)
        return int(proc.stderr.decode().strip().splitlines()[-1])
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=child_env())
    proc.stdin.write(stdin)
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss


def corpus_row(folder: Path, repeat: int) -> dict:
    from governance_hooks.codeowners.ownership import Ownership
    from governance_hooks.codeowners.parser import GITLAB_HEADER, decode, detect_dialect, parse, split_lines

    import codeowners

    codeowners_path, files_path = folder / "CODEOWNERS", folder / "files.txt"
    files = files_path.read_text(encoding="utf-8").splitlines()
    text = codeowners_path.read_text(encoding="utf-8")
    own_dialect = "gitlab" if "gitlab" in (folder / "SOURCE.txt").read_text() or \
        detect_dialect(split_lines(text)) == "gitlab" else "github"

    def ours(dialect):
        decoded, issues = decode(codeowners_path.read_bytes())
        return Ownership(parse(decoded, dialect, issues)).owners_of_all(files)

    # The package raises on a GitLab section header (`[Distributed` is an unterminated character
    # class), so it gets the file with header lines blanked (line numbers kept); GitHub semantics
    # skip those lines anyway, so both sides read the same rules.
    package_text = "\n".join("" if GITLAB_HEADER.match(line) else line for line in text.split("\n"))
    package_path = codeowners_path
    if package_text != text:
        package_path = CACHE / f"{folder.name}.CODEOWNERS"
        package_path.parent.mkdir(parents=True, exist_ok=True)
        package_path.write_text(package_text, encoding="utf-8")

    def theirs():
        owners = codeowners.CodeOwners(package_path.read_text(encoding="utf-8"))
        return [owners.matching_line(f) for f in files]

    best = {"ours": float("inf"), "own": float("inf"), "theirs": float("inf")}
    mine = ref = None
    for _ in range(repeat):  # interleaved, so a busy neighbour hurts both sides alike
        start = cpu()
        mine = ours("github")
        best["ours"] = min(best["ours"], cpu() - start)
        if own_dialect == "gitlab":
            start = cpu()
            ours("gitlab")
            best["own"] = min(best["own"], cpu() - start)
        start = cpu()
        ref = theirs()
        best["theirs"] = min(best["theirs"], cpu() - start)
    disagree = sum(1 for a, b in zip(mine, ref) if a[1] != b[1])

    ours_cmd = [sys.executable, "-m", "governance_hooks", "codeowners", "--repo", str(folder),
                str(codeowners_path), "--who", *files]
    theirs_cmd = [sys.executable, "-c", PACKAGE_WHO, str(package_path), *files]
    floor_cmd = [sys.executable, "-c", "pass", *files]
    cmd = {"ours": float("inf"), "theirs": float("inf"), "floor": float("inf")}
    child_run(ours_cmd)  # fills the bytecode cache
    child_run(theirs_cmd)
    for _ in range(repeat):
        cmd["ours"] = min(cmd["ours"], child_run(ours_cmd)[0])
        cmd["theirs"] = min(cmd["theirs"], child_run(theirs_cmd)[0])
        cmd["floor"] = min(cmd["floor"], child_run(floor_cmd)[0])
    rules = sum(1 for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    return {"name": folder.name, "rules": rules, "files": len(files), "dialect": own_dialect, "disagree": disagree,
            **{f"t_{k}": v for k, v in best.items()}, **{f"cmd_{k}": v for k, v in cmd.items()}}


def phase_rows(folder: Path, repeat: int) -> list:
    """``(dialect, parse ms, Ownership ms, owners_of_all ms)`` of one corpus, each the best of ``repeat``."""
    from governance_hooks.codeowners.ownership import Ownership
    from governance_hooks.codeowners.parser import decode, parse

    files = (folder / "files.txt").read_text(encoding="utf-8").splitlines()
    data = (folder / "CODEOWNERS").read_bytes()
    rows = []
    for dialect in ("github", "gitlab"):
        best = [float("inf")] * 3
        for _ in range(repeat):
            start = cpu()
            text, issues = decode(data)
            model = parse(text, dialect, issues)
            parsed = cpu()
            ownership = Ownership(model)
            built = cpu()
            ownership.owners_of_all(files)
            done = cpu()
            best = [min(b, t) for b, t in zip(best, (parsed - start, built - parsed, done - built))]
        rows.append((dialect, *(t * 1000 for t in best)))
    return rows


def memory_rows(folder: Path) -> list:
    files = (folder / "files.txt").read_text(encoding="utf-8").splitlines()
    rows = []
    for count in (1000, 4000, len(files)):
        paths = ("\n".join(files[:count]) + "\n").encode()
        argv = [sys.executable, "-m", "governance_hooks", "codeowners", "--repo", str(folder),
                str(folder / "CODEOWNERS"), "--who", "-"]
        rows.append((count, min(peak_rss_kib(argv, paths) for _ in range(2))))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="*", help="corpus folder names (default: every corpus)")
    parser.add_argument("--repeat", type=int, default=None, help="best of N (default 3; 200 with --phases)")
    parser.add_argument("--phases", action="store_true", help="only the in-process time of each phase of (a)")
    args = parser.parse_args(argv)
    if not CORPORA.is_dir():
        print(f"{CORPORA} is absent", file=sys.stderr)
        return 2
    folders = sorted(p for p in CORPORA.iterdir() if (p / "files.txt").is_file())
    if args.corpus:
        folders = [CORPORA / name for name in args.corpus]
    if args.phases:
        repeat = args.repeat or 200
        print(f"load average {os.getloadavg()[0]:.2f}; CPU ms, best of {repeat}")
        print("| corpus | dialect | decode + parse | Ownership | owners_of_all | total |")
        print("|---|---|---:|---:|---:|---:|")
        for folder in folders:
            for dialect, *times in phase_rows(folder, repeat):
                print(f"| {folder.name} | {dialect} | " + " | ".join(f"{t:.3f}" for t in times) + f" | {sum(times):.3f} |")
        return 0
    args.repeat = args.repeat or 3
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"CPU seconds, best of {args.repeat}, interleaved")
    print("| corpus | rules | files | (a) ours ms | package ms | ratio | own dialect ms | lines differ "
          "| (b) --who ours ms | package ms | ratio | floor ms | package / floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for folder in folders:
        row = corpus_row(folder, args.repeat)
        rows.append(row)
        own = f"{row['t_own'] * 1000:.1f} ({row['dialect']})" if row["dialect"] == "gitlab" else "-"
        print(f"| {row['name']} | {row['rules']} | {row['files']} | {row['t_ours'] * 1000:.1f} | "
              f"{row['t_theirs'] * 1000:.1f} | {row['t_theirs'] / row['t_ours']:.1f}x | {own} | {row['disagree']} | "
              f"{row['cmd_ours'] * 1000:.0f} | {row['cmd_theirs'] * 1000:.0f} | "
              f"{row['cmd_theirs'] / row['cmd_ours']:.1f}x | {row['cmd_floor'] * 1000:.0f} | "
              f"{row['cmd_theirs'] / row['cmd_floor']:.1f}x |", flush=True)
    low_a = min(r["t_theirs"] / r["t_ours"] for r in rows)
    low_own = min(r["t_theirs"] / min(r["t_ours"], r["t_own"]) if r["dialect"] == "github"
                  else r["t_theirs"] / r["t_own"] for r in rows)
    low_b = min(r["cmd_theirs"] / r["cmd_ours"] for r in rows)
    print(f"(a) minimum ratio over {len(rows)} corpora: {low_a:.1f}x GitHub semantics, {low_own:.1f}x each in its own "
          f"dialect (target >= 10x: {'met' if min(low_a, low_own) >= 10 else 'MISSED'})")
    print(f"(b) minimum ratio of --who as a command: {low_b:.1f}x (target >= 3x: {'met' if low_b >= 3 else 'MISSED'})")
    beyond = [r["name"] for r in rows if r["cmd_theirs"] / r["cmd_floor"] < 3]
    if beyond:
        print(f"    out of reach of any command started by this interpreter (package / floor < 3x): {', '.join(beyond)}")
    largest = max(folders, key=lambda p: sum(1 for _ in open(p / "files.txt", encoding="utf-8")))
    mem = memory_rows(largest)
    print(f"(c) --who - (paths on stdin) peak RSS on {largest.name}: "
          + ", ".join(f"{n} paths {kib / 1024:.1f} MiB" for n, kib in mem))
    slope = (mem[-1][1] - mem[0][1]) * 1024 / max(1, mem[-1][0] - mem[0][0])
    print(f"    growth {slope:.0f} bytes per path between {mem[0][0]} and {mem[-1][0]} paths "
          f"(target: flat; paths as arguments cost any Python process ~2 KB each, hence `--who -`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
