"""Files -> regex sites -> verdicts -> confirmed findings (no printing, no exiting)."""

from __future__ import annotations

import fnmatch
import gc
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from .. import suppression
from ..findings import Finding, Location, Severity
from ..safe_open import MissingFile, UnsafeFile, read_repo_bytes
from . import extract_data, extract_python
from .ambiguity import Budget
from .analyze import Verdict, analyze
from .confirm import Confirmer, Measurement, report_n
from .modinfo import Modules
from .rules import EXPONENTIAL, INCOMPLETE, INVALID, POLYNOMIAL, UNREADABLE
from .sites import RegexSite, SourceProblem

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass
class Options:
    """Settings of one scan (``[tool.governance-hooks.redos]`` keys in brackets).

    Attributes:
        min_degree: smallest polynomial degree reported [``min-degree``], >= 2.
        confirm: time the real engine [``confirm``].
        confirm_timeout: CPU seconds of the confirmation child per regex [``confirm-timeout``].
        confirm_target: stop growing n once a run takes this long [``confirm-target``].
        analysis_timeout: CPU seconds of static analysis per regex [``analysis-timeout``].
        max_states: NFA state budget per regex [``max-states``].
        workers: confirmation child processes [``workers``].
        schemas: globs of JSON Schema files [``schemas``].
        data_keys: keys whose string values are regexes in YAML/JSON [``data-keys``].
        data_files: globs of YAML/JSON files searched for ``data_keys`` [``data-files``].
        lexer_tokens: read Pygments-style ``tokens`` tables [``lexer-tokens``].
        exclude: globs of paths not scanned [``exclude``].
    """

    min_degree: int = 2
    confirm: bool = True
    confirm_timeout: float = 3.0
    confirm_target: float = 0.02
    analysis_timeout: float = 3.0
    max_states: int = 5000
    workers: int = 2
    schemas: Tuple[str, ...] = ("*.schema.json",)
    data_keys: Tuple[str, ...] = ()
    data_files: Tuple[str, ...] = ()
    lexer_tokens: bool = True
    exclude: Tuple[str, ...] = ()


@dataclass
class ScanResult:
    findings: List[Finding] = field(default_factory=list)
    stats: Dict[str, object] = field(default_factory=dict)
    inputs: List[str] = field(default_factory=list)


def _matches(path: str, globs: Iterable[str]) -> bool:
    name = PurePosixPath(path).name
    return any(fnmatch.fnmatchcase(path, g) or fnmatch.fnmatchcase(name, g) for g in globs)


def classify(path: str, options: Options, explicit: bool) -> Optional[str]:
    """``python``, ``schema``, ``json`` (maybe a schema), ``yaml`` or None (not scanned)."""
    if _matches(path, options.exclude):
        return None
    lower = path.lower()
    if lower.endswith(PYTHON_SUFFIXES):
        return "python"
    if _matches(path, options.schemas):
        return "schema"
    if options.data_keys and _matches(path, options.data_files):
        return "yaml" if lower.endswith((".yaml", ".yml")) else "json"
    if explicit and lower.endswith(".json"):
        return "json"  # a JSON file handed over by pre-commit: a schema only if it says so
    return None


def read_source(root: Path, rel: str) -> Optional[bytes]:
    """The bytes of a repository file read for import resolution, or None (missing, not regular, outside)."""
    try:
        return read_repo_bytes(root / rel, root)
    except OSError:  # UnsafeFile too: a link out, a FIFO or a missing module is simply not resolved
        return None


def source_exists(root: Path, rel: str) -> bool:
    full = root / rel
    try:
        return full.is_file() and not full.is_symlink()
    except OSError:
        return False


def extract_file(path: str, data: bytes, kind: str, options: Options,
                 modules: Optional[Modules] = None) -> Tuple[List[RegexSite], List[SourceProblem]]:
    """Dispatch one file to its extractor."""
    if kind == "python":
        sites, problems = extract_python.extract(path, data, modules)
        if not options.lexer_tokens:
            sites = [s for s in sites if not all(c.startswith("lexer ") for c in s.calls)]
        return sites, problems
    if kind == "yaml":
        return extract_data.extract_yaml(path, data, options.data_keys)
    return extract_data.extract_json(path, data, schema=kind == "schema", keys=options.data_keys)


def _rank(verdict: Verdict) -> int:
    if verdict.kind == "exponential":
        return 1000
    if verdict.kind == "polynomial":
        return verdict.degree or 2
    return 0


class Scanner:
    """Analyses sites with a per-(pattern, flags, kind) cache and confirms the vulnerable ones."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.cache: Dict[tuple, Verdict] = {}
        #: seconds of static analysis spent per key: a suggestion gets what is left of the budget
        self.spent: Dict[tuple, float] = {}
        self.internal_errors = 0

    def verdict(self, pattern, flags: int, kind: str, engine: str = "re") -> Verdict:
        key = (type(pattern), pattern, flags, kind, engine)
        got = self.cache.get(key)
        if got is None:
            # CPU seconds of this thread: a busy machine (or the confirmation children) does not change the verdict
            started = time.thread_time()
            budget = Budget(deadline=started + self.options.analysis_timeout, clock=time.thread_time)
            try:
                got = analyze(pattern, flags, kind, budget, self.options.max_states, engine)
            except Exception as exc:  # noqa: BLE001 - one odd regex must not stop the scan
                self.internal_errors += 1
                got = Verdict("incomplete", reason=f"analysis failed: {type(exc).__name__}: {exc}"[:200])
            self.cache[key] = got
            self.spent[key] = time.thread_time() - started
        return got

    def worst(self, site: RegexSite) -> Tuple[str, Verdict]:
        """The call kind with the worst verdict for this site (search first on ties)."""
        best: Optional[Tuple[str, Verdict]] = None
        for kind in sorted(site.kinds, key=lambda k: (k != "search", k)):
            v = self.verdict(site.pattern, site.flags, kind, engine_of(site))
            if v.kind in ("invalid", "incomplete"):
                return kind, v
            if best is None or _rank(v) > _rank(best[1]):
                best = (kind, v)
        assert best is not None
        return best


class Suggester:
    """Rewrites per (pattern, flags, kind), computed once.

    The search for a rewrite is static analysis too: it gets what the
    regex's analysis left of ``timeout`` seconds (``spent`` maps the same keys
    as :attr:`Scanner.cache` to seconds used), so the static work per regex
    stays within ``analysis-timeout``.  The equivalence probe of
    :func:`.suggest.suggest` runs the vulnerable pattern on the real engine:
    one child process serves every probe of a scan.  Use as a context manager
    (the child is closed on exit).
    """

    def __init__(self, timeout: float, spent: Optional[Dict[tuple, float]] = None) -> None:
        self.timeout = timeout
        self.spent = spent if spent is not None else {}
        self.cache: Dict[tuple, Optional[str]] = {}
        self._worker = None

    def __enter__(self) -> "Suggester":
        return self

    def __exit__(self, *exc) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    def __call__(self, pattern, flags: int, kind: str, verdict: Verdict) -> Optional[str]:
        from .confirm import _Worker
        from .suggest import suggest

        key = (type(pattern), pattern, flags, kind)
        if key not in self.cache:
            if self._worker is None:
                self._worker = _Worker()
            left = self.timeout - self.spent.get(key, 0.0)
            self.cache[key] = suggest(pattern, flags, kind, verdict, time.thread_time() + left, self._worker,
                                      clock=time.thread_time) if left > 0 else None
        return self.cache[key]


def scan(root: Path, paths: Sequence[str], options: Options, explicit: bool = False,
         progress: Optional[Callable[[int, int], None]] = None) -> ScanResult:
    """Scan repository-relative ``paths`` under ``root``.

    Args:
        explicit: the paths were named by the user or pre-commit (JSON files
            are then inspected for ``$schema``).
        progress: called as ``progress(done, total)`` while analysing sites.

    Returns:
        Findings, stats (files, patterns, counts by class, seconds) and the inputs read.
    """
    started = time.monotonic()
    result = ScanResult()
    sites: List[RegexSite] = []
    lines_of: Dict[str, List[str]] = {}
    modules = Modules(root, lambda rel: read_source(root, rel), lambda rel: source_exists(root, rel))
    modules.wanted = {rel for rel in paths if classify(rel, options, explicit) == "python"}
    # syntax trees hold no reference cycles: the cyclic collector would only walk the live trees
    # again and again while files are parsed (quadratic in the tree's size)
    collecting = gc.isenabled()
    gc.disable()
    try:
        _extract_all(root, paths, options, explicit, modules, result, sites, lines_of)
    finally:
        if collecting:
            gc.enable()
    unresolved = sum(1 for f in result.findings if f.rule_id == INCOMPLETE and f.message.startswith("pattern of "))
    scanner = Scanner(options)
    judged: List[Tuple[RegexSite, str, Verdict]] = []
    measurements: Dict[tuple, Measurement] = {}
    with Confirmer(options.confirm_timeout, options.confirm_target, options.workers) as confirmer, \
            Suggester(options.analysis_timeout, scanner.spent) as suggester:
        # each distinct vulnerable (pattern, flags, kind) is confirmed once, in child processes that
        # run while this process analyses the next regexes and then searches the rewrites
        pending: Dict[tuple, Future] = {}
        for index, site in enumerate(sites):
            kind, verdict = scanner.worst(site)
            judged.append((site, kind, verdict))
            if options.confirm and _reported(verdict, options):
                key = (type(site.pattern), site.pattern, site.flags, kind)
                if key not in pending:
                    pending[key] = confirmer.submit((site.pattern, site.flags, kind, verdict, engine_of(site),
                                                     scans_all(site)))
            if progress is not None:
                progress(index + 1, len(sites))
        for site, kind, verdict in judged:
            if _reported(verdict, options) and engine_of(site) == "re":
                suggester(site.pattern, site.flags, kind, verdict)  # cached for site_finding below
        for key, future in pending.items():
            measurements[key] = future.result()
    counts = {"exponential": 0, "polynomial": 0, "unconfirmed": 0, "invalid": 0, "incomplete": 0, "safe": 0}
    with suggester:
        for site, kind, verdict in judged:
            finding = site_finding(site, kind, verdict,
                                   measurements.get((type(site.pattern), site.pattern, site.flags, kind)),
                                   options, suggester)
            if finding is None:
                counts["safe" if verdict.kind in ("safe", "polynomial") else verdict.kind] += 1
                continue
            key = {EXPONENTIAL: "exponential", POLYNOMIAL: "polynomial", INVALID: "invalid", INCOMPLETE: "incomplete"}[finding.rule_id]
            counts[key] += 1
            if finding.evidence and finding.evidence.get("confirmed") is False:
                counts["unconfirmed"] += 1
            if _suppressed(finding.rule_id, site, lines_of.get(site.path, [])):
                continue
            result.findings.append(finding)
    result.stats = {"files": len(result.inputs), "patterns": len(sites), **counts, "unresolved": unresolved,
                    "internal_errors": scanner.internal_errors, "seconds": round(time.monotonic() - started, 2)}
    return result


def _reported(verdict: Verdict, options: Options) -> bool:
    """The verdict becomes a backtracking finding unless timing lowers it (exponential, or degree >= min-degree)."""
    return verdict.vulnerable and (verdict.kind == "exponential" or (verdict.degree or 0) >= options.min_degree)


def _extract_all(root: Path, paths: Sequence[str], options: Options, explicit: bool, modules: Modules,
                 result: ScanResult, sites: List[RegexSite], lines_of: Dict[str, List[str]]) -> None:
    """Read and extract every scanned file: sites, problems as findings, and the lines for suppression."""
    for rel in paths:
        kind = classify(rel, options, explicit)
        if kind is None:
            continue
        full = root / rel
        try:
            data = read_repo_bytes(full, root)
        except MissingFile as exc:  # listed but gone from the working tree: nothing to judge
            result.findings.append(_problem_finding(SourceProblem(rel, None, None, f"file {exc.reason}; not read")))
            continue
        except UnsafeFile as exc:  # refused or unreadable: not judged, so it blocks (fail closed)
            result.findings.append(Finding(UNREADABLE, Severity.ERROR, f"file {exc.reason}; not read, so not judged",
                                           Location(rel), identity=f"{UNREADABLE}:{exc.reason}"))
            continue
        result.inputs.append(rel)
        found, problems = extract_file(rel, data, kind, options, modules)
        result.findings.extend(_problem_finding(p) for p in problems)
        if found:
            lines_of[rel] = extract_python.source_lines(data) if kind == "python" else \
                data.decode("utf-8", "replace").splitlines()
        sites.extend(found)


def _suppressed(rule_id: str, site: RegexSite, lines: List[str]) -> bool:
    last = max(site.line, site.end_line or site.line)
    return any(suppression.is_suppressed(rule_id, lines[i - 1]) for i in range(site.line, last + 1) if 0 < i <= len(lines))


def scans_all(site: RegexSite) -> bool:
    """The pattern is applied at every position of the text (findall/finditer/sub/split, a lexer table),
    or its use is not seen (then the worst such call is assumed)."""
    return site.use_unknown or any(word in call for call in site.calls
                                   for word in ("findall", "finditer", "sub", "split", "scanner", "lexer ", "(table)"))


def engine_of(site: RegexSite) -> str:
    """The engine that runs the site's pattern: the third-party ``regex`` module or ``re``."""
    return "regex" if site.module == "regex" else "re"


def _problem_finding(problem: SourceProblem, severity: Severity = Severity.NOTE) -> Finding:
    return Finding(INCOMPLETE, severity, problem.reason, Location(problem.path, problem.line, problem.column),
                   identity=f"{INCOMPLETE}:{problem.reason}")


def _short(pattern, limit: int = 80) -> str:
    text = repr(pattern)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _lower(severity: Severity) -> Severity:
    return Severity(max(int(Severity.NOTE), int(severity) - 1))


def site_finding(site: RegexSite, kind: str, verdict: Verdict, measurement: Optional[Measurement],
                 options: Options, suggester: Optional[Callable[..., Optional[str]]] = None) -> Optional[Finding]:
    """The finding for one analysed site, or None when it is safe (or below ``min-degree``).

    ``suggester(pattern, flags, kind, verdict)`` gives the rewrite (default:
    :func:`.suggest.suggest` within ``options.analysis_timeout`` seconds).
    """
    location = Location(site.path, site.line, site.column, site.end_line if site.end_line != site.line else None)
    call = ", ".join(site.calls[:3]) or site.module
    pattern_text = _short(site.pattern)
    base_identity = f"{site.pattern!r}:{site.flags}:{kind}"
    if verdict.kind == "invalid":
        if site.module == "regex":
            return Finding(INCOMPLETE, Severity.NOTE,
                           f"regex-module pattern {pattern_text} uses syntax the re parser rejects ({verdict.reason}); not analysed",
                           location, identity=f"{INCOMPLETE}:{base_identity}")
        return Finding(INVALID, Severity.ERROR, f"pattern {pattern_text} does not compile: {verdict.reason}", location,
                       evidence={"pattern": site.pattern, "flags": site.flags, "error": verdict.reason},
                       identity=f"{INVALID}:{base_identity}")
    if verdict.kind == "incomplete":
        return Finding(INCOMPLETE, Severity.NOTE, f"pattern {pattern_text} not fully analysed: {verdict.reason}", location,
                       evidence={"pattern": site.pattern, "flags": site.flags, "reason": verdict.reason},
                       identity=f"{INCOMPLETE}:{base_identity}")
    if not verdict.vulnerable:
        return None
    exponential = verdict.kind == "exponential"
    degree = verdict.degree or 0
    if not exponential and degree < options.min_degree:
        return None
    attack = verdict.attack
    assert attack is not None
    suffix = measurement.suffix if measurement is not None and measurement.suffix is not None else None
    confirmed = bool(measurement and measurement.confirmed)
    effective = degree
    if not exponential and confirmed and measurement.growth is not None and measurement.growth < degree - 0.6:
        effective = max(2, int(measurement.growth + 0.4))
        if effective < options.min_degree:
            return None
    n = report_n(measurement, exponential, verdict.max_pumps) if measurement else (30 if exponential else 30000)
    expression = attack.expression(n, suffix)
    if exponential:
        rule, severity = EXPONENTIAL, Severity.ERROR
        complexity = "exponential"
        head = f"exponential backtracking (EDA) in {call}"
    else:
        rule = POLYNOMIAL
        severity = Severity.ERROR if effective >= 3 else Severity.WARNING
        complexity = f"O(n^{effective})"
        head = f"polynomial backtracking {complexity} in {call}"
        if effective != degree:
            head += f" (analysis bound O(n^{degree}))"
    if measurement is None:
        status = "static analysis only: confirmation disabled"
    elif confirmed:
        last = measurement.largest
        if measurement.stuck_at is not None and (last is None or measurement.growth is None):
            status = f"confirmed: the engine did not finish n={measurement.stuck_at} within {options.confirm_timeout:g} s"
        elif last is None:
            status = "confirmed: the engine did not finish even the smallest subject"
        elif exponential:
            growth = f"x{measurement.growth:.1f} per pump, " if measurement.growth else ""
            status = f"confirmed: {growth}{last[1]:.2f} s CPU at n={last[0]}" + (" before the time budget ran out" if measurement.timed_out else "")
        else:
            status = f"confirmed: measured O(n^{measurement.growth:.1f}), {last[1]:.2f} s CPU at n={last[0]}"
    else:
        severity = _lower(severity)
        last = measurement.largest
        why = "no failing suffix made the engine reject" if measurement.suffix is None else \
            (f"{last[1]:.3f} s CPU at n={last[0]}" if last else "no timing")
        status = f"unconfirmed: the engine did not slow down ({why})"
    if "no-failing-suffix" in verdict.approximations:
        status += "; no failing suffix found, the subject was timed as it is"
    if site.use_unknown and site.calls == [f"{site.module}.compile"]:
        severity = _lower(severity)
    message = f"{head}: {pattern_text}; attack {expression} ({status})"
    if site.note:
        message += f"; {site.note}"
    evidence = {
        "pattern": site.pattern, "flags": site.flags, "kind": kind, "calls": site.calls,
        "complexity": complexity, "attack": expression, "confirmed": confirmed if measurement is not None else None,
        "samples": [list(s) for s in measurement.samples] if measurement else [],
        "growth": round(measurement.growth, 3) if measurement and measurement.growth else None,
        "seconds": round(measurement.largest[1], 4) if measurement and measurement.largest else None,
        "n": measurement.largest[0] if measurement and measurement.largest else None,
        "approximations": list(verdict.approximations),
        "call_lines": sorted(site.call_lines),
    }
    if engine_of(site) == "regex":
        suggestion = None  # rewrites are checked on re's parser and engine only
    elif suggester is None:
        from .suggest import suggest

        suggestion = suggest(site.pattern, site.flags, kind, verdict, time.monotonic() + options.analysis_timeout)
    else:
        suggestion = suggester(site.pattern, site.flags, kind, verdict)
    return Finding(rule, severity, message, location, suggestion=suggestion,
                   evidence=evidence, identity=f"{rule}:{base_identity}")
