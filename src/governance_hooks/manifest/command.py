"""CLI adapter: ``governance-hooks manifest [build ROOT | verify [MANIFEST]]``.

* ``manifest`` alone (the pipeline, ``governance-hooks run``): verify every
  manifest discovered in the repository (restricted to changed datasets when
  the run gives changed files);
* ``manifest verify [MANIFEST] [--root DIR]``: one manifest; without MANIFEST,
  ``DIR/manifest.json`` with ``--root``, else every manifest discovered under
  the current folder (the pre-commit hook runs from the repository root);
* ``manifest build ROOT [-o FILE] [--update]``: write a manifest.

``--repo`` (common option) is the repository root that finding paths are
relative to; ``--root`` is the dataset root that manifest paths are relative to.
"""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..check import CheckResult, Context
from ..config import require_keys
from ..errors import ToolError
from ..findings import Finding, Location, Severity

HELP = "Verify dataset shards against their manifest (sha256 and size), or build a manifest."

CONFIG_KEYS = ("ignore", "exclude", "jobs", "cache", "datasets", "max-manifest-bytes")
DEFAULT_MAX_MANIFEST_BYTES = 256 << 20  # parsing holds ~6-8x the file (docs/manifest.md, "Limits")


def _run_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """Options shared by ``manifest``, ``manifest verify`` and ``manifest build``.

    On the sub-subcommands the defaults are suppressed, so an option given
    before the sub-subcommand is not reset by its default after it.
    """
    d = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    parser.add_argument("--no-cache", action="store_true", default=d(False),
                        help="do not read or write the stat cache (hash every file; for CI)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N", default=d(None),
                        help="hashing threads (default: one per usable CPU, at most 16)")
    parser.add_argument("--exclude", action="append", metavar="PATTERN", default=d(None),
                        help="gitignore-style pattern of files that are not data (repeatable; adds to the "
                             "defaults and the configuration)")


def _verify_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    d = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    parser.add_argument("--shard", metavar="K/N", default=d(None),
                        help="verify only part K of N of the shards (balanced by bytes; job 1 also reports "
                             "missing, moved and new files), for a CI matrix")


def _common_copy() -> argparse.ArgumentParser:
    """The CLI's common options again, with defaults suppressed, for the sub-subcommands."""
    from ..options import common_options

    common = common_options()
    for action in common._actions:
        action.default = argparse.SUPPRESS
    return common


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``build`` and ``verify`` sub-subcommands and the shared options to the ``manifest`` parser."""
    _run_options(parser, suppress=False)
    _verify_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="manifest_command", metavar="{build,verify}")

    verify = sub.add_parser(
        "verify", parents=[_common_copy()], help="verify shards against a manifest",
        description="Verify the files under a dataset root against MANIFEST (manifest.json v1.0 or "
                    "sha256sum format): changed, missing, moved, new, duplicate, unreadable, LFS pointers.",
    )
    verify.add_argument("manifest_path", nargs="?", type=Path, metavar="MANIFEST",
                        help="the manifest (default: ROOT/manifest.json with --root, else every manifest "
                             "found under the current folder)")
    verify.add_argument("--root", dest="dataset_root", type=Path, metavar="DIR",
                        help="dataset root the manifest's paths are relative to (default: the manifest's folder)")
    _run_options(verify, suppress=True)
    _verify_options(verify, suppress=True)

    build = sub.add_parser(
        "build", parents=[_common_copy()], conflict_handler="resolve", help="write a manifest for a dataset root",
        description="Hash every file under ROOT and write a deterministic manifest v1.0 atomically.",
    )
    build.add_argument("build_root", type=Path, metavar="ROOT", help="the dataset root")
    build.add_argument("-o", dest="manifest_out", type=Path, metavar="FILE",
                       help="manifest to write (default: ROOT/manifest.json; elsewhere, verify needs --root)")
    build.add_argument("--update", action="store_true", help="rewrite only what changed and print the diff")
    build.add_argument("--dataset-id", metavar="ID", help="dataset_id to record (default: kept by --update, else null)")
    _run_options(build, suppress=True)


# ---------------------------------------------------------------------------------------------- settings


class Settings:
    """Options after merging the configuration table and the command line."""

    def __init__(self, args: argparse.Namespace, ctx: Context) -> None:
        options = ctx.options
        source = ctx.config.source
        require_keys("manifest", options, CONFIG_KEYS, source)
        where = f"{source or 'configuration'}: [tool.governance-hooks.manifest]"
        exclude = options.get("exclude", [])
        if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
            raise ToolError(f"{where} exclude must be a list of gitignore patterns")
        self.exclude: List[str] = list(exclude) + list(getattr(args, "exclude", None) or [])
        cli_jobs = getattr(args, "jobs", None)
        if cli_jobs is not None and cli_jobs < 1:
            raise ToolError(f"--jobs {cli_jobs}: must be a positive integer")
        jobs = cli_jobs if cli_jobs is not None else options.get("jobs")
        if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
            raise ToolError(f"{where} jobs must be a positive integer")
        self.jobs: Optional[int] = jobs
        cache = options.get("cache", True)
        if not isinstance(cache, bool):
            raise ToolError(f"{where} cache must be true or false")
        self.cache = cache and not getattr(args, "no_cache", False)
        budget = options.get("max-manifest-bytes", DEFAULT_MAX_MANIFEST_BYTES)
        if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
            raise ToolError(f"{where} max-manifest-bytes must be a positive integer")
        self.max_manifest_bytes = budget
        self.datasets = _datasets(options.get("datasets", []), where, ctx.root)
        from .paths import parse_shard

        self.shard = parse_shard(getattr(args, "shard", None))

    def excluder(self):
        from .exclude import Excluder

        import importlib.util

        if importlib.util.find_spec("pathspec") is None:  # a missing dependency is not a pattern error
            raise ToolError("manifest: the 'pathspec' package is required (pip install 'pathspec>=0.12')")
        try:
            return Excluder(self.exclude)
        except Exception as exc:  # pathspec raises several types for bad patterns
            raise ToolError(f"exclude: invalid pattern: {exc}") from None


def _datasets(value: Any, where: str, repo_root: Path) -> Dict[str, Path]:
    """``datasets = [{manifest = "...", root = "..."}]``: manifests whose dataset root is not their folder."""
    if not isinstance(value, list):
        raise ToolError(f"{where} datasets must be a list of {{manifest = ..., root = ...}} tables")
    out: Dict[str, Path] = {}
    for item in value:
        if not (isinstance(item, dict) and set(item) == {"manifest", "root"}
                and all(isinstance(v, str) for v in item.values())):
            raise ToolError(f"{where} datasets entries need exactly the string keys manifest and root")
        from ..safe_open import UnsafeFile, config_path

        try:  # repository configuration names only places inside the repository (the one rule)
            config_path(item["manifest"], repo_root, "datasets manifest")
            out[Path(item["manifest"]).as_posix()] = config_path(item["root"], repo_root, "datasets root")
        except UnsafeFile as exc:
            raise ToolError(f"{where} datasets: {exc.path!r} {exc.reason}") from None
    return out


# ---------------------------------------------------------------------------------------------- progress


class Progress:
    """A tqdm bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, ctx: Context, label: str) -> None:
        self.ctx = ctx
        self.label = label
        self.bar = None
        self.lock = threading.Lock()

    def __call__(self, total: int):
        if not self.ctx.interactive:
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=self.label,
                        file=self.ctx.stderr, leave=False, delay=0.5, dynamic_ncols=True)

        def advance(n: int) -> None:
            with self.lock:
                self.bar.update(n)

        return advance

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# ---------------------------------------------------------------------------------------------- verify


def _parse_manifest(data: bytes, path: Path, covers: bool):
    """Parse ``data`` as a sha256sum file (by name: SHA256SUMS*, *.sha256sum) or as JSON (.json); else sniff."""
    from .discover import is_sums_name
    from .parse_json import parse_manifest_json
    from .parse_sums import parse_sha256sums

    if is_sums_name(path.name):
        sums = True
    elif path.suffix.lower() == ".json":
        sums = False
    else:  # an unusual name: sniff
        sums = not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))
    if sums:
        return parse_sha256sums(data, path, covers_folder=covers)
    return parse_manifest_json(data, path)


def verify_one(ctx: Context, settings: Settings, manifest_path: Path, dataset_root: Optional[Path],
               explicit: bool, stats: Dict[str, int]) -> List[Finding]:
    """Verify one manifest; ``explicit`` manifests are reported even when they are not recognised."""
    from ..repo import relative_posix
    from .audit import AuditOptions, run_audit, try_snapshot
    from .cache import StatCache
    from .discover import covers_folder
    from .reading import TooLarge, Unreadable, read_manifest
    from .verdicts import findings_for, printable, problem_findings

    rel = printable(relative_posix(manifest_path, ctx.root))
    covers = covers_folder(manifest_path.name)
    try:
        data = read_manifest(manifest_path, settings.max_manifest_bytes, ctx.root)
    except Unreadable as exc:
        stats["manifests"] += 1
        return [Finding("manifest/unreadable-file", Severity.ERROR, printable(str(exc)), Location(rel))]
    except TooLarge as exc:
        size = f"{exc.size} bytes exceeds" if exc.size is not None else "the file grew while read and exceeds"
        return [Finding("manifest/analysis-incomplete", Severity.WARNING,
                        f"manifest not verified: {size} max-manifest-bytes ({settings.max_manifest_bytes})",
                        Location(rel))]
    root_path = dataset_root if dataset_root is not None else manifest_path.parent
    root = os.path.realpath(root_path)
    if not os.path.isdir(root):
        raise ToolError(f"{root_path}: dataset root is not a folder")
    cache = StatCache.open(root, enabled=settings.cache)
    excluder = settings.excluder()
    tree = key = None
    if cache.enabled and settings.shard is None:
        shards, tree, key = try_snapshot(data, str(manifest_path), root, excluder, covers, cache)
        if shards is not None:  # byte-identical manifest, identical tree: the last clean audit stands
            stats["manifests"] += 1
            stats["shards"] += shards
            stats["ok"] += shards
            stats["cache_hits"] += shards
            return []
    manifest = _parse_manifest(data, manifest_path, covers)
    if not manifest.recognised and not explicit:
        return []  # a manifest.json of something else (a web app, a browser extension)
    stats["manifests"] += 1
    if not manifest.usable:
        return problem_findings(manifest, ctx.root)
    progress = Progress(ctx, rel)
    try:
        audit = run_audit(manifest, root, AuditOptions(excluder, cache, settings.jobs, settings.shard, progress),
                          tree=tree, snapshot_key=key)
    finally:
        progress.close()
    stats["shards"] += len(manifest.entries)
    for key in ("ok", "files_hashed", "bytes_hashed", "cache_hits"):
        stats[key] += audit.stats[key]
    return findings_for(manifest, audit, ctx.root, root)


def _targets(args: argparse.Namespace, ctx: Context, settings: Settings) -> List[Tuple[Path, Optional[Path], bool]]:
    """(manifest, dataset root or None, explicit) triples to verify."""
    from .discover import discover_under, in_scope

    manifest_path: Optional[Path] = getattr(args, "manifest_path", None)
    dataset_root: Optional[Path] = getattr(args, "dataset_root", None)
    if getattr(args, "manifest_command", None) == "verify" and (manifest_path or dataset_root):
        if manifest_path is None:
            manifest_path = dataset_root / "manifest.json"
        if manifest_path.is_dir():
            raise ToolError(f"{manifest_path}: is a folder, not a manifest file")
        if not manifest_path.exists() and not manifest_path.is_symlink():
            raise ToolError(f"{manifest_path}: no such manifest file")
        if dataset_root is not None and not dataset_root.is_dir():
            raise ToolError(f"{dataset_root}: --root is not a folder")
        return [(manifest_path.absolute(), dataset_root.absolute() if dataset_root else None, True)]
    if getattr(args, "manifest_command", None) == "verify":
        cwd = Path.cwd().resolve()
        base = cwd if _inside(cwd, ctx.root) else ctx.root
    else:
        base = ctx.root
    from ..repo import relative_posix

    changed = ctx.changed_files
    targets: List[Tuple[Path, Optional[Path], bool]] = []
    seen = set()
    for rel in discover_under(base):
        path = base / rel
        repo_rel = relative_posix(path, ctx.root)
        seen.add(repo_rel)
        if changed is not None and not in_scope(repo_rel, changed):
            continue
        targets.append((path, settings.datasets.get(repo_rel), False))
    for repo_rel, root in sorted(settings.datasets.items()):
        path = ctx.root / repo_rel
        if repo_rel in seen or not _inside(path.absolute(), base):
            continue
        if changed is not None and not (repo_rel in changed or any(
                _inside((ctx.root / c).absolute(), root.absolute()) for c in changed)):
            continue
        if not path.exists() and not path.is_symlink():
            raise ToolError(f"{ctx.config.source}: datasets: manifest {repo_rel} does not exist")
        targets.append((path, root, True))
    return targets


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def verify(args: argparse.Namespace, ctx: Context, settings: Settings) -> CheckResult:
    stats = {"manifests": 0, "shards": 0, "ok": 0, "files_hashed": 0, "bytes_hashed": 0, "cache_hits": 0}
    findings: List[Finding] = []
    targets = _targets(args, ctx, settings)
    for manifest_path, dataset_root, explicit in targets:
        findings.extend(verify_one(ctx, settings, manifest_path, dataset_root, explicit, stats))
    if not stats["manifests"] and getattr(args, "manifest_command", None) == "verify":
        ctx.stderr.write("governance-hooks manifest: no dataset manifest found "
                         "(manifest.json with schema_version \"1.0\", SHA256SUMS or *.sha256sum)\n")
    return CheckResult(findings=findings, stats=stats, inputs=[str(t[0]) for t in targets])


# ---------------------------------------------------------------------------------------------- build


def build(args: argparse.Namespace, ctx: Context, settings: Settings) -> CheckResult:
    """``manifest build ROOT [-o FILE] [--update]``: returns findings for files that cannot be listed."""
    from ..atomic import write_atomic
    from .build import created_at, describe, diff, render, scan
    from .cache import StatCache
    from .parse_json import parse_manifest_json
    from .verdicts import printable, show, verdict_findings

    root_arg: Path = args.build_root
    if not root_arg.is_dir():
        raise ToolError(f"{root_arg}: dataset root is not a folder")
    root = os.path.realpath(root_arg)
    out: Path = getattr(args, "manifest_out", None) or (root_arg / "manifest.json")
    if out.is_dir():
        raise ToolError(f"{out}: is a folder, not a manifest file")
    from .discover import is_sums_name

    if is_sums_name(out.name):
        raise ToolError(f"{out}: build writes JSON manifests (v1.0); choose a name such as manifest.json")
    shown_out = printable(str(out))
    old = None
    if args.update:
        if not out.is_file():
            raise ToolError(f"{out}: --update needs an existing manifest (run build without --update first)")
        from ..safe_open import read_repo_bytes

        try:
            old = parse_manifest_json(read_repo_bytes(out, None, limit=settings.max_manifest_bytes), out)
        except OSError as exc:
            raise ToolError(f"{out}: cannot read: {exc.strerror or exc}") from None
        if old.problems or not old.usable:
            first = old.problems[0] if old.problems else None
            where = f" at {first.pointer}" if first is not None and first.pointer else ""
            raise ToolError(f"{out}: cannot update a malformed manifest{where}: "
                            f"{first.message if first else 'no shards'} (rebuild it without --update)")
    stamp = created_at()  # validates SOURCE_DATE_EPOCH before any work
    out_real = os.path.realpath(out)
    skip = os.path.relpath(out_real, root).replace(os.sep, "/") if out_real.startswith(root + os.sep) else None
    cache = StatCache.open(root, enabled=settings.cache)
    progress = Progress(ctx, printable(root_arg.as_posix()))
    try:
        result = scan(root, skip, settings.excluder(), cache, settings.jobs, progress)
    finally:
        progress.close()
    findings = verdict_findings(result.problems, ctx.root, root)
    stats = {"shards": len(result.shards), **result.stats}
    text_out = ctx.stdout if (args.format == "text" or args.output is not None) else ctx.stderr
    if result.problems:
        ctx.stderr.write(f"governance-hooks manifest: {shown_out} not written: "
                         f"{len(result.problems)} file(s) cannot be listed (see the findings)\n")
        return CheckResult(findings=findings, stats=stats)
    dataset_id = args.dataset_id if args.dataset_id is not None else (old.dataset_id if old is not None else None)
    for rel in result.pointers:
        text_out.write(f"note: {show(rel)} is a Git LFS pointer; recorded its oid and size\n")
    if old is not None:
        old_shards = [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in old.entries]
        changes = diff(old_shards, result.shards)
        if not changes and dataset_id == old.dataset_id and len(old.entries) == len(old.listed):
            text_out.write(f"{shown_out}: up to date ({len(result.shards)} shards)\n")
            return CheckResult(findings=findings, stats=stats)
        for change in changes:
            text_out.write(describe(change, show) + "\n")
        counts = {k: sum(1 for c in changes if c.kind == k) for k in ("changed", "moved", "added", "removed")}
        summary = ", ".join(f"{n} {k}" for k, n in counts.items())
        if dataset_id != old.dataset_id:
            summary += f", dataset_id {old.dataset_id!r} -> {dataset_id!r}"
    else:
        summary = f"{len(result.shards)} shards, {sum(s['size'] for s in result.shards)} bytes"
    text = render(stamp, dataset_id, result.shards)
    try:
        write_atomic(out, text.encode("utf-8"))
    except OSError as exc:
        raise ToolError(f"{out}: cannot write: {exc.strerror or exc}") from None
    text_out.write(f"{'updated' if old is not None else 'wrote'} {shown_out}: {summary}\n")
    return CheckResult(findings=findings, stats=stats, inputs=[str(out)])


# ---------------------------------------------------------------------------------------------- entry


def run(args: argparse.Namespace, ctx: Context) -> CheckResult:
    """Dispatch to build or verify (the default, also for the pipeline)."""
    settings = Settings(args, ctx)
    if getattr(args, "manifest_command", None) == "build":
        return build(args, ctx, settings)
    return verify(args, ctx, settings)
