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
            max_states: int = 5000) -> Verdict:
    """Classify the worst-case backtracking of ``pattern`` under CPython's ``re``.

    Args:
        pattern: str or bytes, as written in the source (not yet compiled).
        flags: ``re`` flag bits given at the call site (inline flags are in the pattern).
        kind: ``match`` (anchored at the start), ``fullmatch`` or ``search``
            (also sub/subn/findall/finditer/split: tried at every position).
        budget: work limits; exceeding them yields ``incomplete``.
        max_states: NFA state budget (counted repeats are expanded).

    Returns:
        A :class:`Verdict`.  Never raises for any pattern text.
    """
    budget = budget or Budget()
    is_bytes = isinstance(pattern, bytes)
    try:
        tree = parse(pattern, flags)
        check_compiles(pattern, flags)  # the compiler rejects what the parser lets through
    except re.error as exc:
        return Verdict("invalid", reason=str(exc))
    except (RecursionError, MemoryError):
        return Verdict("incomplete", reason="pattern nesting is too deep for the parser")
    except (OverflowError, ValueError, TypeError) as exc:
        return Verdict("invalid", reason=str(exc))
    try:
        automaton_nfa = nfa_mod.build(tree, is_bytes, max_states)
        if kind == SEARCH:
            ambiguity.add_search_prefix(automaton_nfa)
        auto = ambiguity.eliminate_epsilons(automaton_nfa, budget)
        approximations = tuple(sorted(automaton_nfa.approximations))
        fullmatch = kind == FULLMATCH
        if not fullmatch:
            ambiguity.prune_accepting(auto)
        # parallel edges inside a component (nested stars, (a|a)*) are EDA at linear cost;
        # the product automaton is built only when they do not settle it
        for finder in (ambiguity.find_eda_local, ambiguity.find_eda):
            for tries, eda in enumerate(finder(auto, budget)):
                attack = _attack(auto, eda, is_bytes, fullmatch, budget)
                if attack is not None:
                    return Verdict("exponential", attack=attack, approximations=approximations,
                                   max_pumps=automaton_nfa.max_pumps, pump_states=eda.states)
                if tries >= 8:
                    break
        for degree, ida in ambiguity.find_ida(auto, budget):
            attack = _attack(auto, ida, is_bytes, fullmatch, budget)
            if attack is not None:
                return Verdict("polynomial", degree=degree, attack=attack, approximations=approximations,
                               max_pumps=automaton_nfa.max_pumps, pump_states=ida.states)
        return Verdict("safe", approximations=approximations)
    except BudgetExceeded as exc:
        return Verdict("incomplete", reason=str(exc))
    except RecursionError:
        return Verdict("incomplete", reason="pattern nesting is too deep to analyse")
    except MemoryError:
        return Verdict("incomplete", reason="analysis ran out of memory")


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
