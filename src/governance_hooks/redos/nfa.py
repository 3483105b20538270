"""A Thompson-style NFA built from CPython's parse tree, with ``re`` semantics.

States are integers; each state has an ordered list of edges (priority order):
``Eps(target, guard, loop)`` or ``Char(charset, target)``.  Guards model the
zero-width items that constrain what follows:

* ``("bos",)``: ``\\A`` and ``^`` without MULTILINE (only at position 0);
* ``("restrict", cs)``: the next character, if any, must be in ``cs``: ``$``
  (``\\n`` or the end, since ``$`` also matches before a final newline), ``\\Z``
  (nothing may follow) and the exit of an atomic group (maximal munch);
* lookarounds, ``\\b``/``\\B`` and ``^``/``$`` under MULTILINE pass
  (an over-approximation, recorded in :attr:`NFA.approximations`).

Loops carry the ``loop`` id on their back edge and remember the contiguous
range of states of their body: CPython's ``MAX_UNTIL`` refuses to start a new
iteration after an empty one, so an epsilon path may take a back edge only
when it started inside that loop's body, and only once
(Weideman et al. 2016, sec. 4, "epsilon-loops"; CPython ``_sre`` ``MAX_UNTIL``).

Atomic groups and possessive repeats (3.11+) are determinised (subset
construction) and left only by maximal munch: the engine commits to one way
through them, so they add no ambiguity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from . import charsets as cs_mod
from .charsets import CharSet
from .sre_compat import (
    ATOMIC_GROUP, FLAG_ASCII, FLAG_DOTALL, FLAG_IGNORECASE, FLAG_LOCALE, FLAG_MULTILINE,
    FLAG_UNICODE, MAXREPEAT, OP, POSSESSIVE_REPEAT,
)

#: Counted repeats up to this bound are expanded exactly; larger ones become loops.
EXACT_REPEAT_LIMIT = 12
#: Largest subset-construction for one atomic group or possessive repeat.
ATOMIC_DFA_LIMIT = 128


#: Character classes by (opcode, argument, relevant flags, bytes?): the same classes recur a lot.
_CLASS_CACHE: Dict[tuple, CharSet] = {}


class BudgetExceeded(Exception):
    """The automaton grew past its state budget (the caller reports analysis-incomplete)."""


@dataclass(frozen=True)
class Eps:
    target: int
    guard: Optional[tuple] = None
    loop: Optional[int] = None  # id of the loop whose back edge this is


@dataclass(frozen=True)
class Char:
    charset: CharSet
    target: int


@dataclass
class NFA:
    """The automaton.  ``edges[s]`` lists the edges of state ``s`` in priority order.

    Attributes:
        start: initial state (position 0 of the subject).
        accept: the single accepting state.
        top: largest code point of the alphabet (0x10FFFF for str, 0xFF for bytes).
        loop_body: loop id -> (first, last+1) range of its body's states.
        approximations: names of constructs modelled by over-approximation.
        max_pumps: smallest large finite repeat bound approximated by a loop (or None).
    """

    edges: List[List[object]] = field(default_factory=list)
    start: int = 0
    accept: int = 0
    top: int = cs_mod.MAX_UNICODE
    loop_body: Dict[int, Tuple[int, int]] = field(default_factory=dict)
    approximations: Set[str] = field(default_factory=set)
    max_pumps: Optional[int] = None
    scan_states: Optional[list] = None

    def new_state(self) -> int:
        self.edges.append([])
        return len(self.edges) - 1


class _Builder:
    def __init__(self, is_bytes: bool, max_states: int) -> None:
        self.nfa = NFA(top=cs_mod.MAX_BYTE if is_bytes else cs_mod.MAX_UNICODE)
        self.is_bytes = is_bytes
        self.max_states = max_states
        self.groups: Dict[int, Tuple[list, int]] = {}
        self.loops = 0
        self.ref_depth = 0

    # -- primitives -------------------------------------------------------
    def state(self) -> int:
        if len(self.nfa.edges) >= self.max_states:
            raise BudgetExceeded(f"automaton exceeds {self.max_states} states")
        return self.nfa.new_state()

    def eps(self, a: int, b: int, guard: Optional[tuple] = None, loop: Optional[int] = None) -> None:
        self.nfa.edges[a].append(Eps(b, guard, loop))

    def char(self, a: int, charset: CharSet) -> int:
        b = self.state()
        self.nfa.edges[a].append(Char(charset, b))
        return b

    # -- character classes --------------------------------------------------
    def unicode(self, flags: int) -> bool:
        return not self.is_bytes and not flags & FLAG_ASCII and not flags & FLAG_LOCALE

    def fold(self, charset: CharSet, flags: int) -> CharSet:
        if flags & FLAG_IGNORECASE and charset:
            folded = cs_mod.fold_closure(charset, unicode=self.unicode(flags))
            return cs_mod.intersect(folded, ((0, self.nfa.top),))
        return charset

    def class_of(self, op, av, flags: int) -> CharSet:
        key = (op, tuple(av) if isinstance(av, list) else av,
               flags & (FLAG_IGNORECASE | FLAG_DOTALL | FLAG_ASCII | FLAG_LOCALE | FLAG_UNICODE), self.is_bytes)
        got = _CLASS_CACHE.get(key)
        if got is None:
            got = self._class_of(op, av, flags)
            if len(_CLASS_CACHE) > 20000:
                _CLASS_CACHE.clear()
            _CLASS_CACHE[key] = got
        return got

    def _class_of(self, op, av, flags: int) -> CharSet:
        top = self.nfa.top
        if op is OP["LITERAL"]:
            return self.fold(cs_mod.single(av), flags)
        if op is OP["NOT_LITERAL"]:
            return cs_mod.complement(self.fold(cs_mod.single(av), flags), top)
        if op is OP["ANY"]:
            if flags & FLAG_DOTALL:
                return ((0, top),)
            return cs_mod.complement(cs_mod.single(0x0A), top)
        # IN: a list of (LITERAL|RANGE|CATEGORY|NEGATE, value)
        negate = False
        parts: List[CharSet] = []
        for item_op, item in av:
            if item_op is OP["NEGATE"]:
                negate = True
            elif item_op is OP["LITERAL"]:
                parts.append(self.fold(cs_mod.single(item), flags))
            elif item_op is OP["RANGE"]:
                parts.append(self.fold(((item[0], min(item[1], top)),), flags))
            elif item_op is OP["CATEGORY"]:
                parts.append(cs_mod.category(str(item), self.unicode(flags), top))
            else:  # pragma: no cover - the parser emits nothing else inside IN
                raise BudgetExceeded(f"unsupported class item {item_op}")
        result = cs_mod.union(*parts) if parts else cs_mod.EMPTY
        return cs_mod.complement(result, top) if negate else result

    # -- structure ----------------------------------------------------------
    def seq(self, items, flags: int, start: int) -> int:
        """Append ``items`` after ``start``; return the end state."""
        cur = start
        for op, av in items:
            cur = self.item(op, av, flags, cur)
        return cur

    def item(self, op, av, flags: int, cur: int) -> int:
        if op in (OP["LITERAL"], OP["NOT_LITERAL"], OP["ANY"], OP["IN"]):
            return self.char(cur, self.class_of(op, av, flags))
        if op is OP["SUBPATTERN"]:
            group, add_flags, del_flags, sub = av
            inner = (flags | add_flags) & ~del_flags
            if group is not None:
                self.groups[group] = (sub, inner)
            return self.seq(sub, inner, cur)
        if op is OP["BRANCH"]:
            end = self.state()
            for alternative in av[1]:
                begin = self.state()
                self.eps(cur, begin)
                self.eps(self.seq(alternative, flags, begin), end)
            return end
        if op in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]):
            return self.repeat(av, flags, cur)
        if POSSESSIVE_REPEAT is not None and op is POSSESSIVE_REPEAT:
            return self.atomic([(OP["MAX_REPEAT"], av)], flags, cur)
        if ATOMIC_GROUP is not None and op is ATOMIC_GROUP:
            return self.atomic(av, flags, cur)
        if op is OP["AT"]:
            return self.at(str(av), flags, cur)
        if op in (OP["ASSERT"], OP["ASSERT_NOT"]):
            direction, body = av
            nxt = self.state()
            positive = op is OP["ASSERT"]
            single = self.single_class(body, flags)
            if single is None and positive:
                # a fixed run of one-character items: its first (lookahead) or last
                # (lookbehind) character is a necessary condition
                single = self.edge_class(body, flags, first=direction == 1)
                if single is not None:
                    self.nfa.approximations.add("lookaround")
            if single is None:
                self.nfa.approximations.add("lookaround")
                self.eps(cur, nxt)
            elif direction == 1:
                # one-character lookahead: constrains the next character exactly
                # (a positive one also fails at the end: over-approximated as passing)
                allowed = single if positive else cs_mod.complement(single, self.nfa.top)
                self.eps(cur, nxt, ("restrict", allowed))
            else:
                self.eps(cur, nxt, ("behind", single, positive))
            return nxt
        if op is OP["GROUPREF"]:
            return self.backref(av, cur)
        if op is OP["GROUPREF_EXISTS"]:
            self.nfa.approximations.add("conditional")
            _group, yes, no = av
            end = self.state()
            for alternative in (yes, no or []):
                begin = self.state()
                self.eps(cur, begin)
                self.eps(self.seq(alternative, flags, begin), end)
            return end
        raise BudgetExceeded(f"unsupported regex construct {op}")

    def single_class(self, items, flags: int) -> Optional[CharSet]:
        """The class of a lookaround body that is exactly one character, else None."""
        items = list(items)
        while len(items) == 1 and items[0][0] is OP["SUBPATTERN"]:
            _group, add_flags, del_flags, sub = items[0][1]
            flags = (flags | add_flags) & ~del_flags
            items = list(sub)
        if len(items) == 1 and items[0][0] in (OP["LITERAL"], OP["NOT_LITERAL"], OP["ANY"], OP["IN"]):
            return self.class_of(items[0][0], items[0][1], flags)
        return None

    def edge_class(self, items, flags: int, first: bool) -> Optional[CharSet]:
        """Class of the first/last item when it is a single character (None otherwise)."""
        items = list(items)
        if not items:
            return None
        op, av = items[0] if first else items[-1]
        if op in (OP["LITERAL"], OP["NOT_LITERAL"], OP["ANY"], OP["IN"]):
            return self.class_of(op, av, flags)
        return None

    def at(self, name: str, flags: int, cur: int) -> int:
        nxt = self.state()
        if name in ("AT_BEGINNING_STRING",) or (name == "AT_BEGINNING" and not flags & FLAG_MULTILINE):
            self.eps(cur, nxt, ("bos",))
        elif name == "AT_BEGINNING":
            # ^ under MULTILINE: at the start, or right after a newline
            self.eps(cur, nxt, ("behind", cs_mod.single(0x0A), True, True))
        elif name == "AT_END_STRING":
            self.eps(cur, nxt, ("restrict", cs_mod.EMPTY))
        elif name == "AT_END":
            # $ matches at the end and before a newline: any newline under MULTILINE,
            # only the final one otherwise (so a newline is never a failing suffix)
            kind = "restrict" if flags & FLAG_MULTILINE else "eol"
            self.eps(cur, nxt, (kind, cs_mod.single(0x0A)))
        else:  # ^ under MULTILINE, \b, \B: pass (over-approximation)
            if name in ("AT_BOUNDARY", "AT_NON_BOUNDARY", "AT_UNI_BOUNDARY", "AT_UNI_NON_BOUNDARY",
                        "AT_LOC_BOUNDARY", "AT_LOC_NON_BOUNDARY"):
                self.nfa.approximations.add("word-boundary")
            self.eps(cur, nxt)
        return nxt

    def backref(self, group: int, cur: int) -> int:
        """A backreference consumes a string of the group's language (over-approximation)."""
        self.nfa.approximations.add("backreference")
        if group not in self.groups or self.ref_depth > 4:
            nxt = self.state()
            self.eps(cur, nxt)
            return nxt
        sub, flags = self.groups[group]
        self.ref_depth += 1
        try:
            return self.seq(sub, flags, cur)
        finally:
            self.ref_depth -= 1

    def repeat(self, av, flags: int, cur: int) -> int:
        lo, hi, body = av
        bound = lo if hi == MAXREPEAT else hi
        if bound * _size(body) > 400 or (bound > EXACT_REPEAT_LIMIT and _size(body) > 4):
            # large counts behave like an unbounded loop for backtracking purposes
            self.nfa.approximations.add("large-repeat")
            if lo == hi:
                # an exact count makes no choice: a few copies keep it deterministic
                lo = hi = min(lo, 3)
            else:
                if hi != MAXREPEAT:
                    self.nfa.max_pumps = hi if self.nfa.max_pumps is None else min(self.nfa.max_pumps, hi)
                lo, hi = min(lo, 2), MAXREPEAT
        for _ in range(lo):
            cur = self.seq(body, flags, cur)
        if hi == MAXREPEAT:
            return self.star(body, flags, cur)
        # x{0,k} as nested optionals (x(x(x)?)?)?: a counted repeat is deterministic in its count
        end = self.state()
        for _ in range(hi - lo):
            begin = self.state()
            self.eps(cur, begin)
            self.eps(cur, end)
            cur = self.seq(body, flags, begin)
        self.eps(cur, end)
        return end

    def star(self, body, flags: int, cur: int) -> int:
        loop_id = self.loops
        self.loops += 1
        head = self.state()
        self.eps(cur, head)
        first = len(self.nfa.edges)
        begin = self.state()
        body_end = self.seq(body, flags, begin)
        self.nfa.loop_body[loop_id] = (first, len(self.nfa.edges))
        exit_ = self.state()
        self.eps(head, begin)
        self.eps(head, exit_)
        self.eps(body_end, head, loop=loop_id)
        return exit_

    def atomic(self, items, flags: int, cur: int) -> int:
        """Determinise ``items`` and leave only by maximal munch."""
        first = len(self.nfa.edges)
        begin = self.state()
        end = self.seq(items, flags, begin)
        fragment = range(first, len(self.nfa.edges))
        dfa = _determinise(self.nfa, begin, end, fragment, ATOMIC_DFA_LIMIT)
        if dfa is None:
            self.nfa.approximations.add("atomic")
            self.eps(cur, begin)
            return end
        # drop the fragment's edges (now unreachable) and emit the DFA
        for s in fragment:
            self.nfa.edges[s] = []
        exit_ = self.state()
        ids: Dict[frozenset, int] = {}
        order = list(dfa)
        for subset in order:
            ids[subset] = self.state()
        self.eps(cur, ids[order[0]])
        for subset in order:
            moves, accepting = dfa[subset]
            src = ids[subset]
            out_union = cs_mod.union(*(c for c, _ in moves)) if moves else cs_mod.EMPTY
            for charset, target in moves:
                self.nfa.edges[src].append(Char(charset, ids[target]))
            if accepting:
                guard = ("restrict", cs_mod.complement(out_union, self.nfa.top)) if out_union else None
                self.eps(src, exit_, guard)
        return exit_


def _size(items, depth: int = 0) -> int:
    """Rough number of states one copy of ``items`` needs (for the repeat expansion budget)."""
    total = 0
    for op, av in items:
        if op in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]) or (POSSESSIVE_REPEAT is not None and op is POSSESSIVE_REPEAT):
            lo, hi, body = av
            total += 2 + _size(body, depth + 1) * max(1, min(lo if hi == MAXREPEAT else hi, 50))
        elif op is OP["SUBPATTERN"]:
            total += _size(av[3], depth + 1)
        elif op is OP["BRANCH"]:
            total += 2 + sum(_size(alt, depth + 1) for alt in av[1])
        elif ATOMIC_GROUP is not None and op is ATOMIC_GROUP:
            total += 2 + _size(av, depth + 1)
        else:
            total += 1
        if total > 100_000:
            break
    return total


def _closure(nfa: NFA, states, fragment: range) -> frozenset:
    seen = set(states)
    stack = list(states)
    while stack:
        s = stack.pop()
        for e in nfa.edges[s]:
            if isinstance(e, Eps) and e.target in fragment and e.target not in seen:
                seen.add(e.target)
                stack.append(e.target)
    return frozenset(seen)


def _determinise(nfa: NFA, begin: int, end: int, fragment: range, limit: int):
    """Subset construction of one fragment; ``None`` past ``limit`` states.

    Returns an insertion-ordered dict ``subset -> (moves, accepting)`` where
    ``moves`` is a list of ``(charset, target subset)``.
    """
    initial = _closure(nfa, [begin], fragment)
    dfa: Dict[frozenset, tuple] = {}
    todo = [initial]
    while todo:
        subset = todo.pop()
        if subset in dfa:
            continue
        if len(dfa) >= limit:
            return None
        char_edges = [(e.charset, e.target) for s in subset for e in nfa.edges[s] if isinstance(e, Char)]
        moves = []
        if char_edges:
            blocks = cs_mod.partition([c for c, _ in char_edges], nfa.top)
            grouped: Dict[frozenset, List[CharSet]] = {}
            for block in blocks:
                probe = block[0][0]
                targets = frozenset(t for c, t in char_edges if cs_mod.contains(c, probe))
                if targets:
                    grouped.setdefault(targets, []).append(block)
            for targets, parts in grouped.items():
                target_subset = _closure(nfa, targets, fragment)
                moves.append((cs_mod.union(*parts), target_subset))
                todo.append(target_subset)
        dfa[subset] = (moves, end in subset)
    # make the initial subset come first
    ordered = {initial: dfa.pop(initial)}
    ordered.update(dfa)
    return ordered


def build(tree, is_bytes: bool, max_states: int = 5000) -> NFA:
    """Build the NFA of a parsed pattern (``SubPattern`` from :func:`sre_compat.parse`).

    Raises:
        BudgetExceeded: more than ``max_states`` states, or an unsupported construct.
        RecursionError: absurdly deep nesting (callers treat it as a budget overrun).
    """
    builder = _Builder(is_bytes, max_states)
    flags = tree.state.flags
    if not is_bytes and not flags & FLAG_ASCII and not flags & FLAG_LOCALE:
        flags |= FLAG_UNICODE
    start = builder.state()
    builder.nfa.start = start
    end = builder.seq(tree.data, flags, start)
    builder.nfa.accept = end
    return builder.nfa
