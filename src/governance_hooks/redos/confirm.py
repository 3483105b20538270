"""Dynamic confirmation: time CPython's real ``re`` on growing attack subjects.

Each subject runs in a child process (:mod:`.worker`) of the same
interpreter; the child is killed when a regex's time budget is spent, so a
catastrophic pattern can never hang the check.  A small pool of persistent
workers (one per thread) amortises process start-up.
"""

from __future__ import annotations

import json
import math
import os
import select
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from .analyze import Attack, Verdict

WORKER = Path(__file__).with_name("worker.py")

#: Exponential: each pump must multiply the time by at least this.
MIN_EXP_RATIO = 1.25
#: Polynomial: the measured exponent must reach this to call it super-linear.
MIN_POLY_EXPONENT = 1.5


@dataclass
class Measurement:
    """What the real engine did.

    Attributes:
        confirmed: growth matched the claimed class and time reached the target.
        samples: ``(n, seconds)`` per run, in order.
        suffix: the failure suffix that made every path fail, or None.
        growth: per-pump time ratio (exponential) or the fitted exponent (polynomial).
        timed_out: the child was killed at the budget (the next n took longer).
        error: the engine or the child failed (text).
    """

    confirmed: bool
    samples: List[Tuple[int, float]] = field(default_factory=list)
    suffix: Optional[object] = None
    growth: Optional[float] = None
    timed_out: bool = False
    error: Optional[str] = None
    stuck_at: Optional[int] = None  # the n whose run was killed at the time budget

    @property
    def largest(self) -> Optional[Tuple[int, float]]:
        return self.samples[-1] if self.samples else None


def _enc(value) -> dict:
    return {"b": value.decode("latin-1")} if isinstance(value, bytes) else {"s": value}


def _cpu_seconds(pid: int) -> Optional[float]:
    """User plus system CPU seconds of a running process, from ``/proc`` (None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:  # a kernel counter, not a repository file
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return None


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _over_budget(pid: int, cpu_start: Optional[float], budget: float) -> bool:
    """The child went on past its CPU budget (its own timer did not stop it): a stuck child."""
    if cpu_start is None:
        return False
    now = _cpu_seconds(pid)
    return now is not None and now - cpu_start > budget * 1.5 + 1.0


class _Worker:
    """One child process; restarted after a kill."""

    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.buffer = b""

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, bufsize=0,
            )
            self.buffer = b""
        return self.proc

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._close_pipes()
        self.proc = None

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
                return
            self._close_pipes()
        self.proc = None

    def request(self, payload: dict, timeout: float) -> Tuple[List[dict], bool]:
        """Send one request; collect replies until done or ``timeout`` seconds of the child's CPU time.

        The child stops itself at the budget (``cpu_budget``) and stays up; the
        parent kills it only if it goes on past the budget (read from
        ``/proc``) or, where the child's CPU time cannot be read, past
        ``timeout`` seconds of the clock.  Returns the replies and whether the
        budget ran out.
        """
        proc = self._start()
        try:
            proc.stdin.write((json.dumps(dict(payload, cpu_budget=timeout)) + "\n").encode())
            proc.stdin.flush()
        except OSError:
            self.kill()
            return [{"error": "worker died"}], False
        replies: List[dict] = []
        started = time.monotonic()
        cpu_start = _cpu_seconds(proc.pid)
        # a child that never runs is not at fault: the clock only backs up a stuck child
        limit = timeout * 20 + 10 if cpu_start is not None else timeout
        fd = proc.stdout.fileno()
        timed_out = False
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                reply = json.loads(line)
                if "timeout" in reply:
                    timed_out = True
                    continue
                replies.append(reply)
                if "done" in reply or "error" in reply:
                    return replies, timed_out
            remaining = started + limit - time.monotonic()
            if remaining <= 0 or _over_budget(proc.pid, cpu_start, timeout):
                self.kill()
                return replies, True
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.25))
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.kill()
                replies.append({"error": "worker exited"})
                return replies, False
            self.buffer += chunk


class Confirmer:
    """A pool of workers; use as a context manager.

    Args:
        timeout: CPU seconds of the child per regex (the request stops past it).
        target: stop growing n once one run takes this many seconds.
        workers: parallel child processes.
    """

    def __init__(self, timeout: float = 3.0, target: float = 0.02, workers: int = 2) -> None:
        self.timeout = timeout
        self.target = target
        self.workers = max(1, workers)
        self._local = threading.local()
        self._all: List[_Worker] = []
        self._lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None

    def __enter__(self) -> "Confirmer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        for worker in self._all:
            worker.close()
        self._all.clear()

    def _worker(self) -> _Worker:
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = _Worker()
            self._local.worker = worker
            with self._lock:
                self._all.append(worker)
        return worker

    def confirm(self, pattern, flags: int, kind: str, verdict: Verdict, engine: str = "re",
                scans_all: bool = False) -> Measurement:
        """Time ``verdict.attack`` on the real engine (``re`` or the ``regex`` module) and judge the growth."""
        attack = verdict.attack
        assert attack is not None
        exponential = verdict.kind == "exponential"
        max_n = verdict.max_pumps or (200 if exponential else 1 << 20)
        payload = {
            "pattern": _enc(pattern), "flags": flags, "kind": kind,
            "segments": [[_enc(text), pumped] for text, pumped in attack.segments],
            "suffixes": [_enc(s) for s in attack.suffixes],
            "exponential": exponential, "target": self.target, "max_n": max_n,
            "start_n": 2 if exponential else 8,
        }
        if engine == "regex":
            from .regex_syntax import to_regex_flags

            payload["engine"] = "regex"
            payload["flags"] = to_regex_flags(flags)
        if attack.succeeds:
            payload["check_suffix"] = False  # no failing suffix is known: the subject is timed as it is
            if kind == "search" and scans_all:
                payload["kind"] = "findall"  # the call goes on after each match, paying every position
        replies, timed_out = self._worker().request(payload, self.timeout)
        return judge(replies, timed_out, attack, exponential, verdict.degree or 0)

    def submit(self, job: tuple) -> "Future[Measurement]":
        """Start confirming ``job`` (the arguments of :meth:`confirm`) in the background.

        The caller goes on (analysing the next regexes) while the children time
        the engine: up to ``workers`` jobs run at once, in submission order.
        """
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="redos-confirm")
        return self._pool.submit(self.confirm, *job)

    def confirm_all(self, jobs: Sequence[tuple]) -> List[Measurement]:
        """Confirm several verdicts in parallel; results in input order."""
        if not jobs:
            return []
        if self.workers == 1 or len(jobs) == 1:
            return [self.confirm(*job) for job in jobs]
        return [future.result() for future in [self.submit(job) for job in jobs]]


def judge(replies: List[dict], timed_out: bool, attack: Attack, exponential: bool, degree: int) -> Measurement:
    """Turn the worker's replies into a :class:`Measurement`."""
    samples = [(r["n"], r["t"]) for r in replies if "n" in r]
    trying = [r["trying"] for r in replies if "trying" in r]
    errors = [r["error"] for r in replies if "error" in r]
    suffix_reply = next((r for r in replies if "suffix" in r), None)
    suffix = None
    if suffix_reply is not None and suffix_reply["suffix"] is not None:
        suffix = attack.suffixes[suffix_reply["suffix"]]
    result = Measurement(False, samples, suffix, None, timed_out, errors[0] if errors else None)
    if timed_out and trying and (not samples or trying[-1] > samples[-1][0]):
        result.stuck_at = trying[-1]
    if suffix is None:
        if timed_out and suffix_reply is None:
            # even the tiny suffix probe did not finish: the engine is stuck at small n
            result.confirmed = True
        return result
    # growth end to end over every run long enough to time (> 0.1 ms): the widest span of n
    # is the most robust against one run disturbed by other load
    usable = [(n, t) for n, t in samples if t > 1e-4]
    if len(usable) >= 2 and usable[-1][0] > usable[0][0]:
        (n1, t1), (n2, t2) = usable[0], usable[-1]
        if exponential:
            result.growth = (t2 / t1) ** (1.0 / (n2 - n1))
        else:
            result.growth = math.log(t2 / t1) / math.log(n2 / n1)
    reached = bool(samples) and (samples[-1][1] >= 0.01 or timed_out)
    if exponential:
        result.confirmed = (reached and result.growth is not None and result.growth >= MIN_EXP_RATIO) or \
            (timed_out and len(usable) >= 1)
    else:
        result.confirmed = reached and result.growth is not None and result.growth >= MIN_POLY_EXPONENT
        if result.stuck_at is not None and result.stuck_at <= 256:
            # a few hundred pumps already outlast the time budget: super-linear beyond doubt
            result.confirmed = True
    return result


def report_n(measurement: Measurement, exponential: bool, max_pumps: Optional[int], seconds: float = 10.0) -> int:
    """The pump count for the reported attack: enough for about ``seconds`` by the measured growth."""
    default = 30 if exponential else 30000
    last = measurement.largest
    growth = measurement.growth
    if last is None or growth is None or last[1] <= 0 or growth <= 1.0:
        n = default
    elif exponential:
        n = last[0] + max(0, math.ceil(math.log(seconds / last[1]) / math.log(growth)))
        n = min(n, 100)
    else:
        n = int(last[0] * (seconds / last[1]) ** (1.0 / growth))
        n = min(max(n, 1000), 10_000_000)
        magnitude = 10 ** max(0, len(str(n)) - 2)
        n = (n // magnitude + 1) * magnitude
    if max_pumps is not None:
        n = min(n, max_pumps)
    return n
