"""Ambiguity of the NFA: exponential (EDA) or polynomial of degree k (IDA chains).

Method (Weideman, van der Merwe, Berglund, Watson 2016, "Analyzing matching
time behavior of backtracking regular expression matchers by using ambiguity
of NFA"; Wüstholz, Olivo, Heule, Dillig 2017, "Static detection of DoS
vulnerabilities in programs that use regular expressions"):

1. Epsilon elimination keeps path *multiplicity*: two different epsilon paths
   to the same character edge are two backtracking branches (CPython factors
   ``(a|a)`` into ``a(?:|)``, whose two empty alternatives make ``(a|a)*``
   exponential).  Masks over an alphabet partition carry guards forward.
2. EDA: a strongly connected component of the product automaton ``A x A``
   holds a diagonal pair ``(p, p)`` and either a non-diagonal pair or a
   divergent (parallel) edge: two distinct paths ``p -> p`` read the same word.
3. IDA: states ``p != q`` in different components with ``p -w-> p``,
   ``p -w-> q``, ``q -w-> q`` (a search in ``A x A x A``).  The degree is one
   plus the longest chain of IDA pairs through the component DAG.

Search-like call sites get a prefix loop ``[\\s\\S]*?`` that tries every
start position, which adds the degree CPython's ``search`` really costs.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from . import charsets as cs_mod
from .nfa import NFA, BudgetExceeded, Char, Eps

ACCEPT = -1
ACCEPT_EOL = -2  # accepting only at the end or before a final newline ($ without MULTILINE)


@dataclass
class Budget:
    """Work limits for one regex: counts (deterministic) plus a deadline.

    ``deadline`` is a value of ``clock`` (default ``time.monotonic``; the scan
    passes ``time.thread_time``, CPU seconds, so that a busy machine does not
    change verdicts); :meth:`tick` raises :class:`BudgetExceeded` past it.
    """

    closure_steps: int = 200_000
    product_nodes: int = 150_000
    triple_nodes: int = 300_000
    #: stored edges of the product automaton (bounds its memory: about 150 bytes each)
    product_edges: int = 1_000_000
    #: elementary steps (edge pairs tried, closure entries merged, simulated moves): a
    #: deterministic ceiling that also bounds memory, whatever the clock says
    work_units: int = 4_000_000
    deadline: float = float("inf")
    clock: Callable[[], float] = time.monotonic
    _work: int = 0
    _next_check: int = 0

    #: units of work between two reads of the clock (a few milliseconds of Python)
    CHECK_EVERY = 2048

    def tick(self, cost: int = 1) -> None:
        """Account ``cost`` elementary steps; read the clock every :attr:`CHECK_EVERY` steps.

        Raises:
            BudgetExceeded: past ``deadline`` or past ``work_units`` steps.
        """
        self._work += cost
        if self._work >= self._next_check:
            self._next_check = self._work + self.CHECK_EVERY
            if self._work > self.work_units:
                raise BudgetExceeded("analysis work budget exhausted")
            if self.clock() > self.deadline:
                raise BudgetExceeded("analysis time budget exhausted")


@dataclass
class Automaton:
    """The epsilon-free automaton over alphabet blocks.

    Attributes:
        blocks: partition of the alphabet; bit ``i`` of a mask is ``blocks[i]``.
        trans: key state -> list of ``(target, mask, count)`` (count capped at 2).
        accept: key state -> ``(next_mask, eol)``: accepting here at the end of
            the subject, or if the next character is in ``next_mask``, or (``eol``)
            if the next character is a final newline.
        start: the initial key state.
    """

    blocks: List[cs_mod.CharSet]
    trans: Dict[int, List[Tuple[int, int, int]]]
    accept: Dict[int, Tuple[int, bool]]
    start: int
    full: int
    top: int
    scan: Optional[frozenset] = None  # the search prefix's states: "a start at position > 0"
    scan_blocks: Optional[list] = None  # (class of the preceding character, state)
    #: transitions before pruning, for simulating the real matcher (see prune_accepting)
    sim_trans: Optional[Dict[int, List[Tuple[int, int, int]]]] = None
    _block_cache: Dict[int, int] = field(default_factory=dict)

    def mask_of_char(self, cp: int) -> int:
        bit = self._block_cache.get(cp)
        if bit is None:
            bit = 0
            for i, block in enumerate(self.blocks):
                if cs_mod.contains(block, cp):
                    bit = 1 << i
                    break
            self._block_cache[cp] = bit
        return bit

    def char_of(self, mask: int, prefer: int = 0) -> int:
        """A representative character of the lowest block in ``mask`` (``prefer`` first)."""
        if prefer and prefer & mask:
            mask = prefer & mask
        low = (mask & -mask).bit_length() - 1
        return cs_mod.representative(self.blocks[low])


def add_search_prefix(nfa: NFA) -> None:
    """Model ``search``: the engine retries the pattern at every start position."""
    top = nfa.top
    old_start = nfa.start
    behind = [e.guard[1] for edges in nfa.edges for e in edges
              if isinstance(e, Eps) and e.guard and e.guard[0] == "behind"]
    # one "after a start" state per class of preceding character that a lookbehind can tell apart
    blocks = cs_mod.partition(behind, top) if behind else [((0, top),)]
    initial = nfa.new_state()
    scan = nfa.new_state()
    nfa.edges[initial] = [Eps(old_start), Eps(scan)]
    nfa.scan_states = []
    for block in blocks:
        after = nfa.new_state()
        nfa.edges[scan].append(Char(block, after))
        nfa.edges[after] = [Eps(old_start), Eps(scan)]
        nfa.scan_states.append((block, after))
    nfa.start = initial


def eliminate_epsilons(nfa: NFA, budget: Budget) -> Automaton:
    """Epsilon elimination with multiplicities and guards (see module doc).

    Raises:
        BudgetExceeded: more closure steps than ``budget.closure_steps``.
    """
    sets = [e.charset for edges in nfa.edges for e in edges if isinstance(e, Char)]
    sets += [e.guard[1] for edges in nfa.edges for e in edges
             if isinstance(e, Eps) and e.guard and e.guard[0] in ("restrict", "eol", "behind")]
    blocks, mask_cache = cs_mod.partition_with_masks(sets, nfa.top)
    full = (1 << len(blocks)) - 1

    def mask(charset: cs_mod.CharSet) -> int:
        m = mask_cache.get(charset)
        if m is None:
            m = 0
            for i, block in enumerate(blocks):
                if cs_mod.contains(charset, block[0][0]):
                    m |= 1 << i
            mask_cache[charset] = m
        return m

    loops_of: Dict[int, frozenset] = {}

    def loops_containing(state: int) -> frozenset:
        got = loops_of.get(state)
        if got is None:
            got = frozenset(l for l, (a, b) in nfa.loop_body.items() if a <= state < b)
            loops_of[state] = got
        return got

    steps = [0]
    memo: Dict[tuple, Dict[Tuple[int, int], Tuple[int, int]]] = {}
    incoming_of: Dict[int, int] = {}
    for edges in nfa.edges:
        for e in edges:
            if isinstance(e, Char):
                incoming_of[e.target] = incoming_of.get(e.target, 0) | mask(e.charset)

    def reach(node: int, allowed: frozenset, at_start: bool, incoming: int) -> Dict[Tuple[int, int], Tuple[int, int]]:
        """(edge uid, mask) -> (target, count) over epsilon paths from ``node``.

        ``incoming`` is the mask of the character read just before (0 at the start),
        used by one-character lookbehinds.
        """
        key = (node, allowed, at_start, incoming)
        got = memo.get(key)
        if got is not None:
            return got
        steps[0] += 1
        budget.tick()
        if steps[0] > budget.closure_steps:
            raise BudgetExceeded("epsilon closure budget exhausted")
        out: Dict[Tuple[int, int], Tuple[int, int]] = {}

        def add(uid: int, m: int, target: int, count: int) -> None:
            if m == 0 and uid >= 0:
                return
            k = (uid, m)
            old = out.get(k)
            out[k] = (target, min(2, count + (old[1] if old else 0)))

        if node == nfa.accept:
            add(ACCEPT, full, ACCEPT, 1)
        for index, edge in enumerate(nfa.edges[node]):
            if isinstance(edge, Char):
                add(node * 65536 + index, mask(edge.charset), edge.target, 1)
                continue
            next_allowed = allowed
            if edge.loop is not None:
                if edge.loop not in allowed:
                    continue  # an empty iteration: CPython's MAX_UNTIL stops here
                next_allowed = allowed - {edge.loop}
            guard_mask = full
            eol = False
            if edge.guard is not None:
                kind = edge.guard[0]
                if kind == "bos":
                    if not at_start:
                        continue
                elif kind == "behind":
                    inside = mask(edge.guard[1])
                    positive = edge.guard[2]
                    start_ok = len(edge.guard) > 3 and edge.guard[3]  # ^ under MULTILINE
                    if at_start or not incoming:
                        if positive and not start_ok:
                            continue  # nothing before position 0
                    elif positive and not incoming & inside:
                        continue
                    elif not positive and not incoming & ~inside:
                        continue
                else:
                    guard_mask = mask(edge.guard[1])
                    eol = kind == "eol"
            below = reach(edge.target, next_allowed, at_start, incoming)
            budget.tick(len(below))  # merging is the closure's real cost (stacked stars)
            for (uid, m), (target, count) in below.items():
                if uid == ACCEPT and eol:
                    add(ACCEPT_EOL, 0, ACCEPT, count)
                    continue
                add(uid, m & guard_mask, target, count)
        memo[key] = out
        return out

    trans: Dict[int, List[Tuple[int, int, int]]] = {}
    accept: Dict[int, Tuple[int, bool]] = {}
    todo = [nfa.start]
    seen = {nfa.start}
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 20000))
    try:
        while todo:
            q = todo.pop()
            result = reach(q, loops_containing(q), q == nfa.start, incoming_of.get(q, 0))
            budget.tick(len(result))
            moves: List[Tuple[int, int, int]] = []
            acc_mask, acc_end, acc_eol = 0, False, False
            for (uid, m), (target, count) in result.items():
                if uid == ACCEPT:
                    acc_mask |= m
                    acc_end = True
                    continue
                if uid == ACCEPT_EOL:
                    acc_eol = acc_end = True
                    continue
                moves.append((target, m, count))
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
            trans[q] = moves
            if acc_end:
                accept[q] = (acc_mask, acc_eol)
    finally:
        sys.setrecursionlimit(old_limit)
    scan_states = getattr(nfa, "scan_states", None)
    return Automaton(blocks, trans, accept, nfa.start, full, nfa.top,
                     frozenset(st for _b, st in scan_states) if scan_states else None, scan_states)


# -- graph helpers ---------------------------------------------------------------

def strongly_connected(nodes: Sequence, succ) -> Dict[object, int]:
    """Tarjan's algorithm, iterative.  Returns node -> component id."""
    index: Dict[object, int] = {}
    low: Dict[object, int] = {}
    comp: Dict[object, int] = {}
    stack: List[object] = []
    on_stack = set()
    counter = 0
    n_comp = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(succ(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ(w))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = n_comp
                    if w == v:
                        break
                n_comp += 1
    return comp


def shortest_word(auto: Automaton, source: int, target: int, allowed=None) -> Optional[List[int]]:
    """Characters of a shortest path ``source -> target`` (BFS), or None."""
    if source == target:
        return []
    parent: Dict[int, Tuple[int, int]] = {source: (source, 0)}
    queue = deque([source])
    while queue:
        v = queue.popleft()
        for t, m, _c in auto.trans.get(v, ()):
            if t in parent or (allowed is not None and t not in allowed):
                continue
            parent[t] = (v, m)
            if t == target:
                word = []
                while t != source:
                    v2, m2 = parent[t]
                    word.append(auto.char_of(m2))
                    t = v2
                return word[::-1]
            queue.append(t)
    return None


# -- EDA ---------------------------------------------------------------------------

@dataclass
class Witness:
    """Where and how to pump: ``prefix`` reaches the loop, each pump is read n times.

    ``segments`` alternates fixed strings and pumped words: a list of
    ``(text, pumped)`` with code-point lists.
    """

    segments: List[Tuple[List[int], bool]]
    states: Tuple[int, ...] = ()


def find_eda(auto: Automaton, budget: Budget) -> Iterator[Witness]:
    """Exponential-degree-of-ambiguity witnesses (lazily, one per branching component).

    Raises:
        BudgetExceeded: the product automaton is larger than ``budget.product_nodes``.
    """
    trans = auto.trans
    scan = auto.scan or frozenset()
    succ_cache: Dict[Tuple[int, int], List[Tuple[Tuple[int, int], int, bool]]] = {}
    product_edges = [0]

    def pair_succ(node: Tuple[int, int]):
        got = succ_cache.get(node)
        if got is not None:
            return got
        budget.tick()
        if len(succ_cache) > budget.product_nodes:
            raise BudgetExceeded("product automaton budget exhausted")
        p, q = node
        out = []
        tp, tq = trans.get(p, ()), trans.get(q, ())
        for i, (t1, m1, c1) in enumerate(tp):
            # one row costs |tq| steps: states with hundreds of moves make a single
            # product node expensive, so the budget is charged per row, not per node
            budget.tick(len(tq))
            for j, (t2, m2, c2) in enumerate(tq):
                if p == q and j < i:
                    continue
                m = m1 & m2
                if not m:
                    continue
                if scan and (t1 in scan) != (t2 in scan):
                    # the search loop is deterministic and never re-entered from the
                    # pattern: a pair mixing it with a pattern state lies on no cycle
                    continue
                divergent = p == q and t1 == t2 and (i != j or c1 >= 2)
                nxt = (t1, t2) if t1 <= t2 else (t2, t1)
                out.append((nxt, m, divergent))
        product_edges[0] += len(out)
        if product_edges[0] > budget.product_edges:
            raise BudgetExceeded("product automaton budget exhausted")
        succ_cache[node] = out
        return out

    diagonals = [(s, s) for s in trans if any(True for _ in trans[s])]
    comp = strongly_connected(diagonals, lambda n: [x for x, _m, _d in pair_succ(n)])
    members: Dict[int, List[Tuple[int, int]]] = {}
    for node, c in comp.items():
        members.setdefault(c, []).append(node)
    for c, nodes in sorted(members.items()):
        diag = [n for n in nodes if n[0] == n[1]]
        if not diag:
            continue
        inside = set(nodes)
        off = [n for n in nodes if n[0] != n[1]]
        divergent_edges = [(n, x, m) for n in diag for x, m, d in pair_succ(n) if d and x in inside]
        if not off and not divergent_edges:
            continue
        for anchor in sorted(diag):
            cycle = _eda_cycle(auto, anchor, inside, pair_succ, bool(off))
            if cycle is None:
                continue
            p = anchor[0]
            prefix = shortest_word(auto, auto.start, p)
            if prefix is None:
                continue
            yield Witness([(prefix, False), (cycle, True)], (p,))
            break


def find_eda_local(auto: Automaton, budget: Budget) -> Iterator[Witness]:
    """EDA witnesses from parallel edges alone, without the product automaton.

    Two different moves ``p -c-> t`` (two edges with overlapping masks, or one
    edge of multiplicity 2) with ``t`` and ``p`` in the same strongly connected
    component give two distinct paths ``p -> p`` for one word: the divergent
    edge of a diagonal product component (Weideman et al. 2016, EDA criterion),
    found in time linear in the automaton.  This is what nested stars such as
    ``((a*)*)*`` and ``(a|a)*`` produce, and it spares the quadratic product
    (hundreds of moves per state after stacked stars) when it suffices.

    Raises:
        BudgetExceeded: past the budget's deadline or work.
    """
    trans = auto.trans
    comp = strongly_connected(list(trans), lambda v: [t for t, _m, _c in trans.get(v, ())])
    for p in sorted(trans):
        moves = trans[p]
        budget.tick(len(moves))
        seen: Dict[int, int] = {}
        for t, m, count in moves:
            if comp.get(t) != comp.get(p):
                continue
            overlap = m if count >= 2 else seen.get(t, 0) & m
            seen[t] = seen.get(t, 0) | m
            if not overlap:
                continue
            inside = {v for v, c in comp.items() if c == comp[p]}
            back = shortest_word(auto, t, p, inside)
            prefix = shortest_word(auto, auto.start, p)
            if back is None or prefix is None:
                continue
            yield Witness([(prefix, False), ([auto.char_of(overlap)] + back, True)], (p,))
            break


def _eda_cycle(auto, anchor, inside, pair_succ, via_off: bool) -> Optional[List[int]]:
    """A word for a cycle anchor -> ... -> anchor inside the SCC that branches (off-diagonal or divergent)."""
    # BFS over (node, branched) inside the component
    start = (anchor, False)
    parent = {start: None}
    queue = deque([start])
    while queue:
        node, branched = state = queue.popleft()
        for nxt, m, divergent in pair_succ(node):
            if nxt not in inside:
                continue
            nb = branched or divergent or nxt[0] != nxt[1]
            key = (nxt, nb)
            if key in parent:
                continue
            parent[key] = (state, m)
            if nxt == anchor and nb:
                word = []
                cur = key
                while parent[cur] is not None:
                    prev, m2 = parent[cur]
                    word.append(auto.char_of(m2))
                    cur = prev
                return word[::-1]
            queue.append(key)
    return None


# -- IDA ---------------------------------------------------------------------------

def find_ida(auto: Automaton, budget: Budget) -> List[Tuple[int, Witness]]:
    """Polynomial-ambiguity witnesses as ``(degree, witness)``, highest degree first.

    An empty list means linear (degree 1).

    Raises:
        BudgetExceeded: a triple-product search is larger than ``budget.triple_nodes``.
    """
    trans = auto.trans
    nodes = list(trans)
    comp = strongly_connected(nodes, lambda v: [t for t, _m, _c in trans.get(v, ())])
    members: Dict[int, List[int]] = {}
    for v, c in comp.items():
        members.setdefault(c, []).append(v)
    looping = {c for c, vs in members.items()
               if len(vs) > 1 or any(t == vs[0] for t, _m, _c in trans.get(vs[0], ()))}
    if len(looping) < 2:
        return []
    # reachability between looping components
    reach_from: Dict[int, set] = {}
    for c in looping:
        seen = set(members[c])
        stack = list(members[c])
        while stack:
            v = stack.pop()
            budget.tick(len(trans.get(v, ())))
            for t, _m, _c in trans.get(v, ()):
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        reach_from[c] = {comp[v] for v in seen} & looping - {c}
    work = [0]
    edges: Dict[int, Dict[int, Tuple[int, int, List[int]]]] = {}
    for a in sorted(looping):
        for b in sorted(reach_from[a]):
            found = _ida_pair(auto, members[a], members[b], budget, work)
            if found is not None:
                edges.setdefault(a, {})[b] = found
    if not edges:
        return []
    chains = _chains(edges, limit=24)
    witnesses: List[Tuple[int, Witness]] = []
    for chain in chains:
        witness = _chain_witness(auto, chain, edges, members)
        if witness is not None:
            witnesses.append((len(chain), witness))
    return witnesses


def _chains(edges: Dict[int, Dict[int, tuple]], limit: int) -> List[List[int]]:
    """Maximal paths of the IDA component DAG, longest first (at most ``limit``)."""
    targets = {b for outs in edges.values() for b in outs}
    roots = [a for a in edges if a not in targets] or list(edges)
    found: List[List[int]] = []

    def walk(path: List[int]) -> None:
        if len(found) >= limit * 8:
            return
        outs = edges.get(path[-1], {})
        if not outs:
            found.append(path)
            return
        for b in outs:
            walk(path + [b])

    for root in roots:
        walk([root])
    # also every suffix of a chain: a shorter chain may be the only one that can fail
    more = [chain[i:] for chain in found for i in range(1, len(chain) - 1)]
    unique = {tuple(c): c for c in found + more if len(c) >= 2}
    return sorted(unique.values(), key=len, reverse=True)[:limit]


def _chain_witness(auto: Automaton, chain: List[int], edges, members) -> Optional[Witness]:
    """Prefix to p1, then each pump, bridging q_i -> p_{i+1} inside the shared component."""
    p1 = edges[chain[0]][chain[1]][0]
    prefix = shortest_word(auto, auto.start, p1)
    if prefix is None:
        return None
    segments: List[Tuple[List[int], bool]] = [(prefix, False)]
    states = [p1]
    for i in range(len(chain) - 1):
        p, q, w = edges[chain[i]][chain[i + 1]]
        if i > 0:
            prev_q = edges[chain[i - 1]][chain[i]][1]
            bridge = shortest_word(auto, prev_q, p, set(members[chain[i]]))
            if bridge is None:
                return None
            if bridge:
                segments.append((bridge, False))
        segments.append((w, True))
        states.append(q)
    return Witness(segments, tuple(states))


def _ida_pair(auto: Automaton, comp_a: List[int], comp_b: List[int], budget: Budget, work: List[int]):
    """Find p in A, q in B and w with p -w-> p, p -w-> q, q -w-> q; returns (p, q, w) or None."""
    trans = auto.trans
    in_a, in_b = set(comp_a), set(comp_b)
    best = None
    for p in comp_a:
        for q in comp_b:
            found = _ida_search(trans, p, q, in_a, in_b, budget, work, auto)
            if found is not None and (best is None or len(found[2]) < len(best[2])):
                best = found
                if len(found[2]) == 1:
                    return best  # a one-character pump is as short as it gets
    return best


def _ida_search(trans, p, q, in_a, in_b, budget: Budget, work: List[int], auto: Automaton):
    """BFS in the triple product from (p, p, q) to (p, q, q); (p, q, word) or None."""
    start = (p, p, q)
    goal = (p, q, q)
    parent = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        work[0] += 1
        budget.tick()
        if work[0] > budget.triple_nodes:
            raise BudgetExceeded("polynomial (IDA) search budget exhausted")
        x, y, z = node
        for t1, m1, _ in trans.get(x, ()):
            if t1 not in in_a:
                continue
            for t3, m3, _ in trans.get(z, ()):
                if t3 not in in_b:
                    continue
                m13 = m1 & m3
                if not m13:
                    continue
                ty = trans.get(y, ())
                budget.tick(len(ty))
                for t2, m2, _ in ty:
                    m = m13 & m2
                    if not m:
                        continue
                    nxt = (t1, t2, t3)
                    if nxt in parent:
                        continue
                    parent[nxt] = (node, m)
                    if len(parent) > budget.triple_nodes:
                        raise BudgetExceeded("polynomial (IDA) search budget exhausted")
                    if nxt == goal:
                        word = []
                        cur = nxt
                        while parent[cur] is not None:
                            prev, mm = parent[cur]
                            word.append(auto.char_of(mm))
                            cur = prev
                        return p, q, word[::-1]
                    queue.append(nxt)
    return None


def prune_accepting(auto: Automaton) -> None:
    """Drop states that accept whatever follows (match/search kinds only).

    Reaching such a state ends the match with success, so no failing attack
    can pass through it; ambiguity behind it is never paid for
    (``.*.*=.*`` is quadratic, not cubic: after ``=`` the match succeeds).
    """
    sure = {q for q, (m, _eol) in auto.accept.items() if m == auto.full}
    if not sure:
        return
    auto.sim_trans = dict(auto.trans)
    for q in list(auto.trans):
        if q in sure:
            auto.trans[q] = []
        else:
            auto.trans[q] = [t for t in auto.trans[q] if t[0] not in sure]


# -- simulation --------------------------------------------------------------------

def rejects(auto: Automaton, text: Sequence[int], fullmatch: bool, starts: int = 0,
            budget: Optional[Budget] = None) -> bool:
    """True if no path accepts ``text`` (any prefix for match/search, the whole for fullmatch).

    For a search automaton, ``starts`` is how many start positions must fail
    (CPython's ``search`` pays for every failed start before the first match,
    so a match found later, e.g. an empty one at the end, does not save it).
    Over-approximates acceptance where the NFA does (lookarounds pass), so
    ``True`` means CPython's ``re`` rejects too, up to those approximations.
    """
    if auto.scan is None:
        return _rejects_from(auto, auto.start, text, 0, fullmatch, budget)
    def start_state(i: int) -> int:
        if i == 0:
            return auto.start
        return next(st for block, st in auto.scan_blocks if cs_mod.contains(block, text[i - 1]))

    return all(_rejects_from(auto, start_state(i), text, i, fullmatch, budget)
               for i in range(min(starts, len(text)) + 1))


def _rejects_from(auto: Automaton, state: int, text: Sequence[int], begin: int, fullmatch: bool,
                  budget: Optional[Budget] = None) -> bool:
    """Anchored simulation from ``state`` at position ``begin`` (the search scan loop is not followed)."""
    current = {state}
    scan = auto.scan or frozenset()
    trans = auto.sim_trans if auto.sim_trans is not None else auto.trans
    n = len(text)
    for i in range(begin, n + 1):
        if not current:
            return True
        nxt_mask = auto.mask_of_char(text[i]) if i < n else 0
        for q in current:
            acc = auto.accept.get(q)
            if acc is None:
                continue
            if i == n or (not fullmatch and (acc[0] & nxt_mask or (acc[1] and i == n - 1 and text[i] == 0x0A))):
                return False
        if i == n:
            break
        if budget is not None:
            budget.tick(sum(len(trans.get(q, ())) for q in current))
        current = {t for q in current for t, m, _c in trans.get(q, ()) if m & nxt_mask and t not in scan}
    return True
