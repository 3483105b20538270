"""Who owns a path: GitHub's "last matching rule wins" and GitLab's sections.

GitHub (Docs, "About code owners"): the last rule whose pattern matches a path
decides; owners are never merged across lines; a rule without owners leaves
the path unowned.

GitLab (Docs, "Syntax of CODEOWNERS file", "Sections"): each section is
evaluated on its own (sections with the same name, compared case-insensitively,
are one section; rules before the first header form an unnamed section); within
a section the last matching rule decides, a rule without owners takes the
section's default owners, and a matching ``!`` exclusion removes the path from
that section; the owners of all sections add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .matcher import Matcher
from .model import CodeownersFile, Rule


@dataclass
class Resolution:
    """The owners of one path.

    Attributes:
        owners: owner texts in order of appearance, without duplicates (case-insensitive).
        rules: the deciding rules (one for GitHub; one per contributing GitLab section).
    """

    __slots__ = ("owners", "rules")
    owners: List[str]
    rules: List[Rule]

    @property
    def line(self) -> Optional[int]:
        """The line that decided (the last one for GitLab); ``None`` when no rule matches."""
        return self.rules[-1].line if self.rules else None


class Ownership:
    """A parsed CODEOWNERS file compiled for lookups.

    Args:
        model: the parsed file; skipped rules never match.
    """

    def __init__(self, model: CodeownersFile) -> None:
        self.model = model
        self.rules: List[Rule] = model.rules
        self.matcher = Matcher([None if r.skipped else r.compiled for r in self.rules])
        self.gitlab = model.dialect == "gitlab"
        # Section key of each rule id ("" for GitHub files and the unnamed GitLab section).
        self.section_of: List[str] = [r.section.key if r.section is not None else "" for r in self.rules]
        # Owner texts of each rule, deduplicated once here rather than per looked-up path.
        self.owner_texts: List[Tuple[str, ...]] = [_dedupe(o.text for o in r.effective_owners()) for r in self.rules]

    def deciders(self, ids: Sequence[int]) -> Tuple[List[int], List[int]]:
        """From all matching rule ids of one path: ``(deciding ids, exclusion ids that fired)``.

        GitHub: the highest id. GitLab: per section, the highest non-exclusion id
        unless an exclusion of that section matches too.
        """
        if not ids:
            return [], []
        if not self.gitlab:
            return [max(ids)], []
        best: Dict[str, int] = {}
        excluded: Dict[str, List[int]] = {}
        rules = self.rules
        for rule_id in ids:
            key = self.section_of[rule_id]
            if rules[rule_id].exclusion:
                excluded.setdefault(key, []).append(rule_id)
            elif rule_id > best.get(key, -1):
                best[key] = rule_id
        decided = sorted(rule_id for key, rule_id in best.items() if key not in excluded)
        fired = sorted(rule_id for ids_ in excluded.values() for rule_id in ids_)
        return decided, fired

    def resolve_ids(self, decided: Sequence[int]) -> Resolution:
        """The owners given by the deciding rules ``decided``."""
        if len(decided) == 1:
            return Resolution(list(self.owner_texts[decided[0]]), [self.rules[decided[0]]])
        texts = [text for rule_id in decided for text in self.owner_texts[rule_id]]
        return Resolution(list(_dedupe(texts)), [self.rules[rule_id] for rule_id in decided])

    def resolve(self, path: str) -> Resolution:
        """Owners of the repo-relative POSIX ``path`` and the rule(s) that decided."""
        if not self.gitlab:
            best = self.matcher.last_match(path)
            if best < 0:
                return Resolution([], [])
            return Resolution(list(self.owner_texts[best]), [self.rules[best]])
        decided, _ = self.deciders(self.matcher.matches(path))
        return self.resolve_ids(decided)

    def owners_of_all(self, paths: Iterable[str]) -> List[Tuple[Tuple[str, ...], Optional[int]]]:
        """``(owners, deciding line or None)`` for each path, in order (the bulk form of :meth:`resolve`)."""
        if self.gitlab:
            out = []
            for path in paths:
                decision = self.resolve(path)
                out.append((tuple(decision.owners), decision.line))
            return out
        answers = [(self.owner_texts[i], self.rules[i].line) for i in range(len(self.rules))]
        answers.append(((), None))  # index -1: no rule matches
        return [answers[best] for best in self.matcher.last_matches(paths)]

    def owner_line(self, path: str) -> int:
        """GitHub fast path: the 1-based line of the deciding rule, or 0 when none matches."""
        best = self.matcher.last_match(path)
        return self.rules[best].line if best >= 0 else 0


def _dedupe(texts: Iterable[str]) -> Tuple[str, ...]:
    """Owner texts without case-insensitive repeats, first spelling kept."""
    seen = set()
    out = []
    for text in texts:
        key = text.lower()
        if key not in seen:
            seen.add(key)
            out.append(text)
    return tuple(out)
