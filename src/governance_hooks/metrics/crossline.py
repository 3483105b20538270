"""Opt-in checks across the lines of one log (what metric logs get wrong in practice).

* ``types``: a metric (a key path, up to :data:`MAX_TYPE_DEPTH` levels) whose
  JSON type changes from one line to another -> ``metrics/metric-type-changed``;
* ``steps``: ``step`` or ``epoch`` decreasing within a run (``run_id`` when
  present) -> ``metrics/step-backwards``;
* ``timestamps``: timestamp keys that are not RFC 3339 §5.6 ``date-time``
  strings (or Unix-epoch numbers) -> ``metrics/invalid-timestamp``, and that go
  back in time within a run -> ``metrics/timestamp-backwards``;
* ``finite``: NaN or infinite values -> ``metrics/non-finite-number``.

State is bounded (:data:`MAX_TRACKED` keys and runs per file) so a hostile log
cannot grow it without limit; beyond that new keys/runs are not tracked.
"""

from __future__ import annotations

import calendar
import math
import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from .messages import show
from .paths import json_path

CHECKS = ("types", "steps", "timestamps", "finite")
MAX_TRACKED = 10_000
MAX_TYPE_DEPTH = 3

_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))\Z"
)


def parse_rfc3339(text: str) -> Optional[float]:
    """Seconds since the Unix epoch (UTC) for an RFC 3339 §5.6 ``date-time``; ``None`` if invalid.

    Checks the ranges of §5.6/§5.7 (month 01-12, day within the month with leap
    years, hour 00-23, minute 00-59, second 00-60, offset hour 00-23). A leap
    second (``:60``) counts as the last instant of its minute. The ``T`` may be
    ``t`` or a space (§5.6 note).
    """
    m = _RFC3339.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]
            and hour <= 23 and minute <= 59 and second <= 60) or year == 0:
        return None
    offset = 0
    if m.group(9):
        oh, om = int(m.group(10)), int(m.group(11))
        if oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * 60 * (1 if m.group(9) == "+" else -1)
    fraction = float("0" + m.group(7)) if m.group(7) else 0.0
    if second == 60:
        second, fraction = 59, min(0.999999999, fraction + 0.999999)
    days = _days_from_civil(year, month, day)
    return days * 86400 + hour * 3600 + minute * 60 + second + fraction - offset


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "null"


def _counter(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if not (isinstance(value, float) and math.isnan(value)) else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


class CrossLineChecker:
    """Per-file state of the opt-in cross-line checks.

    ``feed(line, record)`` yields ``(rule_id, message, path_tokens)`` for one
    record (a dict), in file order.
    """

    def __init__(self, checks: Sequence[str], timestamp_keys: Sequence[str] = ("timestamp", "time")):
        unknown = set(checks) - set(CHECKS)
        if unknown:
            raise ValueError(f"unknown cross-line checks: {', '.join(sorted(unknown))}")
        self.checks = set(checks)
        self.timestamp_keys = tuple(timestamp_keys)
        self._types: Dict[Tuple[Any, ...], Tuple[str, int]] = {}
        self._counters: Dict[Tuple[Any, str], Tuple[float, int]] = {}
        self._times: Dict[Any, Tuple[float, int]] = {}

    def feed(self, line: int, record: Dict[str, Any]) -> Iterator[Tuple[str, str, Tuple[Any, ...]]]:
        run = record.get("run_id")
        run = run if isinstance(run, (str, int)) and not isinstance(run, bool) else None
        run_text = f" of run {run!r}" if run is not None else ""
        if "types" in self.checks:
            yield from self._check_types(line, record)
        if "steps" in self.checks:
            for key in ("step", "epoch"):
                if key not in record:
                    continue
                value = _counter(record[key])
                if value is None:
                    continue
                slot = (run, key)
                previous = self._counters.get(slot)
                if previous is not None and value < previous[0]:
                    yield ("metrics/step-backwards",
                           f"{key} goes back from {show(previous[0])} (line {previous[1]}) to {show(record[key])}{run_text}",
                           (key,))
                if previous is not None or len(self._counters) < MAX_TRACKED:
                    self._counters[slot] = (value, line)
        if "timestamps" in self.checks:
            for key in self.timestamp_keys:
                if key not in record:
                    continue
                raw = record[key]
                instant: Optional[float] = None
                if isinstance(raw, str):
                    instant = parse_rfc3339(raw)
                elif isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw):
                    instant = float(raw)
                if instant is None:
                    yield ("metrics/invalid-timestamp",
                           f"{key} {show(raw)} is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z) or epoch seconds",
                           (key,))
                    continue
                slot = (run, key)
                previous = self._times.get(slot)
                if previous is not None and instant < previous[0]:
                    yield ("metrics/timestamp-backwards",
                           f"{key} {show(raw)} is earlier than the previous one (line {previous[1]}){run_text}",
                           (key,))
                if previous is not None or len(self._times) < MAX_TRACKED:
                    self._times[slot] = (instant, line)
        if "finite" in self.checks:
            for path, value in _non_finite(record):
                yield ("metrics/non-finite-number", f"{json_path(path)} is {value!r} (diverged or overflowed)",
                       tuple(path))

    def _check_types(self, line: int, record: Dict[str, Any]) -> Iterator[Tuple[str, str, Tuple[Any, ...]]]:
        stack: List[Tuple[Tuple[Any, ...], Dict[str, Any]]] = [((), record)]
        while stack:
            prefix, obj = stack.pop()
            for key, value in obj.items():
                path = prefix + (key,)
                kind = _kind(value)
                previous = self._types.get(path)
                if previous is None:
                    if len(self._types) < MAX_TRACKED:
                        self._types[path] = (kind, line)
                elif previous[0] != kind:
                    yield ("metrics/metric-type-changed",
                           f"{json_path(path)} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} here but was "
                           f"{'an' if previous[0][0] in 'aeiou' else 'a'} {previous[0]} (line {previous[1]})",
                           path)
                    self._types[path] = (kind, line)
                if kind == "object" and len(path) < MAX_TYPE_DEPTH:
                    stack.append((path, value))


def _non_finite(record: Any) -> List[Tuple[List[Any], float]]:
    found: List[Tuple[List[Any], float]] = []
    stack: List[Tuple[List[Any], Any]] = [([], record)]
    while stack and len(found) < 20:
        path, item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                found.append((path, item))
        elif isinstance(item, dict):
            stack.extend((path + [k], v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((path + [i], v) for i, v in reversed(list(enumerate(item))))
    return found
