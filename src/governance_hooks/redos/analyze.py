"""One regex in, one verdict out: parse, build the NFA, decide EDA/IDA, build the attack.

Pure and deterministic: no I/O, no timing.  Dynamic confirmation is
:mod:`.confirm`'s job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union

from . import ambiguity, nfa as nfa_mod
from .ambiguity import Budget
from .nfa import BudgetExceeded
from .sre_compat import check_compiles, parse

#: How a call site applies the pattern.
MATCH, FULLMATCH, SEARCH = "match", "fullmatch", "search"
KINDS = (MATCH, FULLMATCH, SEARCH)

Pattern = Union[str, bytes]


@dataclass
class Attack:
    """``prefix + pump * n + ... + suffix``: ``segments`` are ``(text, pumped)`` pairs.

    ``suffixes`` are candidate failure suffixes, best first; each made the
    simulated automaton reject the whole subject.
    """

    segments: List[Tuple[Pattern, bool]]
    suffixes: List[Pattern]
    is_bytes: bool
    #: no suffix was found that makes every path fail: time the subject as it is
    succeeds: bool = False

    def build(self, n: int, suffix: Optional[Pattern] = None) -> Pattern:
        """The attack subject with every pumped segment repeated ``n`` times."""
        suffix = self.suffixes[0] if suffix is None else suffix
        parts = [text * n if pumped else text for text, pumped in self.segments]
        return (b"" if self.is_bytes else "").join(parts + [suffix])

    def expression(self, n: int, suffix: Optional[Pattern] = None) -> str:
        """The subject as a Python expression, e.g. ``'a' + 'b' * 30000 + '!'`` (non-ASCII escaped)."""
        suffix = self.suffixes[0] if suffix is None else suffix
        # ascii(): a KELVIN SIGN must not print as a plain K
        terms = []
        for text, pumped in self.segments:
            if not text:
                continue
            terms.append(f"{ascii(text)} * {n}" if pumped else ascii(text))
        if suffix:
            terms.append(ascii(suffix))
        return " + ".join(terms) if terms else ascii(suffix)


@dataclass
class Verdict:
    """The static result for one (pattern, flags, call kind).

    Attributes:
        kind: ``safe``, ``exponential``, ``polynomial``, ``invalid`` or ``incomplete``.
        degree: k of O(n^k) for ``polynomial`` (>= 2); None otherwise.
        attack: the attack for exponential/polynomial verdicts.
        reason: why for ``invalid``/``incomplete``.
        approximations: constructs modelled by over-approximation.
    """

    kind: str
    degree: Optional[int] = None
    attack: Optional[Attack] = None
    reason: str = ""
    approximations: Tuple[str, ...] = ()
    max_pumps: Optional[int] = None
    pump_states: Tuple[int, ...] = field(default=(), repr=False)

    @property
    def vulnerable(self) -> bool:
        return self.kind in ("exponential", "polynomial")


def analyze(pattern: Pattern, flags: int = 0, kind: str = SEARCH, budget: Optional[Budget] = None,
            max_states: int = 5000, engine: str = "re") -> Verdict:
    """Classify the worst-case backtracking of ``pattern`` under CPython's ``re``.

    Args:
        pattern: str or bytes, as written in the source (not yet compiled).
        flags: ``re`` flag bits given at the call site (inline flags are in the pattern).
        kind: ``match`` (anchored at the start), ``fullmatch`` or ``search``
            (also sub/subn/findall/finditer/split: tried at every position).
        budget: work limits; exceeding them yields ``incomplete``.
        max_states: NFA state budget (counted repeats are expanded).
        engine: ``re`` or ``regex`` (the third-party module: its syntax is translated
            by :mod:`.regex_syntax`; constructs it cannot model give ``incomplete``).

    Returns:
        A :class:`Verdict`.  Never raises for any pattern text.
    """
    if engine == "regex":
        from .regex_syntax import Unsupported, translate

        try:
            translated, re_flags, extra = translate(pattern, flags)
        except Unsupported as exc:
            return Verdict("incomplete", reason=f"regex-module construct: {exc}")
        except (RecursionError, MemoryError, ValueError, TypeError) as exc:
            return Verdict("incomplete", reason=f"regex-module pattern not translated: {type(exc).__name__}")
        verdict = analyze(translated, re_flags, kind, budget, max_states)
        if verdict.kind == "invalid":
            return Verdict("incomplete", reason=f"regex-module pattern outside the re model: {verdict.reason}")
        verdict.approximations = tuple(sorted(set(verdict.approximations) | set(extra)))
        return verdict
    budget = budget or Budget()
    is_bytes = isinstance(pattern, bytes)
    try:
        tree = parse(pattern, flags)
        check_compiles(pattern, flags, tree)  # the compiler rejects what the parser lets through
    except re.error as exc:
        return Verdict("invalid", reason=str(exc))
    except (RecursionError, MemoryError):
        return Verdict("incomplete", reason="pattern nesting is too deep for the parser")
    except (OverflowError, ValueError, TypeError) as exc:
        return Verdict("invalid", reason=str(exc))
    try:
        verdict = _analyze_tree(tree, is_bytes, kind, budget, max_states)
        if not verdict.vulnerable and kind != FULLMATCH and "lookaround" in verdict.approximations:
            # a lookaround modelled as always passing makes the states behind it look like a sure
            # success, which hides the ambiguity before it (``^(\d+.?)*(?= |$)``): it can fail, so
            # judge the pattern as if it had to match whole; the engine's timing decides
            whole = _analyze_tree(tree, is_bytes, FULLMATCH, budget, max_states)
            if whole.vulnerable:
                whole.approximations = tuple(sorted(set(whole.approximations) | {"lookaround-may-fail"}))
                return whole
        if not verdict.vulnerable:
            # quantifiers inside lookaheads backtrack too: ``(?=(a+)+$)`` is tried at every position
            inner_kind = MATCH if kind in (MATCH, FULLMATCH) else SEARCH
            for body in _lookahead_bodies(tree.data):
                inner = _analyze_tree(body, is_bytes, inner_kind, budget, max_states)
                if inner.vulnerable:
                    inner.approximations = tuple(sorted(set(verdict.approximations) | set(inner.approximations)
                                                        | {"lookahead-body"}))
                    return inner
        return verdict
    except BudgetExceeded as exc:
        return Verdict("incomplete", reason=str(exc))
    except RecursionError:
        return Verdict("incomplete", reason="pattern nesting is too deep to analyse")
    except MemoryError:
        return Verdict("incomplete", reason="analysis ran out of memory")


def _lookahead_bodies(items, depth: int = 0):
    """Bodies of lookaheads that hold a repeat (CPython parse tree), outermost first."""
    from .sre_compat import OP

    if depth > 50:
        return
    for op, av in items:
        if op in (OP["ASSERT"], OP["ASSERT_NOT"]):
            direction, body = av
            if direction == 1 and _has_repeat(body):
                yield body
            yield from _lookahead_bodies(body, depth + 1)
        elif op is OP["SUBPATTERN"]:
            yield from _lookahead_bodies(av[3], depth + 1)
        elif op is OP["BRANCH"]:
            for alternative in av[1]:
                yield from _lookahead_bodies(alternative, depth + 1)
        elif op in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]):
            yield from _lookahead_bodies(av[2], depth + 1)


def _has_repeat(items, depth: int = 0) -> bool:
    from .sre_compat import OP

    if depth > 50:
        return False
    for op, av in items:
        if op in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]):
            return True
        if op is OP["SUBPATTERN"] and _has_repeat(av[3], depth + 1):
            return True
        if op is OP["BRANCH"] and any(_has_repeat(a, depth + 1) for a in av[1]):
            return True
    return False


def _analyze_tree(tree, is_bytes: bool, kind: str, budget: Budget, max_states: int) -> Verdict:
    """EDA, then IDA, on one parsed (sub)pattern; a witness without a failing suffix is still reported.

    Raises:
        BudgetExceeded, RecursionError, MemoryError: as the automaton code does.
    """
    automaton_nfa = nfa_mod.build(tree, is_bytes, max_states)
    if kind == SEARCH:
        ambiguity.add_search_prefix(automaton_nfa)
    auto = ambiguity.eliminate_epsilons(automaton_nfa, budget)
    approximations = tuple(sorted(automaton_nfa.approximations))
    fullmatch = kind == FULLMATCH
    if not fullmatch:
        ambiguity.prune_accepting(auto)
    unproven: Optional[Verdict] = None
    # parallel edges inside a component (nested stars, (a|a)*) are EDA at linear cost;
    # the product automaton is built only when they do not settle it
    for finder in (ambiguity.find_eda_local, ambiguity.find_eda):
        for tries, eda in enumerate(finder(auto, budget)):
            attack = _attack(auto, eda, is_bytes, fullmatch, budget)
            if attack is not None:
                return Verdict("exponential", attack=attack, approximations=approximations,
                               max_pumps=automaton_nfa.max_pumps, pump_states=eda.states)
            variant = _variant_attack(auto, eda, is_bytes, fullmatch, budget)
            if variant is not None:
                return Verdict("exponential", attack=variant, approximations=approximations + ("pump-variant",),
                               max_pumps=automaton_nfa.max_pumps, pump_states=eda.states)
            if unproven is None:
                unproven = _unproven(auto, eda, is_bytes, "exponential", None, approximations, automaton_nfa.max_pumps)
            if tries >= 8:
                break
    for degree, ida in ambiguity.find_ida(auto, budget):
        attack = _attack(auto, ida, is_bytes, fullmatch, budget)
        if attack is not None:
            if unproven is not None:
                break  # exponential ambiguity without a failing suffix outranks a proven polynomial
            return Verdict("polynomial", degree=degree, attack=attack, approximations=approximations,
                           max_pumps=automaton_nfa.max_pumps, pump_states=ida.states)
        if unproven is None:
            unproven = _unproven(auto, ida, is_bytes, "polynomial", degree, approximations, automaton_nfa.max_pumps)
    if unproven is not None:
        return unproven
    return Verdict("safe", approximations=approximations)


def _variant_attack(auto, witness, is_bytes: bool, fullmatch: bool, budget) -> Optional[Attack]:
    """A failing attack from the witness's pump without the characters that also open the match.

    A pump that runs through a closing delimiter (``'\\\\'`` in ``'(''|\\\\|\\'|[^'])*'``) lets
    the match end inside every pump, so no suffix can fail; the same loop
    pumped without that delimiter (``\\\\``) often still branches.  Unproven
    statically: the engine's timing decides.
    """
    prefix = [cp for text, pumped in witness.segments if not pumped for cp in text]
    if not prefix:
        return None
    for drop in sorted(set(prefix)):
        segments = [([cp for cp in text if cp != drop] if pumped else text, pumped) for text, pumped in witness.segments]
        if not any(pumped and text for text, pumped in segments) or segments == witness.segments:
            continue
        found = _attack(auto, ambiguity.Witness(segments, witness.states), is_bytes, fullmatch, budget)
        if found is not None:
            return found
        # the prefix may itself be a complete match (``''``): keep only its opening character
        first = next(i for i, (text, pumped) in enumerate(segments) if not pumped)
        if len(segments[first][0]) > 1:
            shorter = list(segments)
            shorter[first] = (segments[first][0][:1], False)
            found = _attack(auto, ambiguity.Witness(shorter, witness.states), is_bytes, fullmatch, budget)
            if found is not None:
                return found
    return None


def _unproven(auto, witness, is_bytes: bool, kind: str, degree: Optional[int], approximations, max_pumps) -> Optional[Verdict]:
    """Ambiguity whose failing suffix was not found: a finding the engine must confirm by timing.

    A later alternative that always matches (``(?:a|aa)*b|.``) makes every
    subject succeed, yet the engine pays for the ambiguous branch first.
    """
    segments = [(list(text), pumped) for text, pumped in witness.segments]
    if not any(pumped and text for text, pumped in segments):
        return None

    def convert(cps):
        return bytes(cps) if is_bytes else "".join(map(chr, cps))

    attack = Attack([(convert(t), p) for t, p in segments], [convert([ord("!")]), convert([])], is_bytes,
                    succeeds=True)
    return Verdict(kind, degree=degree, attack=attack, approximations=tuple(approximations) + ("no-failing-suffix",),
                   max_pumps=max_pumps, pump_states=witness.states)


def _attack(auto: ambiguity.Automaton, witness: ambiguity.Witness, is_bytes: bool, fullmatch: bool,
            budget: Optional[Budget] = None) -> Optional[Attack]:
    """Attach failure suffixes to a witness; None if every candidate is accepted.

    A prefix that only walks the search loop (any character, then retry) is
    dropped when the attack still fails without it: the pump alone is read by
    that loop too.
    """
    if auto.scan and witness.states and witness.states[0] in auto.scan and witness.segments[0][0]:
        shorter = ambiguity.Witness([([], False)] + list(witness.segments[1:]), witness.states)
        found = _attack(auto, shorter, is_bytes, fullmatch, budget)
        if found is not None:
            return found
    segments = [(list(text), pumped) for text, pumped in witness.segments]
    if not any(pumped and text for text, pumped in segments):
        return None
    candidates: List[List[int]] = [[ord("!")], []]
    reps = sorted({auto.char_of(1 << i) for i in range(len(auto.blocks))},
                  key=lambda cp: (not (0x21 <= cp < 0x7F), cp == 0x0A, cp))
    candidates += [[cp] for cp in reps if cp != ord("!")][:12]
    # multi-character suffixes: a failure may need two characters (``.*$`` after the loop, ``\r\n``)
    few = reps[:6] + [0x0A]
    candidates += [[a, b] for a in few for b in few + [ord("!")]]
    # the pump's own characters followed by a stranger: breaks a trailing loop over the same class
    pumps = [text for text, pumped in segments if pumped and text]
    if pumps:
        candidates += [pumps[0][:1] + [ord("!")], pumps[0] + [0x0A, ord("!")]]
    found: List[List[int]] = []
    for suffix in candidates:
        if all(ambiguity.rejects(auto, _text(segments, k) + suffix, fullmatch, len(_text(segments, k)), budget)
               for k in (1, 2, 5)):
            found.append(suffix)
            if len(found) >= 4:
                break
    if not found:
        return None

    def convert(cps: List[int]) -> Pattern:
        return bytes(cps) if is_bytes else "".join(map(chr, cps))

    return Attack([(convert(text), pumped) for text, pumped in segments], [convert(s) for s in found], is_bytes)


def _text(segments, n: int) -> List[int]:
    out: List[int] = []
    for text, pumped in segments:
        out.extend(text * n if pumped else text)
    return out
