"""Checkpoint scanner benchmark, side by side with picklescan, fickling and modelscan.

Corpora (rebuilt into ``bench/.cache/checkpoint/`` on every run):

* hostile: ``tests/checkpoint/external/make_hostile.py``, the fixtures of picklescan's,
  modelscan's and fickling's test suites and published GHSA bypasses, rebuilt byte by byte,
  plus the gadget families and loader differentials of issue 13;
* benign: ``tests/checkpoint/external/make_benign.py`` (files written by scikit-learn, pandas,
  NumPy, joblib with every compression, safetensors, and ``torch.save`` when torch is
  installed), the real torch/NumPy/joblib files in
  ``tests/checkpoint/corpus/benign`` and NumPy's own test data files.

Each tool runs as a commit hook runs it, through its own command-line entry point
(in-process, so start-up time is not counted) with its defaults: a file is blocked when the
exit code is non-zero. Throughput is CPU time (``time.process_time``), best of ``--repeat``
interleaved rounds, on a generated PyTorch-layout checkpoint of ``--large-mb`` MiB (stored zip,
one 1 MiB tensor per member, as ``torch.save`` writes) and on an opcode-heavy pickle.

Run: ``python bench/checkpoint_bench.py [--large-mb 300] [--repeat 3]``. Needs the ``bench``
extra (picklescan, fickling, modelscan, scikit-learn, pandas). Never loads a hostile file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import pickle
import shutil
import struct
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache" / "checkpoint"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.checkpoint.external import builders, make_benign, make_hostile  # noqa: E402


def _quiet(fn):
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        try:
            return fn()
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1
        except Exception:  # noqa: BLE001 - a crash exits non-zero from a hook too
            return 1


def ours(path: Path) -> int:
    from governance_hooks.cli import main

    return _quiet(lambda: main(["checkpoint", "--repo", str(path.parent), str(path)]))


def picklescan(path: Path) -> int:
    from picklescan import cli

    old = sys.argv
    sys.argv = ["picklescan", "-p", str(path)]
    try:
        return _quiet(cli.main)
    finally:
        sys.argv = old
        cli._log.handlers.clear()  # main() adds a handler per call


def fickling(path: Path) -> int:
    from fickling import cli

    # fickling writes a JSON report (safety_results.json) into the working directory on some paths.
    report = CACHE / "fickling_results.json"
    here = os.getcwd()
    os.chdir(CACHE)
    try:
        return _quiet(lambda: cli.main(["fickling", "--check-safety", "--json-output", str(report), str(path)]))
    finally:
        os.chdir(here)


def modelscan(path: Path) -> int:
    from modelscan import cli

    old = sys.argv
    sys.argv = ["modelscan", "scan", "-p", str(path)]
    try:
        return _quiet(cli.main)
    finally:
        sys.argv = old
        logging.getLogger("modelscan").handlers.clear()


TOOLS = {"governance-hooks": ours, "picklescan": picklescan, "fickling": fickling, "modelscan": modelscan}


def build_corpora() -> tuple:
    hostile, benign = CACHE / "hostile", CACHE / "benign"
    for folder in (hostile, benign):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for name, _source, data in make_hostile.entries():
        (hostile / name).write_bytes(data)
    make_benign.write(benign, large=False)
    for path in sorted((ROOT / "tests" / "checkpoint" / "corpus" / "benign").iterdir()):
        shutil.copy(path, benign / f"corpus_{path.name}")
    import numpy

    numpy_data = Path(numpy.__file__).parent / "lib" / "tests" / "data"
    for path in sorted(numpy_data.glob("*.np[yz]")) if numpy_data.is_dir() else []:
        shutil.copy(path, benign / f"numpy_testdata_{path.name}")
    return sorted(hostile.iterdir()), sorted(benign.iterdir())


def corpus_table(hostile, benign) -> dict:
    table = {}
    for name, tool in TOOLS.items():
        start = time.perf_counter()
        missed = [p.name for p in hostile if tool(p) == 0]
        flagged = [p.name for p in benign if tool(p) != 0]
        table[name] = {"caught": len(hostile) - len(missed), "missed": missed, "flagged": flagged,
                       "seconds": time.perf_counter() - start}
    return table


def large_checkpoint(megabytes: int) -> Path:
    """A PyTorch-layout checkpoint: data.pkl naming ``megabytes`` storages of 1 MiB, one stored member each."""
    target = CACHE / f"large_torch_layout_{megabytes}mb.pt"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    # Globals are written once and memoised (BINPUT/BINGET) and strings are BINUNICODE, as torch.save's
    # protocol-2 pickler writes them.
    def ustr(text: str) -> bytes:
        return b"X" + struct.pack("<I", len(text)) + text.encode()

    body = bytearray(b"\x80\x02" + builders.glob("collections", "OrderedDict") + b"q\x01)R(")
    rebuild = builders.glob("torch._utils", "_rebuild_tensor_v2") + b"q\x02"
    storage = builders.glob("torch", "FloatStorage") + b"q\x03"
    for i in range(megabytes):
        body += (ustr(f"layers.{i}.weight") + rebuild + b"("
                 + b"(" + ustr("storage") + storage + ustr(str(i))
                 + ustr("cpu") + b"J" + struct.pack("<i", 1 << 18) + b"tQ" + b"K\x00"
                 + b"J" + struct.pack("<i", 1 << 18) + b"\x85" + b"K\x01\x85" + b"\x89"
                 + b"h\x01)R" + b"tR")
        rebuild, storage = b"h\x02", b"h\x03"
    body += b"u."
    members = [("archive/data.pkl", bytes(body)), ("archive/byteorder", b"little")]
    # float32 values i, as torch.full((262144,), float(i)) stores them.
    members += [(f"archive/data/{i}", struct.pack("<f", float(i)) * (1 << 18)) for i in range(megabytes)]
    members.append(("archive/version", b"3\n"))
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(builders.stored_zip(members))
    os.replace(partial, target)
    return target


def opcode_heavy() -> Path:
    """A pickle whose cost is opcodes: a 700 000-entry vocabulary dict (protocol 4)."""
    target = CACHE / "opcode_heavy_vocabulary.pkl"
    if not target.exists():
        target.write_bytes(pickle.dumps({f"token{i}": i for i in range(700_000)}, protocol=4))
    return target


def throughput(path: Path, repeat: int) -> dict:
    """Best CPU time per tool; the tools take turns in each round so machine noise hits all alike."""
    size_mb = path.stat().st_size / 1e6
    best = {name: float("inf") for name in TOOLS}
    code = {}
    for _ in range(repeat):
        for name, tool in TOOLS.items():
            start = time.process_time()
            code[name] = tool(path)
            best[name] = min(best[name], time.process_time() - start)
    return {name: {"seconds": best[name], "mb_per_s": size_mb / max(best[name], 1e-9), "exit": code[name]}
            for name in TOOLS}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mb", type=int, default=300, help="size of the generated checkpoint (MiB)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds; each tool runs once per round")
    args = parser.parse_args(argv)
    hostile, benign = build_corpora()
    table = corpus_table(hostile, benign)
    large = large_checkpoint(args.large_mb)
    heavy = opcode_heavy()
    speed = throughput(large, args.repeat)
    speed_heavy = throughput(heavy, args.repeat)
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(f"corpus: {len(hostile)} hostile, {len(benign)} benign files; large: {large.name} "
          f"({large.stat().st_size / 1e6:.0f} MB); opcode-heavy: {heavy.name} ({heavy.stat().st_size / 1e6:.1f} MB); "
          f"CPU time, best of {args.repeat}\n")
    print("| tool | hostile blocked (exit != 0) | benign blocked | large MB/s | vs picklescan | opcode-heavy MB/s "
          "| vs picklescan |")
    print("|---|---|---|---|---|---|---|")
    base, base_heavy = speed["picklescan"]["mb_per_s"], speed_heavy["picklescan"]["mb_per_s"]
    for name in TOOLS:
        row, fast, slow = table[name], speed[name], speed_heavy[name]
        print(f"| {name} | {row['caught']}/{len(hostile)} | {len(row['flagged'])}/{len(benign)} | "
              f"{fast['mb_per_s']:.0f} | {fast['mb_per_s'] / base:.2f}x | {slow['mb_per_s']:.1f} | "
              f"{slow['mb_per_s'] / base_heavy:.2f}x |")
    print()
    for name in TOOLS:
        row = table[name]
        print(f"{name}: missed {len(row['missed'])}: {', '.join(row['missed'][:40])}"
              f"{' ...' if len(row['missed']) > 40 else ''}")
        print(f"{name}: benign blocked {len(row['flagged'])}: {', '.join(row['flagged'][:40])}"
              f"{' ...' if len(row['flagged']) > 40 else ''}")
        print(f"{name}: exit code on the large checkpoint {speed[name]['exit']}, "
              f"on the opcode-heavy pickle {speed_heavy[name]['exit']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
