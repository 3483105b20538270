"""Discover checkpoint files in a repository, run the integrity checks and the scanner, make findings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .. import hashing
from ..check import CheckResult
from ..config import require_keys
from ..errors import ToolError
from ..findings import Finding, Location, Severity
from ..repo import is_within, list_files, relative_posix, select_files
from . import integrity, rules
from .allowlist import default_allowlist, parse_global_spec
from .scan import ScanOptions, ScanResult, scan_file

#: Endings of pickle-based files as users name them (``torch.save``, ``pickle``, ``joblib``, ``dill``,
#: scikit-learn's ``.sav`` habit, ``.p``), each also with a compression or archive suffix
#: (``checkpoint.pth.tar``, ``model.joblib.gz``, ``model.pkl.z``). Content decides what each file is.
_PICKLE_BASES = (".pt", ".pth", ".ckpt", ".pkl", ".pickle", ".p", ".pk", ".dill", ".sav", ".joblib")
_SUFFIXES = (".tar", ".gz", ".z", ".bz2", ".xz", ".lzma", ".lz4", ".zip")
DEFAULT_EXTENSIONS = (_PICKLE_BASES + tuple(b + s for b in _PICKLE_BASES for s in _SUFFIXES)
                      + (".bin", ".npy", ".npz", ".safetensors"))
#: Metadata files found by name, then sniffed by content.
METADATA_NAMES = ("metadata.json", "index.json", "state.sha256")
#: Endings that are pickles (or pickle containers) whatever else they might be: unrecognised content is a finding.
_PICKLE_ENDINGS = tuple(e for e in DEFAULT_EXTENSIONS if e not in (".bin", ".npy", ".npz", ".safetensors"))
CONFIG_KEYS = ("allow-globals", "max-opcodes", "opcodes-per-mb", "max-decompressed-mb", "max-ratio", "ratio-floor-mb",
               "extensions", "exclude")
_SEVERITY = {rule.id: rule.severity for rule in rules.RULES}


@dataclass
class Settings:
    """Validated ``[tool.governance-hooks.checkpoint]`` options.

    Attributes:
        allow_globals: extra ``(module, qualname)`` pairs treated as safe.
        max_opcodes: pickle opcodes simulated per file whatever its size.
        opcodes_per_mb: more opcodes (and memo entries, stack depth) per MiB of pickle data.
        max_decompressed: bytes a compressed stream may inflate to.
        max_ratio, ratio_floor: inflation ratio that is a bomb once the output passes ratio_floor bytes.
        extensions: candidate file endings for discovery.
        exclude: ``fnmatch`` globs of repository paths to skip.
    """

    allow_globals: List[Tuple[str, str]] = field(default_factory=list)
    max_opcodes: int = 2_000_000
    max_decompressed: int = 512 << 20
    opcodes_per_mb: int = 1 << 20
    max_ratio: int = 4000
    ratio_floor: int = 256 << 20
    extensions: Tuple[str, ...] = DEFAULT_EXTENSIONS
    exclude: Tuple[str, ...] = ()

    @classmethod
    def from_config(cls, table: dict, source, cli_globals: Sequence[str] = (), cli_max_opcodes: Optional[int] = None) -> "Settings":
        """Validate the configuration table and merge command-line flags.

        Raises:
            ToolError: unknown keys or values of the wrong type (one line naming the file).
        """
        require_keys("checkpoint", table, CONFIG_KEYS, source)
        where = f"{source or 'configuration'}: [tool.governance-hooks.checkpoint]"
        settings = cls()
        specs = table.get("allow-globals", [])
        if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
            raise ToolError(f"{where} allow-globals must be a list of \"module:qualname\" strings")
        # Name where a bad entry came from: the configuration file or the command line.
        origins = [(s, f"{where} allow-globals entry") for s in specs] + [(s, "--allow-global") for s in cli_globals]
        for spec, origin in origins:
            pair = parse_global_spec(spec)
            if pair is None:
                raise ToolError(f"{origin} {spec!r} is not \"module:qualname\"")
            settings.allow_globals.append(pair)
        for key, attr, scale in (("max-opcodes", "max_opcodes", 1), ("max-decompressed-mb", "max_decompressed", 1 << 20),
                                 ("opcodes-per-mb", "opcodes_per_mb", 1), ("max-ratio", "max_ratio", 1),
                                 ("ratio-floor-mb", "ratio_floor", 1 << 20)):
            if key in table:
                value = table[key]
                if type(value) is not int or value < (0 if key == "opcodes-per-mb" else 1):
                    raise ToolError(f"{where} {key} must be a {'non-negative' if key == 'opcodes-per-mb' else 'positive'} integer")
                setattr(settings, attr, value * scale)
        if cli_max_opcodes is not None:
            if cli_max_opcodes <= 0:
                raise ToolError("--max-opcodes must be a positive integer")
            settings.max_opcodes = cli_max_opcodes
        if "extensions" in table:
            exts = table["extensions"]
            if not isinstance(exts, list) or not all(isinstance(e, str) and e.startswith(".") for e in exts):
                raise ToolError(f"{where} extensions must be a list of endings such as \".pt\"")
            settings.extensions = tuple(e.lower() for e in exts)
        if "exclude" in table:
            globs = table["exclude"]
            if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
                raise ToolError(f"{where} exclude must be a list of glob patterns")
            settings.exclude = tuple(globs)
        return settings


def _is_candidate(rel: str, settings: Settings) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name in METADATA_NAMES or name.lower().endswith(settings.extensions)


def _excluded(rel: str, settings: Settings) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(rel, g) for g in settings.exclude)


class _Run:
    def __init__(self, root: Path, settings: Settings):
        self.root = root
        self.settings = settings
        self.options = ScanOptions(default_allowlist(settings.allow_globals),
                                   max_opcodes=settings.max_opcodes, max_decompressed=settings.max_decompressed,
                                   opcodes_per_mb=settings.opcodes_per_mb, max_ratio=settings.max_ratio,
                                   ratio_floor=settings.ratio_floor)
        self.digests = integrity.Digests(root)  # every open below refuses a link out of the repository
        self.findings: List[Finding] = []
        self.inputs: Set[str] = set()
        self.stats = {"files_scanned": 0, "pickle_streams": 0, "torch_checkpoints": 0,
                      "weights_only_loadable": 0, "bytes_scanned": 0}
        self.done_folders: Set[Path] = set()

    def rel(self, path: Path) -> str:
        return relative_posix(path, self.root)

    # -- findings -----------------------------------------------------------------
    def add_problems(self, problems: Iterable[integrity.Problem]) -> None:
        for p in problems:
            rel = self.rel(p.path)
            self.inputs.add(rel)
            self.findings.append(Finding(
                p.rule_id, _SEVERITY[p.rule_id], p.message,
                Location(rel, p.line, p.column if p.line else None),
                evidence=p.evidence or ({"pointer": p.pointer} if p.pointer is not None else None),
                identity=f"{p.pointer}:{p.message}" if p.pointer is not None else None,
            ))

    def add_scan(self, rel: str, result: ScanResult) -> None:
        payload = None
        for issue in result.issues:
            evidence = {k: v for k, v in issue.evidence.items() if v is not None}
            evidence["formats"] = result.formats
            if issue.rule_id in (rules.CODE_EXECUTION, rules.UNSAFE_GLOBAL):
                # A baseline accepts these exact bytes only: a swapped command of the same length is new.
                if payload is None:
                    try:
                        payload = "sha256:" + hashing.sha256_file(self.root / rel, self.root)
                    except OSError:
                        payload = "unreadable"
                evidence["payload"] = payload
            self.findings.append(Finding(issue.rule_id, _SEVERITY[issue.rule_id], issue.message, Location(rel),
                                         evidence=evidence))
        if result.torch_checkpoint:
            self.stats["torch_checkpoints"] += 1
            if result.weights_only:
                self.stats["weights_only_loadable"] += 1
            else:
                reasons = result.weights_only_reasons or ["the file could not be fully read"]
                self.findings.append(Finding(
                    rules.NOT_WEIGHTS_ONLY, _SEVERITY[rules.NOT_WEIGHTS_ONLY],
                    f"torch.load(weights_only=True) would refuse this checkpoint: {reasons[0]}"
                    + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""),
                    Location(rel), evidence={"reasons": reasons, "formats": result.formats},
                    identity="weights-only",
                ))

    # -- work -----------------------------------------------------------------------
    def scan(self, path: Path) -> None:
        rel = self.rel(path)
        self.inputs.add(rel)
        pointer = hashing.read_lfs_pointer(path, self.root)
        if pointer is not None:
            self.findings.append(Finding(
                rules.LFS_NOT_SCANNED, _SEVERITY[rules.LFS_NOT_SCANNED],
                f"Git LFS pointer (oid {pointer.oid[:12]}…, {pointer.size} bytes): the content is not in the "
                f"working tree and was not scanned", Location(rel), evidence={"oid": pointer.oid, "size": pointer.size}))
            return
        try:
            result = scan_file(path, self.options, self.root)
        except OSError as exc:
            self.findings.append(Finding(rules.UNREADABLE_CONTAINER, Severity.ERROR,
                                         f"cannot read the file: {exc.strerror or exc}", Location(rel)))
            return
        self.stats["files_scanned"] += 1
        self.stats["bytes_scanned"] += result.bytes
        self.stats["pickle_streams"] += sum(1 + len(s.nested) for _, s in result.streams)
        if not result.recognised:
            lower = path.name.lower()
            if result.bytes == 0 and lower.endswith(_PICKLE_ENDINGS + (".npy", ".npz", ".safetensors")):
                self.findings.append(Finding(rules.MALFORMED_PICKLE if lower.endswith(_PICKLE_ENDINGS) else rules.UNREADABLE_CONTAINER,
                                             Severity.ERROR, "the file is empty", Location(rel)))
            elif lower.endswith(_PICKLE_ENDINGS):
                self.findings.append(Finding(rules.MALFORMED_PICKLE, Severity.ERROR,
                                             "the content is not a pickle nor any known checkpoint format", Location(rel)))
            elif lower.endswith((".npy", ".npz")):
                self.findings.append(Finding(rules.UNREADABLE_CONTAINER, Severity.ERROR,
                                             f"the content is not a {'.npy' if lower.endswith('.npy') else 'zip'} file", Location(rel)))
            elif lower.endswith(".safetensors"):
                self.findings.append(Finding(rules.SAFETENSORS_HEADER, Severity.ERROR,
                                             "the content does not start with a safetensors header", Location(rel)))
            return
        self.add_scan(rel, result)

    def checkpoint_files(self, folder: Path) -> List[Path]:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return []
        return [folder / n for n in names
                if n.lower().endswith(self.settings.extensions) and (folder / n).is_file()]

    def metadata(self, path: Path) -> None:
        folder = path.parent
        if folder in self.done_folders:
            return
        problems: List[integrity.Problem] = []
        doc = integrity.load_json(path, problems, self.root)
        ours = (folder / "state.pt").is_file() or bool(self.checkpoint_files(folder))
        if doc is None:
            if ours:
                self.add_problems(problems)
            return
        version = integrity.metadata_version(doc)
        if version == 2 or (folder / "state.sha256").is_file() or (version is None and (folder / "state.pt").is_file()):
            self.v2(folder)
            return
        if version is None:
            if ours:
                problems.append(integrity.Problem(rules.MALFORMED_METADATA, path, "/: metadata must be a JSON object", 1, 1, ""))
                self.add_problems(problems)
            return
        meta = doc.value
        if not (ours or "sha256" in meta):
            return  # an unrelated metadata.json
        self.inputs.add(self.rel(path))
        integrity.check_v1_metadata(path, doc, self.root, self.checkpoint_files, self.digests, problems)
        self.add_problems(problems)

    def v2(self, folder: Path) -> None:
        if folder in self.done_folders:
            return
        self.done_folders.add(folder)
        problems: List[integrity.Problem] = []
        integrity.check_v2_folder(folder, self.digests, problems)
        for name in ("metadata.json", "state.sha256"):
            if (folder / name).is_file():
                self.inputs.add(self.rel(folder / name))
        self.add_problems(problems)

    def index(self, path: Path) -> None:
        problems: List[integrity.Problem] = []
        doc = integrity.load_json(path, problems, self.root)
        if doc is None:
            if self.checkpoint_files(path.parent) or any(
                    self.checkpoint_files(path.parent / d) for d in _subdirs(path.parent)):
                self.add_problems(problems)
            return
        if not integrity.looks_like_index(doc):
            return
        self.inputs.add(self.rel(path))
        integrity.check_index(path, doc, self.root, self.digests, problems)
        self.add_problems(problems)


def _starts_like_checkpoint(path: Path, root: Path) -> bool:
    """True when the file starts with a pickle PROTO 2-5 opcode, the ``.npy`` magic, or a zip whose first
    member is a pickle (``archive/data.pkl``): content that loaders open whatever the file is called."""
    from ..safe_open import open_repo_file

    try:
        with open_repo_file(path, root, limit=None) as handle:  # refused links and FIFOs are reported later
            head = handle.read(512)
    except OSError:
        return False
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return True
    if head.startswith(b"\x93NUMPY"):
        return True
    if head.startswith(b"PK\x03\x04") and len(head) >= 30:
        name_len = int.from_bytes(head[26:28], "little")
        return head[30:30 + name_len].lower().endswith((b".pkl", b".pickle"))
    return False


def _subdirs(folder: Path) -> List[str]:
    try:
        return [d for d in os.listdir(folder) if (folder / d).is_dir()][:1000]
    except OSError:
        return []


def _refusal(path: Path, root: Path) -> Optional[str]:
    """Why the safe-open rules refuse a listed file (a link out, a loop, a FIFO or device), else ``None``."""
    from ..safe_open import UnsafeFile, resolve_inside

    try:
        real = resolve_inside(path, root)
    except UnsafeFile as exc:
        return exc.reason
    return None if os.path.isfile(real) else "is not a regular file"


def _given(paths: Sequence[str], root: Path) -> Tuple[List[str], Set[str]]:
    """Repository-relative files for the given paths, and those named one by one (scanned whatever their ending).

    Raises:
        ToolError: a path that does not exist, lies outside the repository, or is not a regular file.
    """
    out = []
    named: Set[str] = set()
    for p in paths:
        path = Path(p)
        absolute = path if path.is_absolute() else Path.cwd() / path
        if not absolute.exists():
            raise ToolError(f"{p}: no such file")
        if not is_within(absolute, root):
            raise ToolError(f"{p}: outside the repository {root}")
        if absolute.is_dir():
            base = relative_posix(absolute, root)
            out.extend(select_files(root, list_files(root, untracked=True), base))
        elif not absolute.is_file():  # never open a FIFO (it would block) or a device
            raise ToolError(f"{p}: not a regular file (a FIFO, device or socket); it cannot be checked")
        else:
            out.append(relative_posix(absolute, root))
            named.add(out[-1])
    return out, named


def check_repository(root: Path, settings: Settings, *, paths: Optional[Sequence[str]] = None,
                     changed: Optional[Sequence[str]] = None, stderr=None) -> CheckResult:
    """Run the whole check.

    Args:
        root: the repository root.
        settings: validated options.
        paths: explicit files (relative to the working directory); ``None`` discovers under ``root``.
        changed: repository-relative paths to restrict discovery to (``run --changed-since``).
        stderr: a stream for a progress bar, or ``None``.

    Returns:
        The findings, the files read, and the stats (files scanned, pickle streams,
        torch checkpoints and how many would load under ``weights_only=True``, bytes scanned).

    Raises:
        ToolError: an explicit path that does not exist or lies outside the repository.
    """
    restricted = paths is not None or changed is not None
    named: Set[str] = set()
    if paths is not None:
        listing, named = _given(paths, root)
    else:
        listing = select_files(root, changed)  # the one listing rule (untracked files when changed)
    run = _Run(root, settings)
    # A file named on the command line is never skipped for its name: its content decides. Changed and
    # staged files (the plain hook, run --changed-since) are also taken when their first bytes are a pickle.
    if changed is not None:
        named |= {f for f in listing if not _is_candidate(f, settings) and not _excluded(f, settings)
                  and _starts_like_checkpoint(root / f, root)}
    candidates = [f for f in listing if f in named or (_is_candidate(f, settings) and not _excluded(f, settings))]
    metadata_jobs: Dict[Path, str] = {}
    scan_jobs: List[Path] = []
    for rel in candidates:
        path = root / rel
        if not os.path.lexists(path):
            continue  # git lists deleted files until the deletion is staged
        refusal = _refusal(path, root)
        if refusal is not None:
            run.findings.append(Finding(rules.UNREADABLE_CONTAINER, Severity.ERROR,
                                        f"{refusal}; not read, so not judged", Location(rel)))
            continue
        name = path.name
        if name in ("metadata.json", "state.sha256") or (name == "state.pt"):
            metadata_jobs.setdefault(path.parent / "metadata.json", "metadata")
            if name == "state.pt" or name == "state.sha256":
                metadata_jobs[path.parent / "metadata.json"] = "v2"
        elif name == "index.json":
            metadata_jobs.setdefault(path, "index")
        if (name.lower().endswith(settings.extensions) or rel in named) and name not in METADATA_NAMES:
            scan_jobs.append(path)
            if restricted:
                # A changed checkpoint must still match the records that describe it.
                for folder in (path.parent, path.parent.parent):
                    if (folder / "index.json").is_file():
                        metadata_jobs.setdefault(folder / "index.json", "index")
                if (path.parent / "metadata.json").is_file():
                    metadata_jobs.setdefault(path.parent / "metadata.json", "metadata")
    progress = None
    if stderr is not None and len(scan_jobs) > 20:
        from tqdm import tqdm

        progress = tqdm(total=len(scan_jobs), file=stderr, unit="file", desc="checkpoint", leave=False)
    for path in scan_jobs:
        run.scan(path)
        if progress is not None:
            progress.update(1)
    if progress is not None:
        progress.close()
    for path, kind in sorted(metadata_jobs.items()):
        if kind == "index":
            run.index(path)
        elif kind == "v2":
            run.v2(path.parent)
        elif path.is_file():
            run.metadata(path)
    return CheckResult(findings=run.findings, stats=run.stats, inputs=sorted(run.inputs))
