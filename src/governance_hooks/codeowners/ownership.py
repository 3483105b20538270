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

import functools
import re
from collections.abc import Iterable, Sequence

from .matcher import FOLDER_LIMIT, Matcher
from .model import INVALID, CodeownersFile, Rule, _Record


class Resolution(_Record):
    """The owners of one path.

    Attributes:
        owners: owner texts in order of appearance, without duplicates (case-insensitive).
        rules: the deciding rules (one for GitHub; one per contributing GitLab section).
    """

    __slots__ = ("owners", "rules")
    __hash__ = None

    def __init__(self, owners: "list[str]", rules: "list[Rule]") -> None:
        self.owners, self.rules = owners, rules

    @property
    def line(self) -> int | None:
        """The line that decided (the last one for GitLab); ``None`` when no rule matches."""
        return self.rules[-1].line if self.rules else None


class Ownership:
    """A parsed CODEOWNERS file compiled for lookups.

    Args:
        model: the parsed file; skipped rules never match.
    """

    def __init__(self, model: CodeownersFile) -> None:
        self.model = model
        self.rules: list[Rule] = model.rules
        self.gitlab = model.dialect == "gitlab"
        if not self.gitlab:  # GitLab lookups use the matchers below; ``matcher`` is built on first use
            self.matcher = self._all_rules_matcher()
        # Section key of each rule id ("" for GitHub files and the unnamed GitLab section), and the owner
        # texts of each rule, deduplicated once here rather than per looked-up path.
        self.section_of: list[str] = []
        self.owner_texts: list[tuple[str, ...]] = []
        _owners_by_rule(self.rules, self.section_of, self.owner_texts)
        # GitLab lookups: owning rules and exclusions in matchers of their own (``matcher`` keeps every
        # rule: the dead-rule analysis needs all matches of a path).
        # GitLab keeps one entry per (section, normalised pattern) in a Ruby Hash: a later line with the
        # same pattern replaces the entry's owners (and whether it is an exclusion) but keeps the first
        # line's place in the order that decides (File#parse_entry). rank: the place; rep: the line
        # whose entry it is; excludes: whether that entry is an exclusion.
        self.rank = list(range(len(self.rules)))
        self.rep = list(range(len(self.rules)))
        self.excludes = [r.exclusion for r in self.rules]
        if self.gitlab:
            rules, section_of, rank, rep, excludes = self.rules, self.section_of, self.rank, self.rep, self.excludes
            first: dict[tuple[str, str], int] = {}  # entry key: the rule id of its first line
            repeated: dict[int, list[int]] = {}  # first rule id: every rule id of an entry on several lines
            for rule in rules:
                if not rule.skipped:
                    rule_id = rule.index
                    first_id = first.setdefault((section_of[rule_id], gitlab_key(rule.pattern)), rule_id)
                    if first_id != rule_id:
                        repeated.setdefault(first_id, [first_id]).append(rule_id)
            for ids in repeated.values():  # a pattern on one line only (most) keeps the entries above
                for rule_id in ids:
                    rank[rule_id], rep[rule_id] = ids[0], ids[-1]
                    excludes[rule_id] = rules[ids[-1]].exclusion
            owning = [None] * len(rules)
            exclusions = [None] * len(rules)
            for rule in rules:
                rule_id = rule.index
                if rule.skipped or rep[rule_id] != rule_id:
                    continue
                if excludes[rule_id]:
                    exclusions[rule_id] = rule.compiled
                else:
                    owning[rank[rule_id]] = rule.compiled  # at the first line's place
            self._owning = Matcher(owning)
            self.exclusions: Matcher | None = Matcher(exclusions) if any(exclusions) else None
            self._plans: dict[tuple, _Plan] = {}
            self._plan_of_dir: dict[str, _Plan] = {}
            self._answers: dict[tuple[int, ...], tuple[tuple[str, ...], int | None]] = {}

    @functools.cached_property
    def matcher(self) -> Matcher:
        """Every rule in one matcher (skipped ones never match): GitHub lookups and the dead-rule analysis."""
        return self._all_rules_matcher()

    def _all_rules_matcher(self) -> Matcher:
        return Matcher([None if r.skipped else r.compiled for r in self.rules])

    def _plan(self, directory: str) -> "_Plan":
        """GitLab: what decides the files of ``directory``, from one walk of each matcher (cached, and
        shared by directories that reach the same matcher states and ancestor matches)."""
        plan = self._plan_of_dir.get(directory)
        if plan is not None:
            return plan
        # A stream of paths may name any number of folders: every per-folder cache stays bounded.
        if len(self._plan_of_dir) > FOLDER_LIMIT:
            self._plan_of_dir.clear()
        self._owning.forget_folders()
        if self.exclusions is not None:
            self.exclusions.forget_folders()
        states, anc, _ = self._owning._dir(directory)
        xstates, xanc = self.exclusions._dir(directory)[:2] if self.exclusions is not None else ((), ())
        key = (id(states), anc, id(xstates), xanc)
        plan = self._plans.get(key)
        if plan is None:
            section_of = self.section_of
            base: dict[str, int] = {}
            for rule_id in anc:
                if rule_id > base.get(section_of[rule_id], -1):
                    base[section_of[rule_id]] = rule_id
            plan = self._plans[key] = _Plan(base, frozenset(section_of[i] for i in xanc),
                                            _file_terms(states), _file_terms(xstates))
        self._plan_of_dir[directory] = plan
        return plan

    def gitlab_deciders(self, path: str) -> list[int]:
        """GitLab: the deciding rule ids of ``path``, one per section not excluded, ascending."""
        return list(self.gitlab_decided(path))

    def gitlab_decided(self, path: str) -> tuple[int, ...]:
        """:meth:`gitlab_deciders` as a tuple, cached on the directory's plan (per name when no glob is
        involved, and once for every name no pattern names)."""
        directory, _, name = path.rpartition("/")
        plan = self._plan_of_dir.get(directory)
        return self._decided_in(plan if plan is not None else self._plan(directory), name)

    def _decided_in(self, plan: "_Plan", name: str) -> tuple[int, ...]:
        decided = plan.decided.get(name)
        if decided is None:
            if plan.fixed_names is not None and name not in plan.fixed_names:
                if plan.default_decided is None:
                    plan.default_decided = self._reps(plan.deciders(name, self.section_of))
                return plan.default_decided
            decided = self._reps(plan.deciders(name, self.section_of))
            if plan.fixed_names is not None:
                plan.decided[name] = decided
        return decided

    def _gitlab_answer(self, path: str) -> tuple[tuple[str, ...], int | None]:
        directory, _, name = path.rpartition("/")
        plan = self._plan(directory)
        answer = plan.answers.get(name)
        if answer is None:
            if plan.fixed_names is not None and name not in plan.fixed_names:
                if plan.default is None:
                    plan.default = self._answer_of(self._decided_in(plan, name))
                return plan.default
            answer = self._answer_of(self._decided_in(plan, name))
            if plan.fixed_names is not None:
                plan.answers[name] = answer
        return answer

    def _reps(self, places: list[int]) -> tuple[int, ...]:
        return tuple(sorted(self.rep[i] for i in places))

    def _answer_of(self, decided: tuple[int, ...]) -> tuple[tuple[str, ...], int | None]:
        answer = self._answers.get(decided)
        if answer is None:
            decision = self.resolve_ids(decided)
            answer = self._answers[decided] = (tuple(decision.owners), decision.line)
        return answer

    def deciders(self, ids: Sequence[int]) -> tuple[list[int], list[int]]:
        """From all matching rule ids of one path: ``(deciding ids, exclusion ids that fired)``.

        GitHub: the highest id. GitLab: per section, the entry placed last (a repeated pattern keeps
        its first place, with the last line's owners) unless an exclusion of that section matches too.
        """
        if not ids:
            return [], []
        if not self.gitlab:
            return [max(ids)], []
        best: dict[str, int] = {}
        excluded: dict[str, list[int]] = {}
        for rule_id in ids:
            key = self.section_of[rule_id]
            if self.excludes[rule_id]:
                excluded.setdefault(key, []).append(rule_id)
            elif self.rank[rule_id] > best.get(key, -1):
                best[key] = self.rank[rule_id]
        decided = sorted(self.rep[rank] for key, rank in best.items() if key not in excluded)
        fired = sorted(rule_id for ids_ in excluded.values() for rule_id in ids_)
        return decided, fired

    def resolve_ids(self, decided: Sequence[int]) -> Resolution:
        """The owners given by the deciding rules ``decided``."""
        if len(decided) == 1:
            return Resolution(list(self.owner_texts[decided[0]]), [self.rules[decided[0]]])
        texts = [text for rule_id in decided for text in self.owner_texts[rule_id]]
        return Resolution(list(_dedupe(texts)), [self.rules[rule_id] for rule_id in decided])

    def decided(self, path: str) -> tuple[int, ...]:
        """The deciding rule ids of ``path``, ascending: GitHub the last matching rule (none when no rule
        matches), GitLab one per section (:meth:`gitlab_decided`). Their owners are ``owner_texts[id]``."""
        if not self.gitlab:
            best = self.matcher.last_match(path)
            return (best,) if best >= 0 else ()
        return self.gitlab_decided(path)

    def resolve(self, path: str) -> Resolution:
        """Owners of the repo-relative POSIX ``path`` and the rule(s) that decided."""
        if not self.gitlab:
            best = self.matcher.last_match(path)
            if best < 0:
                return Resolution([], [])
            return Resolution(list(self.owner_texts[best]), [self.rules[best]])
        return self.resolve_ids(self.gitlab_deciders(path))

    def owners_of_all(self, paths: Iterable[str]) -> list[tuple[tuple[str, ...], int | None]]:
        """``(owners, deciding line or None)`` for each path, in order (the bulk form of :meth:`resolve`)."""
        if self.gitlab:
            # :meth:`_gitlab_answer` with the plan of consecutive paths of one directory reused, and the
            # cached answers taken inline (most paths); the others go through it.
            out = []
            append = out.append
            current = plan = fixed = None
            answers_get = {}.get
            plans = self._plan_of_dir
            for path in paths:
                directory, _, name = path.rpartition("/")
                if directory != current:
                    plan = plans.get(directory)
                    if plan is None:
                        plan = self._plan(directory)
                    answers_get, fixed, current = plan.answers.get, plan.fixed_names, directory
                answer = answers_get(name)
                if answer is None:
                    if fixed is not None and name not in fixed and plan.default is not None:
                        answer = plan.default
                    else:
                        answer = self._gitlab_answer(path)
                append(answer)
            return out
        answers = [(self.owner_texts[i], self.rules[i].line) for i in range(len(self.rules))]
        answers.append(((), None))  # index -1: no rule matches
        return [answers[best] for best in self.matcher.last_matches(paths)]


def _owners_by_rule(rules: "list[Rule]", section_of: "list[str]", owner_texts: "list[tuple[str, ...]]") -> None:
    """Append each rule's section key to ``section_of`` and its deduplicated effective owner texts
    (:meth:`Rule.effective_owners`) to ``owner_texts``; both are worked out once per run of rules of
    one section (the rules of a section follow each other in a parsed file)."""
    last = None
    key, defaults = "", ()
    for rule in rules:
        section = rule.section
        if section is not last:
            last = section
            if section is None:
                key, defaults = "", ()
            else:
                key, owners = section.key, section.default_owners  # as effective_owners gives them: not filtered
                defaults = (owners[0].text,) if len(owners) == 1 else _dedupe(o.text for o in owners)
        section_of.append(key)
        owners = rule.owners
        if not owners:
            owner_texts.append(defaults)
        elif len(owners) == 1:  # the common case: nothing to deduplicate
            owner_texts.append((owners[0].text,) if owners[0].kind != INVALID else ())
        else:
            owner_texts.append(_dedupe(o.text for o in owners if o.kind != INVALID))


def _dedupe(texts: Iterable[str]) -> tuple[str, ...]:
    """Owner texts without case-insensitive repeats, first spelling kept."""
    seen = set()
    out = []
    for text in texts:
        key = text.lower()
        if key not in seen:
            seen.add(key)
            out.append(text)
    return tuple(out)


_ESCAPED_BLANKS = re.compile(r"\\\s+")


def gitlab_key(pattern: str) -> str:
    """The key GitLab files an entry under (``File#normalize_pattern`` after ``!`` is removed)."""
    # Slices rather than startswith/endswith: cheaper, and this runs once per rule of a GitLab file.
    if pattern[:1] == "!":
        pattern = pattern[1:]
    if pattern == "*":
        return "/**/*"
    if "\\" in pattern:
        if pattern[:2] == "\\#":
            pattern = pattern[1:]
        pattern = _ESCAPED_BLANKS.sub(" ", pattern)
    if pattern[:1] != "/":
        pattern = "/**/" + pattern
    if pattern[-1:] == "/":
        pattern += "**/*"
    return pattern


def _file_terms(states) -> tuple[dict[str, list[int]], list[tuple[object, list[int]]]]:
    """``({name: rule ids}, [(glob segment, rule ids)])`` of the patterns that end on a file of the
    directory whose matcher states are ``states``."""
    by_name: dict[str, list[int]] = {}
    globs: list[tuple[object, list[int]]] = []
    for node in states:
        if node.lit:
            for name, child in node.lit.items():
                if child.file_terms:
                    by_name.setdefault(name, []).extend(child.file_terms)
        if node.glob_index:
            for seg, child in _glob_children(node):
                if child.file_terms:
                    globs.append((seg, child.file_terms))
    return by_name, globs


def _glob_children(node):
    for bucket in (node.prefix, node.suffix):
        for group in bucket.values():
            yield from group
    yield from node.other


class _Plan:
    """How the files of one GitLab directory are decided.

    ``base``: section -> best rule matching an ancestor directory; ``excluded``: sections an exclusion
    removes for every file here; ``terms``/``xterms``: file-level rules and exclusions
    (:func:`_file_terms`). ``fixed_names``: when no glob is involved, the names that can differ from
    the ``default`` answer (answers per name are then cached in ``answers``); else ``None``.
    """

    __slots__ = ("base", "excluded", "terms", "xterms", "fixed_names", "answers", "default", "decided",
                 "default_decided")

    def __init__(self, base, excluded, terms, xterms) -> None:
        self.base, self.excluded, self.terms, self.xterms = base, excluded, terms, xterms
        simple = not terms[1] and not xterms[1]
        self.fixed_names = set(terms[0]) | set(xterms[0]) if simple else None
        self.answers: dict[str, tuple[tuple[str, ...], int | None]] = {}
        self.default = None
        self.decided: dict = {}  # name -> deciding rule ids (see Ownership.gitlab_decided)
        self.default_decided = None

    def deciders(self, name: str, section_of: list[str]) -> list[int]:
        best = dict(self.base)
        hits = list(self.terms[0].get(name, ()))
        for seg, ids in self.terms[1]:
            if seg.match(name):
                hits.extend(ids)
        for rule_id in hits:
            if rule_id > best.get(section_of[rule_id], -1):
                best[section_of[rule_id]] = rule_id
        excluded = set(self.excluded)
        excluded.update(section_of[i] for i in self.xterms[0].get(name, ()))
        for seg, ids in self.xterms[1]:
            if seg.match(name):
                excluded.update(section_of[i] for i in ids)
        return sorted(rule_id for key, rule_id in best.items() if key not in excluded)
