"""Running the Semgrep CLI offline and reading its JSON output.

Offline means: a local ``--config`` only, ``--metrics=off``,
``--disable-version-check`` (plus ``SEMGREP_ENABLE_VERSION_CHECK=0`` and
``SEMGREP_SEND_METRICS=off``), no registry or app token in the environment, and
Semgrep's settings, log and version cache redirected into a temporary folder,
so a read-only or missing HOME does not matter and nothing is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

#: Environment variables that would make Semgrep reach a server or pick other rules.
_DROPPED_ENV = (
    "SEMGREP_APP_TOKEN", "SEMGREP_RULES", "SEMGREP_APP_URL", "SEMGREP_URL", "SEMGREP_REPO_URL",
    "SEMGREP_BASELINE_COMMIT", "SEMGREP_VERSION_CHECK_URL",
)

#: Target characters per Semgrep command line: well under Linux's ARG_MAX (2 MiB with the
#: environment) and Windows' 32 767-character limit. Each extra batch costs a Semgrep start-up.
MAX_ARGV_CHARS = 24_000 if os.name == "nt" else 500_000


class SemgrepFailed(Exception):
    """Semgrep itself failed (crash, bad rule, unreadable output); the message is one line."""


@dataclass
class ScanOutput:
    """What Semgrep reported for one run (possibly several command lines).

    Attributes:
        results: Semgrep's ``results`` entries (dicts from its JSON output).
        errors: Semgrep's ``errors`` entries that name a file (per-file problems).
        scanned: paths Semgrep says it scanned, as given on the command line.
        unfinished: targets not scanned because the wall-clock budget ran out.
        version: the Semgrep version that ran.
    """

    results: List[Dict[str, Any]] = field(default_factory=list)
    errors: List[Dict[str, Any]] = field(default_factory=list)
    scanned: List[str] = field(default_factory=list)
    unfinished: List[str] = field(default_factory=list)
    version: Optional[str] = None


def find_semgrep() -> Optional[str]:
    """The ``semgrep`` executable: the one installed beside this Python first, then ``PATH``."""
    bindir = Path(sys.executable).parent
    for name in ("semgrep", "semgrep.exe"):
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("semgrep")


def semgrep_env(state_dir: Path) -> Dict[str, str]:
    """The environment for an offline Semgrep run whose state files go to ``state_dir``."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(
        SEMGREP_ENABLE_VERSION_CHECK="0",
        SEMGREP_SEND_METRICS="off",
        SEMGREP_SETTINGS_FILE=str(state_dir / "settings.yml"),
        SEMGREP_LOG_FILE=str(state_dir / "semgrep.log"),
        SEMGREP_VERSION_CACHE_PATH=str(state_dir / "version-cache"),
        SEMGREP_FORCE_NO_COLOR="1",
        NO_COLOR="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


def command(executable: str, configs: Sequence[Path], per_file_timeout: float, jobs: Optional[int]) -> List[str]:
    """The Semgrep command line, without targets."""
    argv = [executable, "scan", "--experimental", "--json", "--quiet", "--metrics=off", "--disable-version-check",
            "--no-git-ignore",
            "--timeout", f"{per_file_timeout:g}", "--timeout-threshold", "3"]
    for config in configs:
        argv += ["--config", str(config)]
    if jobs:
        argv += ["--jobs", str(jobs)]
    return argv


def batches(targets: Sequence[str], max_chars: int = MAX_ARGV_CHARS) -> Iterator[List[str]]:
    """Split ``targets`` into lists whose joined length stays under ``max_chars``."""
    batch: List[str] = []
    size = 0
    for target in targets:
        if batch and size + len(target) + 1 > max_chars:
            yield batch
            batch, size = [], 0
        batch.append(target)
        size += len(target) + 1
    if batch:
        yield batch


def scan(
    executable: str,
    configs: Sequence[Path],
    targets: Sequence[str],
    cwd: Path,
    state_dir: Path,
    per_file_timeout: float,
    budget: float,
    jobs: Optional[int] = None,
    on_batch: Optional[Callable[[int], None]] = None,
) -> ScanOutput:
    """Run Semgrep on ``targets`` (paths relative to ``cwd``), within ``budget`` seconds in total.

    ``on_batch(n)`` is called after each batch of ``n`` targets (a progress display).

    Targets left when the budget runs out (the running batch included; its
    process group is killed) are listed in ``ScanOutput.unfinished``.

    Raises:
        SemgrepFailed: Semgrep could not run, exited with a fatal error, or
            printed something that is not its JSON report.
    """
    out = ScanOutput()
    deadline = time.monotonic() + budget
    base = command(executable, configs, per_file_timeout, jobs)
    pending = list(batches(targets))
    while pending:
        batch = pending.pop(0)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            out.unfinished.extend(batch)
            continue
        document = _run_once([*base, "--", *batch], cwd, semgrep_env(state_dir), remaining)
        if on_batch is not None:
            on_batch(len(batch))
        if document is None:
            out.unfinished.extend(batch)
            continue
        out.version = out.version or document.get("version")
        out.results.extend(document.get("results") or [])
        out.scanned.extend((document.get("paths") or {}).get("scanned") or [])
        for error in document.get("errors") or []:
            if error.get("path"):
                out.errors.append(error)
            elif str(error.get("level", "error")).lower() == "error":
                raise SemgrepFailed(_one_line(error.get("message") or error.get("type") or "unknown Semgrep error"))
    return out


def _run_once(argv: List[str], cwd: Path, env: Dict[str, str], timeout: float) -> Optional[Dict[str, Any]]:
    """One Semgrep process; ``None`` when it ran out of time (it is killed with its children)."""
    popen_kwargs: Dict[str, Any] = {}
    if os.name == "posix":
        popen_kwargs["start_new_session"] = True  # so a timeout can kill semgrep-core too
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **popen_kwargs)
    except OSError as exc:
        raise SemgrepFailed(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return None
    try:
        document = json.loads(stdout.decode("utf-8", "replace"))
    except ValueError:
        detail = _one_line(stderr.decode("utf-8", "replace")) or f"exit code {proc.returncode}, no output"
        raise SemgrepFailed(f"semgrep failed: {detail}") from None
    if not isinstance(document, dict):
        raise SemgrepFailed("semgrep printed JSON that is not its report object")
    return document


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.communicate()


def _one_line(text: str) -> str:
    """The last non-empty line of ``text`` (Semgrep puts the reason last), at most 300 characters."""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
