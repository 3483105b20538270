"""Benchmark the metrics NDJSON check against a plain loop and check-jsonschema.

Usage::

    python bench/metrics_bench.py            # 1,000,000 lines (default)
    python bench/metrics_bench.py --lines 200000 --quick

Generates a realistic training log (``bench/.cache/metrics-<N>.ndjson``,
seeded, about 3% bad lines of eleven kinds) and prints lines per second for:

* ``governance-hooks metrics`` with each backend (whole command, in a fresh
  process, start-up included), with its peak RSS for two file sizes (memory
  must stay flat as the file grows);
* a plain loop of ``json.loads`` + ``jsonschema`` validation of each line
  (measured on a sample of lines, extrapolated: it is ~100x slower);
* ``check-jsonschema``, which has no NDJSON mode, fed two ways: a sample of
  lines written one record per ``.json`` file, all passed as instance files to
  one invocation; and the parseable records of a larger sample as one JSON
  array checked against a wrapper schema (``items`` -> the metrics schema).
  Both are extrapolated to the whole log.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
ROOT = HERE.parent
SCHEMA = ROOT / "src" / "governance_hooks" / "data" / "metrics" / "metrics-ndjson-v0.3.schema.json"

BAD_KINDS = (
    "boolean-metric", "null-metric", "array-metric", "missing-epoch", "epoch-not-digits",
    "truncated", "nan-literal", "duplicate-key", "blank", "invalid-utf8", "not-an-object",
)


def good_record(rng: random.Random, run: str, step: int, epoch: int, t0: float) -> dict:
    loss = 2.5 * (0.9995 ** step) + rng.random() * 0.05
    record = {
        "run_id": run,
        "epoch": epoch if rng.random() < 0.8 else str(epoch),
        "step": step,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + step * 0.37)) + f".{step % 1000:03d}Z",
        "loss": round(loss, 6),
        "lr": 3e-4 * min(1.0, step / 2000),
        "grad_norm": round(rng.uniform(0.1, 4.0), 4),
    }
    if step % 10 == 0:
        record["metrics"] = {"val/loss": round(loss * 1.1, 6), "val/acc": round(rng.random(), 4)}
    if step % 50 == 0:
        record["throughput:tokens_per_s"] = rng.randint(90_000, 130_000)
    return record


def bad_line(rng: random.Random, kind: str, record: dict) -> bytes:
    text = json.dumps(record)
    if kind == "boolean-metric":
        return json.dumps({**record, "is_best": True}).encode()
    if kind == "null-metric":
        return json.dumps({**record, "grad_norm": None}).encode()
    if kind == "array-metric":
        return json.dumps({**record, "loss": [record["loss"], record["loss"]]}).encode()
    if kind == "missing-epoch":
        return json.dumps({k: v for k, v in record.items() if k != "epoch"}).encode()
    if kind == "epoch-not-digits":
        return json.dumps({**record, "epoch": f"epoch-{record['epoch']}"}).encode()
    if kind == "truncated":
        return text[: rng.randint(5, len(text) - 2)].encode()
    if kind == "nan-literal":
        return text.replace(f'"loss": {json.dumps(record["loss"])}', '"loss": NaN').encode()
    if kind == "duplicate-key":
        return (text[:-1] + f', "loss": {record["loss"]}}}').encode()
    if kind == "blank":
        return b""
    if kind == "invalid-utf8":
        return text.replace('"run_id": "', '"run_id": "\xe9', 1).encode("latin-1")
    if kind == "not-an-object":
        return json.dumps([record["step"], record["loss"]]).encode()
    raise ValueError(kind)


def generate(path: Path, lines: int, bad_fraction: float = 0.03, seed: int = 20240501) -> dict:
    """Write the log; return counts of bad lines by kind."""
    rng = random.Random(seed)
    counts = {k: 0 for k in BAD_KINDS}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        step, epoch, run = 0, 0, "run-2024-05-01-a"
        buf = []
        for i in range(lines):
            step += 1
            if step % 5000 == 0:
                epoch += 1
            record = good_record(rng, run, step, epoch, 1714521600.0)
            if rng.random() < bad_fraction:
                kind = BAD_KINDS[rng.randrange(len(BAD_KINDS))]
                counts[kind] += 1
                buf.append(bad_line(rng, kind, record))
            else:
                buf.append(json.dumps(record).encode())
            if len(buf) >= 10000:
                out.write(b"\n".join(buf) + b"\n")
                buf = []
        if buf:
            out.write(b"\n".join(buf) + b"\n")
    os.replace(tmp, path)
    (path.with_suffix(".counts.json")).write_text(json.dumps(counts))
    return counts


def ensure(lines: int) -> Path:
    path = CACHE / f"metrics-{lines}.ndjson"
    if not path.exists():
        t = time.perf_counter()
        generate(path, lines)
        print(f"generated {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f}s")
    return path


def run_measured(cmd, cwd=None):
    """Run ``cmd``; return (wall seconds, CPU seconds of it and its workers, peak RSS MiB of the largest process, rc, stderr tail)."""
    wrapper = (
        "import resource,subprocess,sys,time,json;"
        "t=time.perf_counter();p=subprocess.run(sys.argv[1:],capture_output=True);"
        "d=time.perf_counter()-t;u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps([d,u.ru_utime+u.ru_stime,u.ru_maxrss,p.returncode,p.stderr.decode()[-300:]]))"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True, cwd=cwd)
    seconds, cpu, rss_kib, rc, err = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds, cpu, rss_kib / 1024, rc, err


def ours(path: Path, backend: str, jobs: int):
    exe = shutil.which("governance-hooks") or "governance-hooks"
    cmd = [exe, "metrics", str(path), "--repo", str(path.parent), "--backend", backend,
           "--format", "json", "--output", os.devnull, "--jobs", str(jobs)]
    return run_measured(cmd)


def plain_loop(path: Path, sample: int):
    """(wall, CPU) seconds per line of json.loads + jsonschema iter_errors on the first ``sample`` lines."""
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    with open(path, "rb") as handle:
        lines = [next(handle) for _ in range(sample)]
    t, c = time.perf_counter(), time.process_time()
    for raw in lines:
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        for _ in validator.iter_errors(value):
            pass
    return (time.perf_counter() - t) / sample, (time.process_time() - c) / sample


def check_jsonschema(path: Path, sample: int):
    """(wall, CPU) seconds per record for check-jsonschema fed one record per .json file."""
    exe = shutil.which("check-jsonschema")
    if exe is None:
        return float("nan"), float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        with open(path, "rb") as handle:
            for i in range(sample):
                target = Path(tmp) / f"r{i:06d}.json"
                target.write_bytes(next(handle))
                files.append(str(target))
        seconds, cpu, _, _, _ = run_measured([exe, "--schemafile", str(SCHEMA), *files])
        return seconds / sample, cpu / sample


def _reject(name):
    raise ValueError(name)


def check_jsonschema_array(path: Path, sample: int):
    """(wall, CPU) seconds per record for check-jsonschema given one JSON array of the sample's parseable records.

    The array is validated against a wrapper schema ``{"type": "array", "items": {"$ref": <metrics schema>}}``;
    lines a strict parser rejects (invalid JSON, invalid UTF-8, blank, NaN) are left out, since one of them
    would make the whole array unreadable. Returns ``(wall, cpu, records)``; the run must report schema errors
    (exit 1), else the figures are refused.
    """
    exe = shutil.which("check-jsonschema")
    if exe is None:
        return float("nan"), float("nan"), 0
    with tempfile.TemporaryDirectory() as tmp:
        kept = []
        with open(path, "rb") as handle:
            for _ in range(sample):
                raw = next(handle).rstrip(b"\n")
                try:
                    json.loads(raw, parse_constant=_reject)  # check-jsonschema refuses NaN too
                except ValueError:
                    continue
                kept.append(raw)
        records = Path(tmp) / "records.json"
        records.write_bytes(b"[" + b",".join(kept) + b"]")
        shutil.copy(SCHEMA, Path(tmp) / SCHEMA.name)
        wrapper = Path(tmp) / "array.schema.json"
        wrapper.write_text(json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                       "type": "array", "items": {"$ref": SCHEMA.name}}))
        seconds, cpu, _, rc, err = run_measured([exe, "--schemafile", str(wrapper), str(records)])
        if rc != 1:
            raise SystemExit(f"check-jsonschema did not validate the array (rc={rc}): {err}")
        return seconds / len(kept), cpu / len(kept), len(kept)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="lines for the plain loop")
    parser.add_argument("--cj-sample", type=int, default=3_000, help="records for check-jsonschema, one file each")
    parser.add_argument("--cj-array-sample", type=int, default=100_000,
                        help="lines for check-jsonschema given one JSON array")
    parser.add_argument("--jobs", type=int, default=0, help="--jobs for our check (default: all cores)")
    parser.add_argument("--quick", action="store_true", help="skip the memory run on the second size")
    parser.add_argument("--backends", default="jsonschema-rs,jsonschema",
                        help="our backends to run, comma-separated (default: both)")
    args = parser.parse_args(argv)
    jobs = args.jobs or len(os.sched_getaffinity(0))
    big = ensure(args.lines)
    counts = json.loads(big.with_suffix(".counts.json").read_text())
    print(f"log: {args.lines:,} lines, {big.stat().st_size / 1e6:.0f} MB, {sum(counts.values()):,} bad lines "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())})")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; our check uses --jobs {jobs}\n")
    rows = []
    for backend in args.backends.split(","):
        secs, cpu, rss, rc, err = ours(big, backend, jobs)
        if rc not in (0, 1):
            print(f"{backend}: failed rc={rc}: {err}")
            continue
        rows.append((f"governance-hooks metrics --backend {backend}", args.lines / secs, args.lines / cpu, secs, rss,
                     "whole file, start-up included"))
    wall, cpu = plain_loop(big, args.sample)
    rows.append(("plain loop json.loads + jsonschema", 1 / wall, 1 / cpu, wall * args.lines, float("nan"),
                 f"measured on {args.sample:,} lines, extrapolated"))
    plain_rate, plain_cpu_rate = 1 / wall, 1 / cpu
    wall, cpu = check_jsonschema(big, args.cj_sample)
    rows.append(("check-jsonschema (one file per record)", 1 / wall, 1 / cpu, wall * args.lines, float("nan"),
                 f"measured on {args.cj_sample:,} records, extrapolated"))
    wall, cpu, kept = check_jsonschema_array(big, args.cj_array_sample)
    rows.append(("check-jsonschema (one array of records)", 1 / wall, 1 / cpu, wall * args.lines, float("nan"),
                 f"{kept:,} parseable records of the first {args.cj_array_sample:,} lines, extrapolated"))
    print(f"{'tool':<48} {'lines/s':>11} {'lines/CPU-s':>12} {'time (s)':>9} {'peak RSS':>9}  note")
    for name, rate, cpu_rate, secs, rss, note in rows:
        rss_text = f"{rss:.0f} MiB" if rss == rss else "-"
        print(f"{name:<48} {rate:>11,.0f} {cpu_rate:>12,.0f} {secs:>9.2f} {rss_text:>9}  {note}")
    fast = next((r for r in rows if "jsonschema-rs" in r[0]), None)
    if fast:
        anchors = ", ".join(f"{r[0].split('(')[1].rstrip(')')}: {fast[1] / r[1]:.0f}x" for r in rows if r[0].startswith("check-jsonschema"))
        print(f"\nfast backend vs plain loop: {fast[1] / plain_rate:.1f}x (wall), {fast[2] / plain_cpu_rate:.1f}x "
              f"(CPU time; fair on a busy machine); vs check-jsonschema ({anchors})")
        print(f"fast backend: {fast[1]:,.0f} lines/s wall with --jobs {jobs}; {fast[2]:,.0f} lines per CPU-second "
              f"(x{jobs} cores = {fast[2] * jobs:,.0f} lines/s on an idle machine)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if not args.quick:
        small_lines = args.lines // 4
        small = ensure(small_lines)
        print("\nmemory flat in file size (fast backend, peak RSS of the whole command):")
        for path, n in ((small, small_lines), (big, args.lines)):
            for j in sorted({1, jobs}):
                secs, cpu, rss, rc, err = ours(path, "jsonschema-rs", j)
                print(f"  {n:>9,} lines ({path.stat().st_size / 1e6:5.0f} MB) --jobs {j}: peak RSS {rss:6.1f} MiB "
                      f"(largest process), {n / secs:,.0f} lines/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
