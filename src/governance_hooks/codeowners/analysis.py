"""Findings about a parsed CODEOWNERS file, computed against the tracked files.

Pure: takes the model and the file list, returns findings and figures; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Optional, Sequence

from ..findings import Finding, Location, Severity
from ..suppression import is_suppressed
from .model import INVALID, ROLE, CodeownersFile, Issue, Owner, Rule, Span
from .ownership import Ownership
from .patterns import compile_pattern, PatternError, shorten

#: Budget on (file, matching rule) pairs examined for dead-rule analysis.
MATCH_BUDGET = 5_000_000

_SEVERITIES: Dict[str, Severity] = {}


def severity_of(rule_id: str) -> Severity:
    """The registered default severity of ``rule_id`` (see :mod:`.rules`)."""
    if not _SEVERITIES:
        from .rules import RULES

        _SEVERITIES.update({rule.id: rule.severity for rule in RULES})
    return _SEVERITIES.get(rule_id, Severity.WARNING)


def finding(rule_id: str, message: str, path: str, span: Optional[Span] = None, *,
            suggestion: Optional[str] = None, evidence=None, identity: Optional[str] = None) -> Finding:
    """A Finding of this check at ``span`` in ``path`` (whole file when ``span`` is None)."""
    if span is None:
        location = Location(path)
    else:
        location = Location(path, span.line, span.column, span.line, span.end_column)
    return Finding(rule_id, severity_of(rule_id), message, location, suggestion, evidence, identity)


def issue_findings(issues: Iterable[Issue], path: str) -> List[Finding]:
    """Parse issues as findings; the identity drops the line so baselines survive edits."""
    return [finding(i.rule_id, i.message, path, i.span, suggestion=i.suggestion,
                    identity=f"{i.rule_id}:{i.message}") for i in issues]


@dataclass
class Options:
    """What the analysis is asked to do.

    Attributes:
        require_owner: ``None`` (coverage not required) or glob patterns (CODEOWNERS
            syntax) of files that must have an owner; an empty list means every file.
        restrict_to: when set, only these files can produce ``unowned-file`` findings.
        known_owners: owner texts accepted offline (case-insensitive); ``None`` skips the check.
    """

    require_owner: Optional[List[str]] = None
    restrict_to: Optional[Iterable[str]] = None
    known_owners: Optional[Iterable[str]] = None


@dataclass
class Analysis:
    """The result: findings plus figures for the summary."""

    findings: List[Finding] = field(default_factory=list)
    stats: Dict[str, object] = field(default_factory=dict)
    unowned: List[str] = field(default_factory=list)


def analyze(model: CodeownersFile, files: Sequence[str], path: str, options: Optional[Options] = None) -> Analysis:
    """Every finding about ``model`` (the CODEOWNERS at ``path``) given the tracked ``files``.

    Args:
        model: the parsed file (its syntax issues become findings too).
        files: repo-relative POSIX paths of the tracked files.
        path: where the CODEOWNERS file is, repo-relative (finding location).
        options: coverage and owner-list options.

    Returns:
        The findings (suppression comments honoured) and the stats
        ``files``, ``rules``, ``unowned_files``, ``dialect``.
    """
    options = options or Options()
    out = Analysis()
    out.findings.extend(issue_findings(model.issues, path))
    ownership = Ownership(model)
    rules = model.rules
    active = [r for r in rules if not r.skipped]

    for rule in active:
        if model.dialect == "gitlab" and not rule.exclusion and not rule.owners and not rule.effective_owners():
            section = f" and section [{shorten(rule.section.name, 40)}]" if rule.section and rule.section.name else ""
            out.findings.append(finding(
                "codeowners/missing-owner",
                f"`{shorten(rule.pattern)}` has no owners{section} has no default owners: GitLab reports "
                "zero owners as a syntax error", path, rule.pattern_span, identity=f"missing-owner:{rule.pattern}"))
        elif not rule.exclusion and not rule.effective_owners():
            out.findings.append(finding(
                "codeowners/owner-less-rule",
                f"`{shorten(rule.pattern)}` has no owners: files it matches last are left without code owners",
                path, rule.pattern_span, identity=f"owner-less:{rule.pattern}"))

    duplicates = _duplicates(active, path, out.findings)
    late_before = _late_catch_all(active, path, out.findings)

    n = len(rules)
    matched = [0] * n
    decided = [0] * n
    sample: List[Optional[str]] = [None] * n
    unowned: List[str] = []
    budget = MATCH_BUDGET
    complete = True
    matcher = ownership.matcher
    owner_texts = ownership.owner_texts
    for file in files:
        if complete:
            ids = matcher.matches(file)
            budget -= len(ids) + 1
            if budget < 0:
                complete = False
            for rule_id in ids:
                matched[rule_id] += 1
                if sample[rule_id] is None:
                    sample[rule_id] = file
            deciding, _ = ownership.deciders(ids)
        else:
            deciding, _ = ownership.deciders(matcher.matches(file)) if ownership.gitlab else (
                [x for x in [matcher.last_match(file)] if x >= 0], [])
        owned = False
        for rule_id in deciding:
            decided[rule_id] += 1
            if owner_texts[rule_id]:
                owned = True
        if not owned:
            unowned.append(file)

    if complete:
        _dead_rules(active, ownership, matched, decided, sample, duplicates, late_before, files, path, out.findings)
    else:
        out.findings.append(finding(
            "codeowners/analysis-incomplete",
            f"dead-rule analysis stopped after {MATCH_BUDGET:,} (file, rule) matches; unmatched and shadowed "
            "rules are not reported", path))

    _coverage(unowned, ownership, options, out.findings)
    if options.known_owners is not None:
        out.findings.extend(unknown_owner_findings(model, path, {o.lower() for o in options.known_owners},
                                                   "is not in the known-owners list"))

    out.findings = [f for f in pin_lines(out.findings, model, path) if not _suppressed(f, model.lines)]
    out.unowned = unowned
    out.stats = {"files": len(files), "rules": len(active), "unowned_files": len(unowned), "dialect": model.dialect}
    return out


#: A CODEOWNERS line up to this many characters is its own payload; a longer one is hashed.
PAYLOAD_TEXT_MAX = 200


def line_payload(text: str) -> str:
    """The payload of a finding on a CODEOWNERS line: the line, whitespace squashed (long ones as ``sha256:<hex>``)."""
    squashed = " ".join(text.split())
    if len(squashed) <= PAYLOAD_TEXT_MAX:
        return squashed
    import hashlib  # here: `--who` never hashes, and start-up time decides its small runs

    return "sha256:" + hashlib.sha256(squashed.encode("utf-8", "surrogatepass")).hexdigest()


def pin_lines(findings: Iterable[Finding], model: CodeownersFile, path: str) -> List[Finding]:
    """``findings`` with ``evidence["payload"]`` set to the text of the CODEOWNERS line each one is on.

    Identities name a pattern or an owner only; the payload pins the whole line
    (its pattern and every owner), so a baseline entry for a line does not absorb
    that line rewritten with other owners. Findings elsewhere (an unowned file)
    and whole-file findings are returned unchanged.
    """
    out: List[Finding] = []
    for f in findings:
        line = f.location.line
        if f.location.path == path and line and 0 < line <= len(model.lines) and not (
                isinstance(f.evidence, dict) and "payload" in f.evidence):
            f = replace(f, evidence={**(f.evidence or {}), "payload": line_payload(model.lines[line - 1])})
        out.append(f)
    return out


def _suppressed(f: Finding, lines: List[str]) -> bool:
    line = f.location.line
    return line is not None and 0 < line <= len(lines) and is_suppressed(f.rule_id, lines[line - 1])


def _duplicates(active: List[Rule], path: str, findings: List[Finding]) -> set:
    """Flag every rule whose pattern (same section) appears again later; returns their indexes."""
    keys = [(_section_key(rule), rule.compiled.key) for rule in active]
    last: Dict[tuple, Rule] = dict(zip(keys, active))
    dead = set()
    for rule, key in zip(active, keys):
        winner = last[key]
        if winner is not rule:
            dead.add(rule.index)
            where = f" in section [{rule.section.name}]" if rule.section is not None and rule.section.name else ""
            if rule.section is not None:  # GitLab: one Hash entry per pattern, placed at its first line
                effect = (f"GitLab gives this line's place in the order line {winner.line}'s owners; "
                          "this line's owners are dead")
                advice = f"merge the owners into one line and delete the other (line {winner.line})"
            else:
                effect = "which wins; this line is dead"
                advice = f"merge the owners into line {winner.line} and delete this line"
            findings.append(finding(
                "codeowners/duplicate-pattern",
                f"`{shorten(rule.pattern)}` appears again on line {winner.line}{where}, {effect}",
                path, rule.pattern_span,
                suggestion=advice,
                evidence={"winner_line": winner.line}, identity=f"duplicate:{rule.pattern}"))
    return dead


def _section_key(rule: Rule) -> str:
    return rule.section.key if rule.section is not None else ""


def _late_catch_all(active: List[Rule], path: str, findings: List[Finding]) -> Dict[str, int]:
    """Report a catch-all placed after other rules; returns, per section, the index it overrides below."""
    by_section: Dict[str, List[Rule]] = {}
    for rule in active:
        by_section.setdefault(_section_key(rule), []).append(rule)
    overridden: Dict[str, int] = {}
    for key, section_rules in by_section.items():
        catch_alls = [r for r in section_rules if r.compiled.is_catch_all]
        if not catch_alls:
            continue
        last = catch_alls[-1]
        earlier = [r for r in section_rules if r.index < last.index and not r.compiled.is_catch_all and not r.exclusion]
        if not earlier:
            continue
        overridden[key] = last.index
        findings.append(finding(
            "codeowners/late-catch-all",
            f"catch-all `{shorten(last.pattern)}` comes after {len(earlier)} other rule(s) (from line {earlier[0].line}) "
            "and overrides all of them, because the last matching rule wins",
            path, last.pattern_span, suggestion="move the catch-all to the top of the file",
            evidence={"overridden_lines": [r.line for r in earlier][:50]}, identity=f"late-catch-all:{last.pattern}"))
    return overridden


def _dead_rules(active, ownership: Ownership, matched, decided, sample, duplicates, late_before, files, path, findings):
    """Unmatched patterns and shadowed rules (computed on the tracked files)."""
    unmatched = [r for r in active if matched[r.index] == 0 and r.index not in duplicates]
    hints = _case_hints(unmatched, files, ownership.model.dialect)
    for rule in unmatched:
        where = " at any depth" if rule.compiled.slashless else ""
        hint = hints.get(rule.index)
        message = f"`{shorten(rule.pattern)}` matches none of the {len(files)} tracked files{where}"
        if hint:
            message += f"; paths are case-sensitive and `{shorten(hint)}` differs only in case"
        findings.append(finding("codeowners/unmatched-pattern", message, path, rule.pattern_span,
                                identity=f"unmatched:{rule.pattern}"))
    for rule in active:
        i = rule.index
        if matched[i] == 0 or decided[i] > 0 or rule.exclusion or i in duplicates:
            continue
        cut = late_before.get(_section_key(rule))
        if cut is not None and i < cut:
            continue  # already reported as overridden by the late catch-all
        example = sample[i]
        deciding, fired = ownership.deciders(ownership.matcher.matches(example))
        same = [d for d in deciding if _section_key(ownership.rules[d]) == _section_key(rule)]
        if same:
            later = ownership.rules[max(same)]
            by = f"e.g. `{shorten(example)}` is decided by line {later.line} `{shorten(later.pattern)}`"
        elif any(_section_key(ownership.rules[x]) == _section_key(rule) for x in fired):
            later = ownership.rules[next(x for x in fired if _section_key(ownership.rules[x]) == _section_key(rule))]
            by = f"e.g. `{shorten(example)}` is excluded by line {later.line}"
        else:  # cannot happen: a matching rule that never decides has a later rule in its section
            continue
        count = matched[i]
        findings.append(finding(
            "codeowners/shadowed-rule",
            f"`{shorten(rule.pattern)}` never decides an owner: all {count} file(s) it matches are matched again "
            f"by later rules ({by})",
            path, rule.pattern_span, evidence={"matched_files": count, "example": example, "decided_by_line": later.line},
            identity=f"shadowed:{rule.pattern}"))


def _case_hints(unmatched: List[Rule], files: Sequence[str], dialect: str) -> Dict[int, str]:
    """For unmatched rules, a tracked path that matches when case is ignored (first found)."""
    if not unmatched or len(unmatched) > 2000:
        return {}
    from .matcher import Matcher

    folded = []
    for rule in unmatched:
        try:
            folded.append(compile_pattern(rule.pattern.lower(), dialect))
        except PatternError:
            folded.append(None)
    matcher = Matcher(folded)
    hints: Dict[int, str] = {}
    for file in files:
        for k in matcher.matches(file.lower()):
            hints.setdefault(unmatched[k].index, file)
        if len(hints) == len(unmatched):
            break
    return hints


def _coverage(unowned: List[str], ownership: Ownership, options: Options, findings: List[Finding]) -> None:
    if options.require_owner is None:
        return
    from .matcher import Matcher

    globs = options.require_owner
    matcher = Matcher([compile_pattern(g, "gitlab") for g in globs]) if globs else None
    allowed = set(options.restrict_to) if options.restrict_to is not None else None
    for file in unowned:
        if allowed is not None and file not in allowed:
            continue
        if matcher is not None and not matcher.matches(file):
            continue
        decision = ownership.resolve(file)
        if decision.rules:
            why = f"line {decision.line} `{shorten(decision.rules[-1].pattern)}` matches it but lists no owners"
        else:
            why = "no rule matches it"
        findings.append(finding("codeowners/unowned-file", f"`{shorten(file)}` has no code owner: {why}", file,
                                identity=f"unowned:{file}"))


def unknown_owner_findings(model: CodeownersFile, path: str, known: set, reason: str,
                           unknown: Optional[set] = None) -> List[Finding]:
    """``unknown-owner`` findings for owner tokens not in ``known`` (or in ``unknown`` when given)."""
    out: List[Finding] = []
    for owner in iter_owners(model):
        if owner.kind in (INVALID, ROLE):
            continue
        bad = owner.key in unknown if unknown is not None else owner.key not in known
        if bad:
            out.append(finding("codeowners/unknown-owner", f"owner `{shorten(owner.text)}` {reason}", path, owner.span,
                               identity=f"unknown-owner:{owner.key}"))
    return pin_lines(out, model, path)


def iter_owners(model: CodeownersFile) -> Iterable[Owner]:
    """Every owner token of active rules and section headers, in file order."""
    items = [(s.line, list(s.default_owners)) for s in model.sections]
    items += [(r.line, r.owners) for r in model.rules if not r.skipped]
    for _, owners in sorted(items, key=lambda x: x[0]):
        yield from owners
