"""Scan one file for code that runs on load: every format interpretation, every pickle stream.

Formats are recognised by content, never by name, and every interpretation a
loader could choose is scanned:

* raw pickles of protocol 0-5, several in a row (``pickle.load`` called repeatedly);
* legacy PyTorch files (five pickles then the storages, accounted for byte by byte);
* zip archives (PyTorch checkpoints, ``.npz``): ``data.pkl``, any ``.pkl`` member,
  any other member that parses as a pickle, ``.npy`` members; also a zip appended
  to a pickle (polyglot), where ``pickle.load`` and ``zipfile`` see different files;
* ``.npy`` with an object dtype (its data is a pickle);
* joblib files, raw or compressed (zlib, gzip, bz2, lzma, xz, the old ``ZF`` header),
  including the array bytes joblib interleaves with the pickle;
* safetensors (header validation only: the format cannot carry code).

The result is a list of :class:`Issue` (rule, message, evidence); the command
layer turns them into findings with the repository-relative path.
"""

from __future__ import annotations

import io
import mmap
import os
import struct
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from . import formats, rules, safetensors_check, zipcheck
from .allowlist import Allowlist, danger
from .pickle_vm import Budget, BudgetExceeded, GlobalRef, PickleFault, Simulator, StreamResult

#: The first pickle of a legacy (pre-1.6) torch.save file is this number.
TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
#: Element sizes of legacy storage classes (torch/storage.py), for the storage section.
_STORAGE_ELEMENT_SIZE = {
    "DoubleStorage": 8, "FloatStorage": 4, "HalfStorage": 2, "LongStorage": 8, "IntStorage": 4,
    "ShortStorage": 2, "CharStorage": 1, "ByteStorage": 1, "BoolStorage": 1, "BFloat16Storage": 2,
    "ComplexDoubleStorage": 16, "ComplexFloatStorage": 8, "QUInt8Storage": 1, "QInt8Storage": 1,
    "QInt32Storage": 4, "QUInt4x2Storage": 1, "QUInt2x4Storage": 1, "UntypedStorage": 1,
}


@dataclass
class ScanOptions:
    """Budgets and the allowlist for one run.

    Attributes:
        allowlist: the globals that are not findings.
        max_opcodes: opcodes simulated per file whatever its size (the budget grows with the data).
        max_decompressed: bytes a compressed stream or zip member may inflate to.
        opcodes_per_mb: budget growth per MiB of pickle data scanned (file, inflated streams, members).
        max_ratio, ratio_floor: a stream inflating more than ``max_ratio``:1 past ``ratio_floor`` bytes is a bomb.
    """

    allowlist: Allowlist
    max_opcodes: int = 2_000_000
    max_decompressed: int = 512 << 20
    #: Extra opcodes (and memo entries, stack depth) allowed per MiB of pickle data, on top of
    #: ``max_opcodes``: every opcode reads at least one byte, so the default never stops a real
    #: file, while the work stays linear in the bytes the decompression budget lets in.
    opcodes_per_mb: int = 1 << 20
    max_ratio: int = formats.MAX_RATIO
    ratio_floor: int = formats.RATIO_FLOOR


@dataclass
class Issue:
    """One problem in a scanned file (``where`` names the member or stream)."""

    rule_id: str
    message: str
    evidence: Dict[str, Any] = field(default_factory=dict)
    severity: Optional[str] = None


@dataclass
class ScanResult:
    """Everything learnt about one file.

    Attributes:
        formats: the interpretations found (``pickle``, ``torch-zip``, ``torch-legacy``,
            ``zip``, ``npy``, ``joblib-zlib``, ``safetensors``, ...).
        issues: the problems, in file order.
        streams: ``(where, StreamResult)`` for every pickle stream simulated.
        torch_checkpoint: the file is a PyTorch checkpoint (zip with data.pkl, or legacy).
        weights_only: for torch checkpoints, whether ``torch.load(weights_only=True)`` accepts it.
        weights_only_reasons: why not, when it does not.
        bytes: the file size.
    """

    formats: List[str] = field(default_factory=list)
    issues: List[Issue] = field(default_factory=list)
    streams: List[Tuple[str, StreamResult]] = field(default_factory=list)
    torch_checkpoint: bool = False
    weights_only: Optional[bool] = None
    weights_only_reasons: List[str] = field(default_factory=list)
    bytes: int = 0

    @property
    def recognised(self) -> bool:
        return bool(self.formats)


class _Scanner:
    def __init__(self, options: ScanOptions):
        self.options = options
        self.budget = Budget(max_opcodes=options.max_opcodes, max_memo=options.max_opcodes, max_stack=options.max_opcodes)
        self.result = ScanResult()

    # -- issues ------------------------------------------------------------------
    def issue(self, rule_id: str, message: str, **evidence: Any) -> None:
        self.result.issues.append(Issue(rule_id, message, evidence))

    def fault(self, where: str, exc: Exception) -> None:
        if isinstance(exc, BudgetExceeded):
            self.issue(rules.ANALYSIS_INCOMPLETE, f"{where}: scan stopped at offset {exc.offset}: {exc.message}",
                       where=where, offset=exc.offset)
        else:
            text = exc.message if "offset" in exc.message else f"{exc.message} at offset {exc.offset}"
            self.issue(rules.MALFORMED_PICKLE, f"{where}: {text}", where=where, offset=exc.offset)

    def allow(self, nbytes: int) -> None:
        """Grow the work budget for ``nbytes`` more bytes of data to simulate (budgets scale with the file)."""
        extra = nbytes * self.options.opcodes_per_mb >> 20
        self.budget.max_opcodes += extra
        self.budget.max_memo += extra
        self.budget.max_stack += extra

    # -- pickle streams ----------------------------------------------------------
    def pickles(self, reader, buf, size: int, start: int, where: str, *, speculative: bool,
                legacy_ok: bool = True, stop_at: Optional[int] = None) -> Tuple[List[StreamResult], int]:
        """Simulate consecutive pickle streams from ``start``; returns them and where parsing stopped.

        ``speculative``: the bytes may well not be a pickle (a zip member, another
        format); a stream that does not parse is then silently not a pickle.
        ``stop_at``: an offset where other known data begins (an appended zip).
        """
        limit = size if stop_at is None else stop_at
        self.allow(limit - start)
        sim = Simulator(reader, size, self.options.allowlist, self.budget)
        streams: List[StreamResult] = []
        offset = start
        legacy = False
        while offset < limit:
            label = where if not streams else f"{where} (pickle #{len(streams) + 1} at offset {offset})"
            try:
                stream = sim.run(offset)
            except BudgetExceeded as exc:
                self.keep_partial(label, exc, speculative)
                if not speculative or streams:
                    self.fault(label, exc)
                return streams, offset
            except PickleFault as exc:
                self.keep_partial(label, exc, speculative and not streams)
                if speculative and not streams:
                    return streams, offset
                if streams and exc.offset == offset and not legacy:
                    self.issue(rules.TRAILING_DATA,
                               f"{where}: {limit - offset} bytes after the last pickle (offset {offset}) "
                               f"are not a pickle and no known layout accounts for them",
                               where=where, offset=offset, length=limit - offset)
                    return streams, limit
                self.fault(label, exc)
                return streams, offset
            streams.append(stream)
            self.result.streams.append((label, stream))
            for at, message in stream.problems:
                self.issue(rules.MALFORMED_PICKLE, f"{label}: {message}", where=label, offset=at)
            if stream.skipped_bytes:
                # pickle.load (not joblib.load) reads the array bytes as opcodes: scan that reading too.
                try:
                    plain = sim.run(offset, joblib=False)
                except (PickleFault, BudgetExceeded) as exc:
                    self.keep_partial(f"{label} read by pickle.load", exc, True)
                else:
                    self.result.streams.append((f"{label} read by pickle.load", plain))
            offset = stream.end
            if len(streams) == 1 and legacy_ok and stream.value == TORCH_LEGACY_MAGIC:
                legacy = True
                if "torch-legacy" not in self.result.formats:
                    self.result.formats.append("torch-legacy")
                self.result.torch_checkpoint = True
            if legacy and len(streams) == 5:
                return streams, self.legacy_storages(buf, size, offset, streams, where)
        return streams, offset

    def keep_partial(self, label: str, exc: Exception, speculative: bool) -> None:
        """Report what a stream imported and called before it failed: an unpickler runs those first.

        For a speculative reading (bytes that may not be a pickle at all) only
        code-execution globals are kept, since random data rarely spells one.
        """
        partial = getattr(exc, "partial", None)
        if partial is None or not (partial.globals or partial.calls or partial.mutations):
            return
        if speculative:
            allow = self.options.allowlist
            if not any(not allow.is_safe(g.module, g.name) and g.ext_code is None and danger(g.module, g.name)
                       for g in partial.globals):
                return
            partial.only_dangerous = True
        self.result.streams.append((f"{label} (before offset {exc.offset})", partial))

    def legacy_storages(self, buf, size: int, offset: int, streams: List[StreamResult], where: str) -> int:
        """Account for the storage section of a legacy torch file (torch/serialization.py ``_legacy_save``).

        For each key of the fifth pickle: an 8-byte little-endian element count, then
        count x element-size bytes, the size known from the storage class named in
        the persistent id of the data pickle.
        """
        keys = streams[4].value
        elsize: Dict[str, int] = {}
        for pid in streams[3].persistent_ids:
            if isinstance(pid, tuple) and len(pid) >= 3 and isinstance(pid[1], GlobalRef) and isinstance(pid[2], str):
                elsize[pid[2]] = _STORAGE_ELEMENT_SIZE.get(pid[1].use.name.rsplit(".", 1)[-1], 0)
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            self.issue(rules.TRAILING_DATA, f"{where}: the legacy storage key list is not a list of strings; "
                                            f"{size - offset} bytes after offset {offset} are unaccounted for",
                       where=where, offset=offset, length=size - offset)
            return size
        cursor = offset
        for key in keys:
            if not elsize.get(key) or cursor + 8 > size:
                break
            (count,) = struct.unpack("<q", bytes(buf[cursor:cursor + 8]))
            if count < 0 or cursor + 8 + count * elsize[key] > size:
                break
            cursor += 8 + count * elsize[key]
        else:
            if cursor == size:
                return size
        self.issue(rules.TRAILING_DATA,
                   f"{where}: the legacy storage section does not match its {len(keys)} storages; "
                   f"{size - cursor} bytes from offset {cursor} are unaccounted for",
                   where=where, offset=cursor, length=size - cursor)
        return size

    # -- legacy torch tar ----------------------------------------------------------------
    def torch_tar(self, fileobj, size: int) -> None:
        """Scan a pre-0.4 ``torch.save`` tar checkpoint the way ``torch.serialization._legacy_load`` reads it.

        ``storages``: a pickled count, then per storage a pickled ``(key, location, storage_type)``,
        an 8-byte element count and the raw bytes, then the pickled storage views; ``tensors``: a
        pickled count, then per tensor a pickled ``(key, storage_id, type)`` and ``ndim``, 4 padding
        bytes, sizes, strides and the offset (8 bytes each); ``pickle``: the object, unpickled. The
        loader takes the last member of each name (``TarFile.getmember``). Any other member is
        scanned speculatively. Source: torch/serialization.py ``legacy_load``.
        """
        import tarfile

        self.result.formats.append("torch-tar")
        self.result.torch_checkpoint = True
        try:
            fileobj.seek(0)
            with tarfile.open(fileobj=fileobj, mode="r:") as tar:
                members = tar.getmembers()
                seen: Dict[str, int] = {}
                for member in members:
                    seen[member.name] = seen.get(member.name, 0) + 1
                for name, count in seen.items():
                    if count > 1:
                        self.issue(rules.UNREADABLE_CONTAINER, f"the tar member {name!r} appears {count} times; "
                                   f"torch reads the last one", member=name)
                for member in members:
                    label = f"tar member {member.name}"
                    if not member.isfile():
                        if member.name in ("storages", "tensors", "pickle"):
                            self.issue(rules.UNREADABLE_CONTAINER, f"{label} is not a regular file", member=member.name)
                        continue
                    if member.size > self.options.max_decompressed:
                        self.issue(rules.DECOMPRESSION_BOMB, f"{label}: {member.size} bytes exceed the budget of "
                                   f"{self.options.max_decompressed}", member=member.name)
                        continue
                    data = tar.extractfile(member).read()
                    if member.name == "pickle":
                        streams, _ = self.pickles(io.BytesIO(data), data, len(data), 0, label, speculative=False,
                                                  legacy_ok=False)
                        self.result.weights_only_reasons.extend(r for st in streams[:1] for r in st.weights_only_reasons)
                    elif member.name in ("storages", "tensors"):
                        self.tar_layout(member.name, data, label)
                    else:
                        self.pickles(io.BytesIO(data), data, len(data), 0, label, speculative=True, legacy_ok=False)
                if "pickle" not in seen:
                    self.issue(rules.UNREADABLE_CONTAINER, "the tar has no 'pickle' member, so it is not a torch "
                               "checkpoint; its members were scanned as possible pickles")
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            self.issue(rules.UNREADABLE_CONTAINER, f"the tar archive cannot be read: {exc}")

    def tar_layout(self, name: str, data: bytes, label: str) -> None:
        """Walk the ``storages``/``tensors`` member: pickles interleaved with raw bytes, every byte accounted for."""
        self.allow(len(data))
        sim = Simulator(io.BytesIO(data), len(data), self.options.allowlist, self.budget, joblib=False)
        cursor = 0

        def one() -> Optional[StreamResult]:
            nonlocal cursor
            try:
                stream = sim.run(cursor)
            except (PickleFault, BudgetExceeded) as exc:
                self.keep_partial(label, exc, False)
                self.fault(label, exc)
                return None
            self.result.streams.append((f"{label} (pickle at offset {cursor})", stream))
            cursor = stream.end
            return stream

        head = one()
        if head is None:
            return
        count = head.value
        if type(count) is not int or count < 0:
            self.issue(rules.MALFORMED_PICKLE, f"{label}: the first pickle is not a count", where=label)
            return
        for _ in range(min(count, 1 << 20)):
            args = one()
            if args is None:
                return
            if name == "storages":
                storage_type = args.value[2] if type(args.value) is tuple and len(args.value) == 3 else None
                elsize = _STORAGE_ELEMENT_SIZE.get(storage_type.use.name, 0) if isinstance(storage_type, GlobalRef) else 0
                numel = struct.unpack("<q", data[cursor:cursor + 8])[0] if cursor + 8 <= len(data) else -1
                if not elsize or numel < 0 or cursor + 8 + numel * elsize > len(data):
                    break
                cursor += 8 + numel * elsize
            else:
                ndim = struct.unpack("<i", data[cursor:cursor + 4])[0] if cursor + 4 <= len(data) else -1
                if ndim < 0 or cursor + 8 + 16 * ndim + 8 > len(data):
                    break
                cursor += 8 + 16 * ndim + 8
        else:
            if name == "storages" and one() is None:
                return
            if cursor == len(data):
                return
        if cursor == len(data):  # a record torch cannot use (not a storage tuple, sizes past the end)
            self.issue(rules.TRAILING_DATA, f"{label}: the record ending at offset {cursor} is not the layout torch "
                       f"reads, so what follows it cannot be located", where=label, offset=cursor, length=0)
            return
        self.issue(rules.TRAILING_DATA, f"{label}: the layout torch reads does not account for {len(data) - cursor} "
                   f"bytes from offset {cursor}", where=label, offset=cursor, length=len(data) - cursor)

    # -- containers ----------------------------------------------------------------
    def zip_archive(self, fileobj, buf, size: int, where: str) -> Optional[int]:
        """Scan the zip members; return the offset where the archive's first member starts."""
        try:
            members, problems = zipcheck.read_members(fileobj, buf, size)
        except zipcheck.ZipProblem as exc:
            self.issue(rules.UNREADABLE_CONTAINER, f"{where}{exc}", where=where or None)
            return None
        for problem in problems:
            self.issue(rules.UNREADABLE_CONTAINER, f"{where}{problem}", where=where or None)
        names = [m.name for m in members]
        # torch's reader finds "<archive>/data.pkl" case-insensitively (miniz), so any spelling counts.
        torch_pickles = {n for n in names if n.lower() == "data.pkl" or n.lower().endswith("/data.pkl")}
        torch_pickle = next(iter(sorted(torch_pickles)), None)
        if where:  # appended to other data: torch.load and numpy.load only open zips that start the file
            self.result.formats.append("appended-zip")
            torch_pickle, torch_pickles = None, set()
        elif torch_pickle is not None:
            self.result.formats.append("torch-zip")
            self.result.torch_checkpoint = True
        elif any(n.endswith(".npy") for n in names):
            self.result.formats.append("npz")
        else:
            self.result.formats.append("zip")
        first = min((m.data_start for m in members if m.data_start >= 0), default=None)
        for member in members:
            label = f"{where}{member.name}"
            for problem in member.problems:
                self.issue(rules.UNREADABLE_CONTAINER, f"{label}: {problem}", where=label, member=member.name)
            if member.data_start < 0:
                continue
            named_pickle = member.name.lower().endswith((".pkl", ".pickle"))
            try:
                head = zipcheck.member_prefix(buf, member, 16)
            except zipcheck.ZipProblem as exc:
                self.issue(rules.UNREADABLE_CONTAINER, f"{label}: {exc}", where=label, member=member.name)
                continue
            is_npy = head.startswith(formats.NPY_MAGIC)
            looks = _looks_like_pickle(head[:8])
            if member.name.endswith(".npy") and not is_npy:
                self.issue(rules.UNREADABLE_CONTAINER, f"{label}: the member is not a .npy file", where=label,
                           member=member.name)
            if not (named_pickle or is_npy or looks):
                continue  # tensor bytes: never unpickled by any loader, not read (throughput)
            if is_npy and not named_pickle:
                # Only object arrays hold a pickle; other arrays are sized from the header without inflating them.
                try:
                    prefix = zipcheck.member_prefix(buf, member, formats.NPY_MAX_HEADER + 12)
                    header = formats.parse_npy_header(prefix, len(prefix))
                except (formats.FormatProblem, zipcheck.ZipProblem) as exc:
                    self.issue(rules.UNREADABLE_CONTAINER, f"{label}: {exc}", where=label, member=member.name)
                    continue
                if not header.has_object:
                    self.result.formats.append("npy")
                    self.npy_size(header, member.size, f"{label}: ")
                    continue
            try:
                data = zipcheck.member_bytes(buf, member, self.options.max_decompressed)
            except OverflowError as exc:
                self.issue(rules.DECOMPRESSION_BOMB, f"{label}: {exc}", where=label, member=member.name)
                continue
            except zipcheck.ZipProblem as exc:
                self.issue(rules.UNREADABLE_CONTAINER, f"{label}: {exc}", where=label, member=member.name)
                continue
            if not zipcheck.crc_ok(member, data):
                self.issue(rules.UNREADABLE_CONTAINER, f"{label}: CRC-32 or size does not match the central directory",
                           where=label, member=member.name)
            if is_npy:
                self.npy(io.BytesIO(data), data, len(data), label + ": ")
            else:
                streams, _ = self.pickles(io.BytesIO(data), data, len(data), 0, label, speculative=not named_pickle,
                                          legacy_ok=False)
                if member.name in torch_pickles:
                    self.result.weights_only_reasons.extend(r for s in streams for r in s.weights_only_reasons)
                    if not streams:
                        self.result.weights_only_reasons.append(f"{member.name} does not parse")
        return first

    def npy(self, fileobj, buf, size: int, where: str) -> None:
        self.result.formats.append("npy")
        try:
            header = formats.parse_npy_header(buf, size)
        except formats.FormatProblem as exc:
            self.issue(rules.UNREADABLE_CONTAINER, f"{where.rstrip(': ') or 'file'}: {exc}", where=where)
            return
        if header.has_object:
            self.pickles(fileobj, buf, size, header.data_start, f"{where}object array data", speculative=False,
                         legacy_ok=False)
            return
        self.npy_size(header, size, where)

    def npy_size(self, header: formats.NpyHeader, size: int, where: str) -> None:
        """The data of a non-object ``.npy`` of ``size`` bytes must be exactly shape x itemsize."""
        itemsize = formats.descr_itemsize(header.descr)
        count = 1
        for d in header.shape:
            count *= d
        if itemsize is None:
            self.issue(rules.UNREADABLE_CONTAINER, f"{where}unknown .npy dtype {header.descr!r}", where=where)
        elif size - header.data_start != count * itemsize:
            self.issue(rules.UNREADABLE_CONTAINER,
                       f"{where}the .npy data has {size - header.data_start} bytes but shape {header.shape} "
                       f"of {header.descr!r} needs {count * itemsize}", where=where)

    # -- whole file ------------------------------------------------------------------
    def scan(self, fileobj, buf, size: int) -> ScanResult:
        self.result.bytes = size
        head = bytes(buf[0:16])
        if head.startswith(formats.NPY_MAGIC):
            self.npy(fileobj, buf, size, "")
            return self.finish()
        if formats.safetensors_like(buf, size):
            self.result.formats.append("safetensors")
            issues, _ = safetensors_check.validate(buf, size)
            for item in issues:
                self.issue(rules.SAFETENSORS_HEADER, f"header{(' ' + item.pointer) if item.pointer else ''}: {item.message}",
                           pointer=item.pointer)
            if _looks_like_pickle(head):
                self.pickles(fileobj, buf, size, 0, "pickle interpretation", speculative=True)
            return self.finish()
        if size >= 512 and bytes(buf[257:262]) == b"ustar":
            self.torch_tar(fileobj, size)
            return self.finish()
        kind = formats.sniff_compression(head)
        if kind is not None:
            try:
                data = formats.decompress(kind, buf[0:size], self.options.max_decompressed, self.options.max_ratio,
                                          self.options.ratio_floor)
            except formats.DecompressionBomb as exc:
                self.result.formats.append(f"joblib-{kind}")
                self.issue(rules.DECOMPRESSION_BOMB, f"{exc}", compression=kind)
                return self.finish()
            except formats.FormatProblem as exc:
                if _looks_like_pickle(head):
                    kind = None  # e.g. a protocol-0 pickle that happens to start like zlib
                else:
                    self.result.formats.append(f"joblib-{kind}")
                    self.issue(rules.UNREADABLE_CONTAINER, f"{exc}", compression=kind)
                    return self.finish()
            if kind is not None:
                self.result.formats.append(f"joblib-{kind}")
                self.pickles(io.BytesIO(data), data, len(data), 0, f"{kind}-decompressed pickle", speculative=False)
                return self.finish()
        zip_at_start = head.startswith(zipcheck.LOCAL_MAGIC)
        eocd = zipcheck.find_eocd(buf, size)
        zip_start = None
        if zip_at_start or eocd is not None:
            fileobj.seek(0)
            zip_start = self.zip_archive(fileobj, buf, size, "" if zip_at_start else "appended zip: ")
        if _looks_like_pickle(head) and not zip_at_start:
            self.result.formats.insert(0, "pickle")
            if zip_start is not None:
                self.issue(rules.POLYGLOT,
                           "the file is a pickle with a zip archive appended: pickle.load and torch.load read the "
                           "pickle, zip readers read the archive; both were scanned", zip_offset=zip_start)
            stop_at = zip_start if (zip_start is not None and not zip_at_start) else None
            if stop_at is not None:
                stop_at = _local_header_start(buf, stop_at)
            streams, _ = self.pickles(fileobj, buf, size, 0, "pickle", speculative=False, stop_at=stop_at)
            if self.result.torch_checkpoint and "torch-legacy" in self.result.formats:
                self.result.weights_only_reasons.extend(r for s in streams for r in s.weights_only_reasons)
        return self.finish()

    def finish(self) -> ScanResult:
        result = self.result
        if result.torch_checkpoint:
            result.weights_only = not result.weights_only_reasons and not any(
                i.rule_id in (rules.MALFORMED_PICKLE, rules.UNREADABLE_CONTAINER, rules.ANALYSIS_INCOMPLETE)
                for i in result.issues)
        self.safety_issues()
        return result

    def safety_issues(self) -> None:
        """Turn the globals, calls and mutations of every stream into issues (one per distinct global)."""
        allow = self.options.allowlist
        for where, stream in self.result.streams:
            for sub in stream.all_streams():
                self._stream_issues(where, sub, allow)

    def _stream_issues(self, where: str, stream: StreamResult, allow: Allowlist) -> None:
        """One issue per global off the allowlist, graded by what the loader does with it.

        Error (``code-execution``): a known-dangerous global used other than in a data form.
        Error (``unsafe-global``): a global off the allowlist that is called with input the file
        chooses, handed to a call, reached by a dotted (traversing) name, named by an
        unregistered EXT code, or imported and kept as a value (importing runs the module's
        top-level code); and any call on a computed value. Nothing: a class only used in data
        reconstruction (NEWOBJ without arguments or ``copyreg._reconstructor``, then a
        plain-dict BUILD). See ``Simulator._classify`` for the data forms.
        """
        uses_by: Dict[str, List] = {}
        for use in stream.globals:
            if use.ext_code is None and allow.is_safe(use.module, use.name):
                continue
            uses_by.setdefault(use.qualified, []).append(use)
        calls_by: Dict[str, List] = {}
        passed_by: Dict[str, List] = {}
        for call in stream.calls:
            if call.callee is not None:
                calls_by.setdefault(call.callee.qualified, []).append(call)
            for passed in call.passes:
                passed_by.setdefault(passed.qualified, []).append(call)
        for qualified, uses in uses_by.items():
            first = uses[0]
            imports = ", ".join(f"{u.opcode} at offset {u.offset}" for u in uses[:3]) + (
                f" and {len(uses) - 3} more" if len(uses) > 3 else "")
            calls = calls_by.get(qualified, [])
            unsafe = [c for c in calls if c.verdict == "unsafe"]
            passed = passed_by.get(qualified, [])
            data_only = bool(calls) and not unsafe and not passed
            called = [f"{c.opcode} at offset {c.offset}" for c in calls]
            call_text = (f"; called by {', '.join(called[:3])}" + (f" and {len(called) - 3} more" if len(called) > 3 else "")
                         if called else "")
            raw = "" if first.raw == (first.module, first.name) or first.ext_code is not None else \
                f" (written as {first.raw[0]}.{first.raw[1]})"
            evidence = dict(where=where, global_name=qualified, module=first.module, name=first.name,
                            offsets=[u.offset for u in uses[:20]], imports=len(uses), calls=called[:20],
                            call_count=len(called), opcode=first.opcode)
            reason = None if first.ext_code is not None else danger(first.module, first.name)
            if stream.only_dangerous and reason is None:
                continue
            # A known-dangerous global passes only through the builtin data forms (getattr of a str method,
            # type of a constant, a typing subscript); as a class it stays dangerous, because loaders such as
            # joblib act on the class of what BUILD made (NDArrayWrapper reads a file of the state's naming).
            if reason is not None and not (data_only and all(c.opcode == "REDUCE" for c in calls)):
                self.issue(rules.CODE_EXECUTION,
                           f"{where}: {qualified}{raw} executes code on load ({reason}): "
                           f"{imports}{call_text}", reason=reason, **evidence)
            elif first.ext_code is not None:
                self.issue(rules.UNSAFE_GLOBAL,
                           f"{where}: extension code {first.ext_code} is not in copyreg's registry, so the loader's "
                           f"registry decides what it imports: {imports}", ext_code=first.ext_code, **evidence)
            elif "." in first.name:
                self.issue(rules.UNSAFE_GLOBAL,
                           f"{where}: {qualified}{raw} is a dotted name off the allowlist (find_class walks "
                           f"attributes part by part, reaching any object): {imports}{call_text}", **evidence)
            elif unsafe:
                self.issue(rules.UNSAFE_GLOBAL,
                           f"{where}: {qualified}{raw} is off the allowlist and the loader calls it "
                           f"({unsafe[0].why}): {imports}{call_text}", reason=unsafe[0].why, **evidence)
            elif passed:
                self.issue(rules.UNSAFE_GLOBAL,
                           f"{where}: {qualified}{raw} is off the allowlist and is handed to "
                           f"{passed[0].description} by {passed[0].opcode} at offset {passed[0].offset}, "
                           f"which may call it: {imports}", **evidence)
            elif not data_only:
                # Importing runs the module's top-level code and the value lands in the loaded object.
                self.issue(rules.UNSAFE_GLOBAL,
                           f"{where}: {qualified}{raw} is off the allowlist; it is imported (running its module's "
                           f"top-level code) and kept as a value: {imports}", **evidence)
        computed = [] if stream.only_dangerous else [c for c in stream.calls if c.callee is None and c.verdict == "unsafe"]
        if computed:
            first = computed[0]
            more = f" (and {len(computed) - 1} more calls on computed values)" if len(computed) > 1 else ""
            self.issue(rules.UNSAFE_GLOBAL,
                       f"{where}: {first.opcode} at offset {first.offset} calls {first.description}, "
                       f"which is not an imported global{more}",
                       where=where, offsets=[c.offset for c in computed[:20]], opcode=first.opcode,
                       global_name=first.description, count=len(computed))
        for mutation in stream.mutations:
            self.issue(rules.CODE_EXECUTION,
                       f"{where}: BUILD at offset {mutation.offset} sets attributes on the global {mutation.description}, "
                       f"which changes code that runs later (executes code on load)",
                       where=where, offsets=[mutation.offset], global_name=mutation.description)


def _looks_like_pickle(head: bytes) -> bool:
    """True when ``head`` can start a pickle stream (PROTO 0-5, or a protocol 0/1 opening opcode)."""
    if not head:
        return False
    if head[0] == 0x80:
        return len(head) > 1 and head[1] <= 5
    return head[0] in formats.PICKLE_OPENERS


def _local_header_start(buf, first_data: int) -> int:
    """The offset of the local header whose data starts at ``first_data`` (searching back ≤ 64 KiB)."""
    lo = max(0, first_data - (1 << 16) - 30)
    at = bytes(buf[lo:first_data]).rfind(zipcheck.LOCAL_MAGIC)
    return lo + at if at >= 0 else first_data


def scan_bytes(data: bytes, options: ScanOptions) -> ScanResult:
    """Scan an in-memory file (tests and nested use)."""
    return _Scanner(options).scan(io.BytesIO(data), data, len(data))


def scan_file(path: os.PathLike, options: ScanOptions, root: Optional[os.PathLike] = None) -> ScanResult:
    """Scan the file at ``path``; memory-maps it so large checkpoints are not read whole.

    Args:
        root: the repository; a path that resolves outside it is refused at the open
            (``None``: a path the operator named).

    Raises:
        OSError: the file cannot be opened or mapped (``UnsafeFile`` when refused).
    """
    from ..safe_open import open_repo_file

    with open_repo_file(path, root, limit=None) as handle:  # regular files only: mmap of a device is refused
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return _Scanner(options).scan(io.BytesIO(b""), b"", 0)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return _Scanner(options).scan(mapped, mapped, size)
