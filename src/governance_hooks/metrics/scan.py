"""Check one file, or one segment of a file: read, parse, validate, report.

Fast path, per block of ~1 MiB: ``orjson.loads`` on each line; one
``orjson.dumps`` of the block's records whose colon count, compared with the
raw bytes', proves that no object had a duplicate key (a dropped duplicate
removes its ``:`` from the re-serialised text, and a ``:`` is never escaped by
orjson); when the counts differ, 32-line ranges, then lines, are compared.
Then one batch ``is_valid`` call (record by record, in one C-level map, after a
block that had invalid records). Only lines that fail one of these go through
the exact slow path (:mod:`.lineparse`) and the full error listing. Every line
is validated; the shortcuts only decide which lines need words.
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, repeat
from operator import ne
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..findings import Finding, Location
from .backends import MAX_DEPTH, MAX_DEPTH_CEILING, Backend, ReferenceBackend, TooDeep, depth_of
from .crossline import CrossLineChecker
from .lineparse import diagnose, duplicate_problems, line_text, value_columns
from .paths import json_path
from .reader import BudgetExceeded, ReadFailure, TooLong, read_blocks
from .rules import RULES

try:  # the fast parser is optional (the ``fast`` extra)
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised where orjson is absent
    _orjson = None

#: Deepest record orjson writes back; deeper ones are always measured by the duplicate-key pass.
_ORJSON_WRITE_DEPTH = 254

#: Lines per range compared when a block's colon counts differ (a duplicate somewhere in it).
DUP_CHUNK = 32

#: Default severity of each rule, from the registry.
SEVERITY = {rule.id: rule.severity for rule in RULES}


@dataclass(frozen=True)
class ScanOptions:
    """How lines are read and judged (all picklable, sent to worker processes)."""

    allow_nan: bool = False
    allow_blank_lines: bool = False
    max_errors: int = 100
    cross_checks: Tuple[str, ...] = ()
    timestamp_keys: Tuple[str, ...] = ("timestamp", "time")
    max_line_bytes: int = 16 << 20
    max_decompressed_bytes: int = 16 << 30
    max_depth: int = MAX_DEPTH
    block_size: int = 1 << 20


@dataclass
class ScanResult:
    """What scanning one file or segment produced.

    ``findings`` holds at most ``max_errors`` findings (0 = no cap) in line
    order; ``overflow`` counts the ones dropped; ``lines`` is the number of
    lines read.
    """

    findings: List[Finding] = field(default_factory=list)
    overflow: int = 0
    lines: int = 0


class _Sink:
    """Collects a block's findings, then keeps the first ``cap`` of the file in line order."""

    def __init__(self, rel: str, cap: int):
        self.rel = rel
        self.cap = cap
        self.result = ScanResult()
        self._block: List[tuple] = []

    @property
    def full(self) -> bool:
        """True when every further finding of this file will only be counted."""
        return bool(self.cap) and len(self.result.findings) >= self.cap

    def add(self, rule_id: str, line: Optional[int], column: Optional[int], message: str,
            evidence: Optional[Dict[str, Any]] = None, identity: Optional[str] = None) -> None:
        self._block.append((line or 0, column or 0, rule_id, message, line, column, evidence, identity))

    def flush(self) -> None:
        result = self.result
        for _, _, rule_id, message, line, column, evidence, identity in sorted(self._block, key=lambda t: t[:4]):
            if self.cap and len(result.findings) >= self.cap:
                result.overflow += 1
                continue
            result.findings.append(Finding(
                rule_id, SEVERITY[rule_id], message, Location(self.rel, line, column),
                evidence=evidence, identity=identity,
            ))
        self._block = []


#: Keywords whose message is about the shape around the value (missing or extra keys, counts),
#: not the value itself: pinning the value would tie the baseline to unrelated fields.
_SHAPE_KEYWORDS = frozenset({"required", "additionalProperties", "unevaluatedProperties", "items", "additionalItems",
                             "minItems", "maxItems", "minProperties", "maxProperties", "dependentRequired",
                             "dependencies", "propertyNames", "uniqueItems"})


def _value_payload(record: Any, issue: Any) -> Optional[str]:
    """``sha256:<hex>`` of the offending value when the message shows it cut (``None`` otherwise).

    Messages show a value as compact JSON cut to 60 characters (:func:`.messages.show`),
    so a baseline entry would absorb the same field holding another long value with the
    same first 57 characters; the payload pins the whole value. Short values are whole in
    the message already and get no payload (their baseline entries are unchanged).
    """
    from .messages import _MAX_SHOWN

    if issue.keyword in _SHAPE_KEYWORDS:
        return None
    try:
        value = record
        for token in issue.tokens:
            value = value[token]
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True, default=repr)
    except (LookupError, TypeError, ValueError, RecursionError):
        return None
    if len(text) <= _MAX_SHOWN:
        return None
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class FileScanner:
    """Scan files with one schema backend (and the reference backend for odd records)."""

    def __init__(self, backend: Backend, options: ScanOptions, reference: Optional[Backend] = None):
        self.backend = backend
        self.options = options
        self._dups_last_block = False
        self._reference = reference if reference is not None else (backend if isinstance(backend, ReferenceBackend) else None)
        backend.max_depth = options.max_depth
        if self._reference is not None:
            self._reference.max_depth = options.max_depth

    @property
    def reference(self) -> Backend:
        """The reference backend, built on first use (records the fast backend cannot take)."""
        if self._reference is None:
            self._reference = ReferenceBackend(self.backend.bundle)
            self._reference.max_depth = self.options.max_depth
        return self._reference

    def scan(self, path: Path, rel: str, start: int = 0, end: Optional[int] = None,
             root: Optional[Path] = None) -> ScanResult:
        """Check ``path`` (or its byte segment ``start..end``); findings use paths ``rel``.

        ``root``: the repository; a path resolving outside it is refused at the open.

        Line numbers are relative to ``start`` (1 for the segment's first line).
        Never raises for the content of the file; read errors become findings.
        """
        opts = self.options
        sink = _Sink(rel, opts.max_errors)
        cross = CrossLineChecker(opts.cross_checks, opts.timestamp_keys) if opts.cross_checks else None
        bom: list = []
        gc_was_enabled = gc.isenabled()
        gc.disable()  # records are acyclic; collection passes only cost time here
        lines_read = 0
        try:
            for block in read_blocks(
                path, start=start, end=end, block_size=opts.block_size,
                max_line_bytes=opts.max_line_bytes, max_decompressed_bytes=opts.max_decompressed_bytes, bom=bom,
                root=root,
            ):
                if bom and block.first_line == 1:
                    sink.add("metrics/byte-order-mark", 1, 1,
                             "file starts with a UTF-8 byte order mark (RFC 8259 §8.1: must not be added)")
                self._scan_block(block.lines, block.buffer, block.first_line, sink, cross)
                sink.flush()
                lines_read = block.first_line + len(block.lines) - 1
        except ReadFailure as exc:
            where = exc.line or None
            sink.add("metrics/unreadable-file", where, None,
                     f"cannot read the file{'' if not exc.line else f' after line {exc.line}'}: {exc}")
        except BudgetExceeded as exc:
            sink.add("metrics/analysis-incomplete", exc.line or None, None,
                     f"stopped after line {exc.line}: {exc} (max-decompressed-bytes)")
        finally:
            if gc_was_enabled:
                gc.enable()
        sink.flush()
        sink.result.lines = lines_read
        return sink.result

    # ------------------------------------------------------------------ blocks

    def _scan_block(self, lines: List[Any], buffer: Optional[bytes], first: int, sink: _Sink,
                    cross: Optional[CrossLineChecker]) -> None:
        opts = self.options
        records: List[Any] = []
        slow: List[int] = []
        if _orjson is not None:
            # One C-level map; a line orjson refuses (JSONDecodeError, or TypeError
            # for a TooLong placeholder) stops it, is marked, and the map resumes.
            it = iter(lines)
            loads = _orjson.loads
            while True:
                try:
                    records.extend(map(loads, it))
                    break
                except Exception:  # noqa: BLE001
                    slow.append(len(records))
                    records.append(None)
            if buffer is None or _has_long_digit_run(buffer):
                slow = sorted(set(slow).union(_big_integer_lines(lines, records)))
        else:
            records = [None] * len(lines)
            slow = list(range(len(lines)))

        # Lines the fast parser refused: exact diagnosis. Their records (if any)
        # are validated by the reference backend.
        odd: Dict[int, Any] = {}
        skip = set(slow)
        for i in slow:
            raw = lines[i]
            line_no = first + i
            if isinstance(raw, TooLong):
                sink.add("metrics/analysis-incomplete", line_no, None,
                         f"line is {int(raw)} bytes long, more than max-line-bytes ({opts.max_line_bytes}); "
                         f"not validated: it is skipped unread so that one line cannot exhaust memory "
                         f"(raise max-line-bytes to check it)")
                continue
            if not raw.strip(b" \t\r"):
                if not opts.allow_blank_lines:
                    sink.add("metrics/blank-line", line_no, 1, "blank line (JSON Lines has no empty records)")
                continue
            diag = diagnose(raw, opts.allow_nan, opts.max_depth)
            for problem in diag.problems:
                sink.add(problem.rule_id, line_no, problem.column, problem.message,
                         {"json_path": problem.json_path} if problem.json_path else None,
                         identity=f"{problem.rule_id}:{problem.message.split(' at column')[0]}")
            if diag.incomplete:
                sink.add("metrics/analysis-incomplete", line_no, None,
                         f"record is {diag.incomplete}; not validated: the validators recurse once per level "
                         f"(raise max-depth, up to {MAX_DEPTH_CEILING}, to check it)")
            elif diag.parsed:
                odd[i] = diag.value

        # Duplicate keys among fast-parsed lines (slow-path lines were scanned above).
        if _orjson is not None and len(skip) < len(lines):
            # Records orjson could not write back are deeper than its limit (253):
            # measure them, and leave those beyond MAX_DEPTH unvalidated, whatever
            # the backend (the libraries' own limits differ).
            deep = self._find_duplicates(lines, buffer, records, skip, first, sink)
            if opts.max_depth < _ORJSON_WRITE_DEPTH:  # a lower budget: lines with that many brackets are measured
                deep = set(deep).union(i for i, raw in enumerate(lines) if i not in skip and isinstance(raw, bytes)
                                       and raw.count(b"{") + raw.count(b"[") > opts.max_depth)
            for i in deep:
                depth = depth_of(records[i])
                if depth > opts.max_depth:
                    self._report(first + i, records[i], TooDeep(depth), sink)
                    skip.add(i)

        # Validation: every parsed record (the refused lines' slots hold None and are skipped).
        for i, outcome in self.backend.check(records, skip) if len(skip) < len(records) else ():
            if isinstance(outcome, TooDeep) and self.backend is not self.reference:
                # Beyond the fast library's own nesting limit but within max-depth: the reference judges.
                try:
                    outcome = self.reference.issues(records[i])
                except TooDeep as exc:
                    outcome = exc
            self._report(first + i, records[i], outcome, sink, lines[i])
        for i, value in odd.items():
            if isinstance(value, dict) and self.backend.valid_despite_odd_values(value):
                continue
            try:
                outcome = self.reference.issues(value) if isinstance(value, dict) else []
            except TooDeep as exc:
                outcome = exc
            self._report(first + i, value, outcome, sink, lines[i])

        if cross is not None:
            for i, record in enumerate(records):
                if i in skip:
                    if i not in odd:
                        continue
                    record = odd[i]
                if isinstance(record, dict):
                    found = list(cross.feed(first + i, record))
                    columns = self._columns(sink, lines[i], {tokens for _, _, tokens in found}) if found else {}
                    for rule_id, message, tokens in found:
                        path = json_path(tokens)
                        sink.add(rule_id, first + i, columns.get(tuple(tokens)), message,
                                 {"json_path": path}, identity=f"{rule_id}:{path}:{message.split(' (line')[0]}")

    @staticmethod
    def _columns(sink: _Sink, raw: Any, paths) -> Dict[Tuple[Any, ...], int]:
        """Columns of the values at ``paths`` in the line; only for findings that will be listed."""
        if sink.full or not isinstance(raw, bytes):
            return {}
        return value_columns(line_text(raw), {tuple(p) for p in paths})

    def _report(self, line_no: int, record: Any, outcome: Any, sink: _Sink, raw: Any = None) -> None:
        # Too deep first: the slow path stops reading at max-depth before it knows the value's kind.
        if not isinstance(record, dict) and not isinstance(outcome, TooDeep):
            sink.add("metrics/not-an-object", line_no, 1,
                     f"line is {_json_kind(record)}, not a JSON object (one record per line)")
            return
        if isinstance(outcome, TooDeep):
            sink.add("metrics/analysis-incomplete", line_no, None,
                     f"record is nested {outcome.args[0] if outcome.args else 'too many'} levels deep, "
                     f"more than max-depth ({self.options.max_depth}); not validated: the validators recurse "
                     f"once per level (raise max-depth, up to {MAX_DEPTH_CEILING}, to check it)")
            return
        columns = self._columns(sink, raw, {issue.tokens for issue in outcome}) if outcome else {}
        for issue in outcome:
            evidence = {"json_path": issue.json_path, "schema_path": issue.schema_path, "keyword": issue.keyword}
            payload = _value_payload(record, issue)
            if payload is not None:
                evidence["payload"] = payload
            sink.add("metrics/schema-violation", line_no, columns.get(tuple(issue.tokens)),
                     f"{issue.json_path}: {issue.message} [schema {issue.schema_path}]",
                     evidence, identity=f"{issue.json_path}|{issue.schema_path}|{issue.message}")

    def _find_duplicates(self, lines: List[Any], buffer: Optional[bytes], records: List[Any],
                         skip: set, first: int, sink: _Sink) -> List[int]:
        """Report duplicate keys of the fast-parsed lines; return the indices orjson could not re-serialise.

        A dropped duplicate removes its ``:`` from ``orjson.dumps`` output (which
        never escapes ``:``), so equal colon counts between the raw bytes and the
        re-serialised records prove there is none. The block is compared whole
        when the previous one was clean, else in ranges of ``DUP_CHUNK`` lines;
        only lines of differing ranges are compared one by one, and only lines
        whose counts differ (or that hold an escaped ``\\u003a``) are scanned.
        """
        dumps = _orjson.dumps
        kept = records  # refused lines hold None: no colon
        # memchr for a backslash first: most logs have none, and "\\u003" is a slow search.
        escaped = buffer is None or (b"\\" in buffer and b"\\u003" in buffer)
        skip_colons = {i: lines[i].count(b":") for i in skip if isinstance(lines[i], bytes)}
        if not escaped and not self._dups_last_block:
            try:
                if dumps(kept).count(b":") == buffer.count(b":") - sum(skip_colons.values()):
                    return []
            except TypeError:  # orjson's encode error (nesting beyond its writer's limit)
                pass
        n = len(lines)
        if buffer is not None:
            # Byte offset of line k is prefix[k] + k (k newlines before it).
            prefix = list(accumulate(map(len, lines), initial=0))
            skipped_per_chunk: Dict[int, int] = {}
            for i, count in skip_colons.items():
                skipped_per_chunk[i // DUP_CHUNK] = skipped_per_chunk.get(i // DUP_CHUNK, 0) + count

            def raw_colons(low: int, high: int) -> int:
                return buffer.count(b":", prefix[low] + low, prefix[high] + high)
        else:
            cumulative = list(accumulate((l.count(b":") if isinstance(l, bytes) else 0 for l in lines), initial=0))
            skipped_per_chunk = {}
            for i, count in skip_colons.items():
                skipped_per_chunk[i // DUP_CHUNK] = skipped_per_chunk.get(i // DUP_CHUNK, 0) + count

            def raw_colons(low: int, high: int) -> int:
                return cumulative[high] - cumulative[low]

        suspects: List[int] = []
        unwritable: List[int] = []
        starts = range(0, n, DUP_CHUNK)
        expected = [raw_colons(start, min(start + DUP_CHUNK, n)) - skipped_per_chunk.get(chunk, 0)
                    for chunk, start in enumerate(starts)]
        try:  # every chunk written in one C-level pipeline
            stops = chain(starts[1:], (n,))
            written = list(map(bytes.count, map(dumps, map(kept.__getitem__, map(slice, starts, stops))), repeat(b":")))
        except TypeError:  # a record deeper than orjson writes: compare chunk by chunk
            written = []
            for start in starts:
                try:
                    written.append(dumps(kept[start:start + DUP_CHUNK]).count(b":"))
                except TypeError:
                    written.append(-1)
        for start in compress(starts, map(ne, written, expected)):
            for i in range(start, min(start + DUP_CHUNK, n)):
                if i in skip:
                    continue
                try:
                    if dumps(kept[i]).count(b":") != lines[i].count(b":"):
                        suspects.append(i)
                except TypeError:
                    unwritable.append(i)  # deeper than orjson writes: measured by the caller
                    suspects.append(i)
        if escaped:
            suspects = sorted(set(suspects) | {i for i, l in enumerate(lines)
                                               if i not in skip and isinstance(l, bytes) and b"\\u003" in l})
        self._dups_last_block = bool(suspects)
        for i in suspects:
            for problem in duplicate_problems(lines[i]):
                sink.add(problem.rule_id, first + i, problem.column, problem.message,
                         {"json_path": problem.json_path},
                         identity=f"{problem.rule_id}:{problem.message.split(' at column')[0]}")
        return unwritable


#: 19 digits in a row: the only way a line can hold an integer beyond 64 bits (|n| >= 2**63 has 19+ digits).
#: Found by mapping every digit to "0" and searching for 19 zeros: two C-level passes (a regex
#: ``[0-9]{19}`` retries at every digit and costs ~40 ns per byte on metric logs full of floats).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN = b"0" * 19


def _has_long_digit_run(data: bytes) -> bool:
    return _NINETEEN in data.translate(_DIGITS_TO_ZERO)
#: orjson reads an integer outside [-2**63, 2**64) as a float; such floats are at least this large.
_BIG = float(2 ** 63)


def _big_integer_lines(lines: List[Any], records: List[Any]) -> List[int]:
    """Indices of lines whose record orjson may have rounded: a 19-digit run and a float of 2**63 or more.

    orjson turns integers beyond 64 bits into floats (``18446744073709551616``
    becomes ``1.8446744073709552e19``), which changes ``const``, ``enum``,
    ``maximum``, ``multipleOf`` and ``uniqueItems`` verdicts. These lines go
    to the exact slow path (``json``, arbitrary-precision integers). The block
    scan for 19 digits is one C-level search; a record is walked only when its
    line has such a run (digits inside strings are then ruled out by the walk).
    """
    found: List[int] = []
    for i, raw in enumerate(lines):
        if records[i] is None or not isinstance(raw, bytes) or not _has_long_digit_run(raw):
            continue
        if _has_big_float(records[i]):
            found.append(i)
            records[i] = None
    return found


def _has_big_float(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if abs(item) >= _BIG:
                return True
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
    return False


def _json_kind(value: Any) -> str:
    from .messages import json_type

    return json_type(value)
