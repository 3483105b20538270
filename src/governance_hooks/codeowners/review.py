"""What a change to CODEOWNERS does, and whose review a change requests.

:func:`compare` evaluates the CODEOWNERS of a base revision and of the working tree over the same
file list and reports, on the changed lines of the new file, which files change owners, which
become unowned, and which rules now decide nothing. :func:`requested_reviews` groups changed files
by what GitHub (one approval from any owner of each deciding rule) or GitLab (one approval rule per
section, with its approval count; optional sections do not block) asks for.

Pure: models and file lists in, findings and groups out.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

from ..findings import Finding
from .analysis import finding
from .model import CodeownersFile
from .ownership import Ownership
from .patterns import shorten

#: Paths named in a finding's message and kept in its evidence.
SAMPLE = 5

_Decision = Tuple[Tuple[str, ...], Tuple[int, ...]]  # (owners, deciding lines)


def decisions(ownership: Ownership, files: Sequence[str]) -> List[_Decision]:
    """``(owners, deciding lines)`` of every file (GitHub: at most one line; GitLab: one per section)."""
    if not ownership.gitlab:
        return [(owners, (line,) if line is not None else ()) for owners, line in ownership.owners_of_all(files)]
    out = []
    for path in files:
        decision = ownership.resolve(path)
        out.append((tuple(decision.owners), tuple(r.line for r in decision.rules)))
    return out


def _line_map(old: List[str], new: List[str]) -> Tuple[set, Dict[int, int], Dict[int, int]]:
    """``(changed new lines, old line -> new line where it was removed or replaced, unchanged old -> new)``."""
    changed: set = set()
    removed: Dict[int, int] = {}
    same: Dict[int, int] = {}
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                same[i1 + k + 1] = j1 + k + 1
            continue
        changed.update(range(j1 + 1, j2 + 1))
        where = min(j1 + 1, max(len(new), 1))
        for i in range(i1, i2):
            removed[i + 1] = where
    return changed, removed, same


def _owners_text(owners: Tuple[str, ...]) -> str:
    return " ".join(owners) if owners else "(no owners)"


def compare(old: CodeownersFile, new: CodeownersFile, files: Sequence[str], path: str, base: str) -> List[Finding]:
    """Findings on the changed lines of ``new`` (the CODEOWNERS at ``path``) against ``old``.

    Args:
        old: the CODEOWNERS in effect at the base revision (an empty model when there was none).
        new: the CODEOWNERS in the working tree.
        files: the working tree's files; both files are evaluated over this one list.
        path: repo-relative path of ``new`` (finding location).
        base: how to name the base in messages (``main`` or a short commit id).

    Returns:
        ``codeowners/ownership-change`` (note) and ``codeowners/newly-unowned`` (warning) per changed
        line that causes them, with a count, a sample and the commonest ``old -> new`` transitions;
        ``codeowners/rule-now-dead`` (warning) for an unchanged rule that decided files at the base
        and decides none after the change (a changed rule that decides nothing is already reported
        as shadowed or unmatched).
    """
    if old.lines == new.lines and old.dialect == new.dialect:
        return []
    changed, removed, same = _line_map(old.lines, new.lines)
    first_changed = min(changed) if changed else (min(removed.values()) if removed else 1)
    before = decisions(Ownership(old), files)
    after = decisions(Ownership(new), files)

    groups: Dict[int, List[Tuple[str, Tuple[str, ...], Tuple[str, ...]]]] = {}
    for file, (old_owners, old_lines), (new_owners, new_lines) in zip(files, before, after):
        if _same_owners(old_owners, new_owners):
            continue
        cause = next((line for line in new_lines if line in changed), None)
        if cause is None:
            cause = next((removed[line] for line in old_lines if line in removed), first_changed)
        groups.setdefault(cause, []).append((file, old_owners, new_owners))

    out: List[Finding] = []
    span_of = {rule.line: rule.pattern_span for rule in new.rules}
    for line in sorted(groups):
        moved = groups[line]
        location = span_of.get(line)
        where = _where(location, line)
        transitions = Counter((old_owners, new_owners) for _, old_owners, new_owners in moved)
        common = [f"{_owners_text(a)} -> {_owners_text(b)} ({n})" for (a, b), n in transitions.most_common(3)]
        sample = [file for file, _, _ in moved[:SAMPLE]]
        out.append(finding(
            "codeowners/ownership-change",
            f"compared with {base}, {len(moved)} file(s) change owners because of this change: "
            f"{'; '.join(common)}; e.g. {', '.join(f'`{shorten(f, 60)}`' for f in sample)}",
            path, where,
            evidence={"base": base, "files": len(moved), "sample": sample,
                      "transitions": [{"from": list(a), "to": list(b), "files": n}
                                      for (a, b), n in transitions.most_common(10)]},
            identity=f"ownership-change:{new.lines[line - 1].strip() if line <= len(new.lines) else line}"))
        orphaned = [file for file, old_owners, new_owners in moved if old_owners and not new_owners]
        if orphaned:
            out.append(finding(
                "codeowners/newly-unowned",
                f"compared with {base}, {len(orphaned)} file(s) lose every code owner because of this change, "
                f"e.g. {', '.join(f'`{shorten(f, 60)}`' for f in orphaned[:SAMPLE])}",
                path, where, evidence={"base": base, "files": len(orphaned), "sample": orphaned[:SAMPLE]},
                identity=f"newly-unowned:{new.lines[line - 1].strip() if line <= len(new.lines) else line}"))
    out.extend(_now_dead(new, before, after, changed, same, files, path, base))
    return out


def _where(location, line: int):
    from .model import Span

    return location if location is not None else Span(line, 1, 1)


def _now_dead(new, before, after, changed, same, files, path, base) -> List[Finding]:
    decided_before: Counter = Counter(line for _, lines in before for line in lines)
    decided_after: Counter = Counter(line for _, lines in after for line in lines)
    taken_by: Dict[int, Counter] = {}
    new_of_old = same
    for (_, old_lines), (_, new_lines) in zip(before, after):
        for old_line in old_lines:
            new_line = new_of_old.get(old_line)
            if new_line is not None and new_line not in new_lines:
                taken_by.setdefault(new_line, Counter()).update(new_lines or (0,))
    old_of_new = {n: o for o, n in same.items()}
    out: List[Finding] = []
    for rule in new.active_rules:
        if decided_after[rule.line] or rule.line in changed:
            continue  # a changed line that decides nothing is reported by the plain analysis (shadowed, unmatched)
        was = decided_before[old_of_new.get(rule.line, -1)]
        if not was:
            continue  # dead before the change too: the plain analysis reports it
        takers = taken_by.get(rule.line, Counter())
        taker = ", ".join(f"line {t}" if t else "no rule" for t, _ in takers.most_common(3))
        out.append(finding(
            "codeowners/rule-now-dead",
            f"`{shorten(rule.pattern)}` decided {was} file(s) at {base} and decides none after this change "
            f"(now decided by {taker or 'other rules'})",
            path, rule.pattern_span,
            evidence={"base": base, "decided_before": was, "now_decided_by": [t for t, _ in takers.most_common(10)]},
            identity=f"rule-now-dead:{rule.pattern}"))
    return out


def differing_owners(old: CodeownersFile, new: CodeownersFile, files: Sequence[str]) -> List[str]:
    """The ``files`` whose owners under ``new`` differ from those under ``old`` (compared as sets, case-insensitively,
    as :func:`compare` compares them)."""
    pairs = zip(files, decisions(Ownership(old), files), decisions(Ownership(new), files))
    return [file for file, (a, _), (b, _) in pairs if not _same_owners(a, b)]


def _same_owners(a: Sequence[str], b: Sequence[str]) -> bool:
    return sorted(o.lower() for o in a) == sorted(o.lower() for o in b)


@dataclass
class ReviewGroup:
    """One review requirement: who may approve, how many approvals, for which changed files.

    Attributes:
        owners: any one of them satisfies a GitHub rule; GitLab: the eligible approvers of the section.
        lines: the deciding lines (GitHub: one; GitLab: every rule of the section that decided a file).
        files: the changed files it covers, in input order.
        pattern: GitHub: the deciding rule's pattern.
        section: GitLab: the section's name (``""`` for rules before any header).
        approvals: approvals required (GitLab's ``[N]``, default 1; 0 for an optional section).
    """

    owners: List[str]
    lines: List[int]
    files: List[str] = field(default_factory=list)
    pattern: Optional[str] = None
    section: Optional[str] = None
    approvals: int = 1

    def as_json(self) -> dict:
        data = {"owners": self.owners, "lines": self.lines, "approvals": self.approvals, "files": self.files}
        if self.section is not None:
            data["section"] = self.section
        else:
            data["pattern"] = self.pattern
        return data


def requested_reviews(ownership: Ownership, files: Sequence[str]) -> Tuple[List[ReviewGroup], List[str]]:
    """``(groups, files without a code owner)`` for the changed ``files``.

    GitHub requests a review from the owners of each changed file's deciding rule; with
    "Require review from Code Owners", one approval from any of them covers all the files that rule
    decides. GitLab makes one approval rule per section (rules before the first header are one
    unnamed section): the owners of the matching entries of that section, ``[N]`` approvals (1 by
    default), and none required for an optional ``^[Section]``.
    """
    groups: Dict[object, ReviewGroup] = {}
    unowned: List[str] = []
    # Per GitLab group: the rule ids already merged and the lowercased owners, so each rule's owners are
    # read once however many files it decides (time linear in files + owners).
    merged: Dict[object, Set[int]] = {}
    lowered: Dict[object, Set[str]] = {}
    owner_texts, rules = ownership.owner_texts, ownership.rules
    for path in files:
        decided = ownership.decided(path)
        if not any(owner_texts[index] for index in decided):
            unowned.append(path)
        for index in decided:
            texts = owner_texts[index]
            if not texts:
                continue
            rule = rules[index]
            if not ownership.gitlab:
                group = groups.get(index)
                if group is None:
                    group = groups[index] = ReviewGroup(list(texts), [rule.line], pattern=rule.pattern)
                group.files.append(path)
                continue
            section = rule.section
            key = section.key if section is not None else ""
            group = groups.get(key)
            if group is None:
                approvals = 0 if section is not None and section.optional else (
                    section.approvals if section is not None and section.approvals else 1)
                group = groups[key] = ReviewGroup([], [], section=section.name if section is not None else "",
                                                  approvals=approvals)
                merged[key], lowered[key] = set(), set()
            if index not in merged[key]:
                merged[key].add(index)
                seen = lowered[key]
                for text in texts:
                    if text.lower() not in seen:
                        seen.add(text.lower())
                        group.owners.append(text)
                group.lines.append(rule.line)  # a rule is one line
            if not group.files or group.files[-1] != path:
                group.files.append(path)
    ordered = sorted(groups.values(), key=lambda g: min(g.lines))
    return ordered, unowned


def review_lines(groups: List[ReviewGroup], unowned: List[str], gitlab: bool, changed: int) -> List[str]:
    """The text form of :func:`requested_reviews`, one line per group."""
    head = (f"{changed} changed file(s); code owner approvals requested "
            + ("(one approval rule per section):" if gitlab else "(one approval from any owner of each rule):"))
    lines = [head]
    for group in groups:
        files = ", ".join(group.files[:SAMPLE]) + (f" and {len(group.files) - SAMPLE} more" if len(group.files) > SAMPLE else "")
        owners = " ".join(group.owners)
        if gitlab:
            name = f"[{group.section}]" if group.section else "(no section)"
            need = "optional" if group.approvals == 0 else f"{group.approvals} approval(s)"
            where = ", ".join(f"line {n}" for n in group.lines)
            lines.append(f"  {name} {need}: {owners} ({where}) for {len(group.files)} file(s): {files}")
        else:
            lines.append(f"  line {group.lines[0]} `{group.pattern}`: {owners} for {len(group.files)} file(s): {files}")
    if unowned:
        more = f" and {len(unowned) - SAMPLE} more" if len(unowned) > SAMPLE else ""
        lines.append(f"  no code owner: {len(unowned)} file(s): {', '.join(unowned[:SAMPLE])}{more}")
    return lines
