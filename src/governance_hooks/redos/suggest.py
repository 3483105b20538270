"""Rewrites that remove the backtracking, offered only when the analysis proves them safe.

Candidates, built on CPython's parse tree and printed back as a pattern:

1. one unbounded quantifier made possessive (``a+`` -> ``a++``, Python 3.11+),
   innermost first: the engine then never gives back what the loop took;
2. for search-like calls, a one-character lookbehind in front of a leading
   ``C*``/``C+`` loop (``\\s+$`` -> ``(?<!\\s)\\s+$``): the leftmost match never
   starts inside a run of ``C``, so the retries at those positions stop at once.

A candidate is suggested only if (a) printing the original tree and parsing it
again gives the same tree, and (b) :func:`.analyze.analyze` finds the
candidate safe for the same flags and call kind.  Possessive quantifiers can
change what matches, so the text says to check that.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, List, Optional

from .analyze import Verdict, analyze
from .ambiguity import Budget
from .sre_compat import ATOMIC_GROUP, MAXREPEAT, OP, POSSESSIVE_REPEAT, parse

_SPECIAL = set(".^$*+?{}[]\\|()#&~- \t\n\r\f\v")


def _lit(cp: int, in_class: bool = False) -> str:
    ch = chr(cp)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if not ch.isprintable() or ch.isspace() or cp > 0x7E:  # escaped: a KELVIN SIGN must not look like K
        return f"\\x{cp:02x}" if cp < 256 else (f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}")
    if (ch in "\\]^-[" if in_class else ch in _SPECIAL):
        return "\\" + ch
    return ch


_CATEGORY = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
             "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}
_AT = {"AT_BEGINNING": "^", "AT_BEGINNING_STRING": r"\A", "AT_END": "$", "AT_END_STRING": r"\Z",
       "AT_BOUNDARY": r"\b", "AT_NON_BOUNDARY": r"\B"}
_FLAG_LETTERS = ((2, "i"), (4, "L"), (8, "m"), (16, "s"), (64, "x"), (256, "a"))


def _flags(bits: int) -> str:
    return "".join(letter for bit, letter in _FLAG_LETTERS if bits & bit and letter != "x")


def unparse(items, names: dict) -> str:
    """Print a list of ``(op, av)`` items as pattern text.

    Raises:
        KeyError/ValueError: an item this printer does not know (no suggestion then).
    """
    out: List[str] = []
    for op, av in items:
        if op is OP["LITERAL"]:
            out.append(_lit(av))
        elif op is OP["NOT_LITERAL"]:
            out.append(f"[^{_lit(av, True)}]")
        elif op is OP["ANY"]:
            out.append(".")
        elif op is OP["IN"]:
            parts = []
            negate = ""
            for item_op, item in av:
                if item_op is OP["NEGATE"]:
                    negate = "^"
                elif item_op is OP["LITERAL"]:
                    parts.append(_lit(item, True))
                elif item_op is OP["RANGE"]:
                    parts.append(f"{_lit(item[0], True)}-{_lit(item[1], True)}")
                else:
                    parts.append(_CATEGORY[str(item)])
            if not negate and len(parts) == 1 and parts[0] in _CATEGORY.values():
                out.append(parts[0])
            else:
                out.append(f"[{negate}{''.join(parts)}]")
        elif op is OP["BRANCH"]:
            out.append("(?:" + "|".join(unparse(alt, names) for alt in av[1]) + ")")
        elif op is OP["SUBPATTERN"]:
            group, add_flags, del_flags, sub = av
            body = unparse(sub, names)
            if group is None:
                on, off = _flags(add_flags), _flags(del_flags)
                out.append(f"(?{on}{'-' + off if off else ''}:{body})")
            elif group in names:
                out.append(f"(?P<{names[group]}>{body})")
            else:
                out.append(f"({body})")
        elif op in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]) or (POSSESSIVE_REPEAT is not None and op is POSSESSIVE_REPEAT):
            lo, hi, sub = av
            body = unparse(sub, names)
            if not (len(sub) == 1 and sub[0][0] in (OP["LITERAL"], OP["NOT_LITERAL"], OP["ANY"], OP["IN"],
                                                     OP["SUBPATTERN"], OP["BRANCH"])):
                body = f"(?:{body})"  # a quantifier applies to one item
            if (lo, hi) == (0, MAXREPEAT):
                q = "*"
            elif (lo, hi) == (1, MAXREPEAT):
                q = "+"
            elif (lo, hi) == (0, 1):
                q = "?"
            elif hi == MAXREPEAT:
                q = f"{{{lo},}}"
            elif lo == hi:
                q = f"{{{lo}}}"
            else:
                q = f"{{{lo},{hi}}}"
            if op is OP["MIN_REPEAT"]:
                q += "?"
            elif op is not OP["MAX_REPEAT"]:
                q += "+"
            out.append(body + q)
        elif ATOMIC_GROUP is not None and op is ATOMIC_GROUP:
            out.append(f"(?>{unparse(av, names)})")
        elif op is OP["AT"]:
            out.append(_AT[str(av)])
        elif op in (OP["ASSERT"], OP["ASSERT_NOT"]):
            direction, sub = av
            kind = ("=" if op is OP["ASSERT"] else "!")
            out.append(f"(?{'<' if direction < 0 else ''}{kind}{unparse(sub, names)})")
        elif op is OP["GROUPREF"]:
            out.append(f"(?P={names[av]})" if av in names else f"\\{av}")
        elif op is OP["GROUPREF_EXISTS"]:
            group, yes, no = av
            out.append(f"(?({group}){unparse(yes, names)}{'|' + unparse(no, names) if no else ''})")
        else:
            raise ValueError(f"cannot print {op}")
    return "".join(out)


def _dump(tree) -> str:
    return repr(tree.data)


def _render(tree, items, is_bytes: bool, call_flags: int):
    names = {v: k for k, v in tree.state.groupdict.items()}
    inline = _flags(tree.state.flags & ~call_flags)
    text = (f"(?{inline})" if inline else "") + unparse(items, names)
    return text.encode("latin-1") if is_bytes else text


def _repeats(items, path=()):
    """Paths to unbounded greedy repeats, innermost first."""
    found = []
    for index, (op, av) in enumerate(items):
        here = path + (index,)
        if op in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]):
            found.extend(_repeats(av[2], here + ("body",)))
            if av[1] == MAXREPEAT:
                found.append(here)
        elif op is OP["SUBPATTERN"]:
            found.extend(_repeats(av[3], here + ("sub",)))
        elif op is OP["BRANCH"]:
            for k, alt in enumerate(av[1]):
                found.extend(_repeats(alt, here + ("alt", k)))
    return found


def _plain(items) -> list:
    """A mutable copy of parse-tree items (``SubPattern`` objects do not deep-copy)."""
    out = []
    for op, av in items:
        if op in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]) or (POSSESSIVE_REPEAT is not None and op is POSSESSIVE_REPEAT):
            av = (av[0], av[1], _plain(av[2]))
        elif op is OP["SUBPATTERN"]:
            av = (av[0], av[1], av[2], _plain(av[3]))
        elif op is OP["BRANCH"]:
            av = (av[0], [_plain(alt) for alt in av[1]])
        elif ATOMIC_GROUP is not None and op is ATOMIC_GROUP:
            av = _plain(av)
        elif op in (OP["ASSERT"], OP["ASSERT_NOT"]):
            av = (av[0], _plain(av[1]))
        elif op is OP["GROUPREF_EXISTS"]:
            av = (av[0], _plain(av[1]), _plain(av[2]) if av[2] else None)
        elif op is OP["IN"]:
            av = list(av)
        out.append((op, av))
    return out


def _possessive(items, path):
    items = _plain(items)
    container = items
    i = 0
    while i < len(path) - 1:
        index, step = path[i], path[i + 1]
        op, av = container[index]
        if step == "body":
            container = av[2]
            i += 2
        elif step == "sub":
            container = av[3]
            i += 2
        else:  # alt, k
            container = av[1][path[i + 2]]
            i += 3
    index = path[-1]
    op, av = container[index]
    container[index] = (POSSESSIVE_REPEAT, av)
    return items


_SAMPLE_LENGTH = 5


def _better(before: Verdict, after: Verdict) -> bool:
    """Safe, or down to quadratic from exponential/cubic-and-worse."""
    if after.kind == "safe":
        return True
    if after.kind == "polynomial" and after.degree == 2:
        return before.kind == "exponential" or (before.degree or 0) > 2
    return False


def _samples(pattern, items, verdict: Verdict) -> list:
    """Every string up to ``_SAMPLE_LENGTH`` over the pattern's literal characters and the attack's."""
    chars = set()
    attack = verdict.attack
    if attack is not None:
        for text, _pumped in attack.segments:
            chars.update(text)
        for suffix in attack.suffixes[:1]:
            chars.update(suffix)

    def walk(node):
        """Collect LITERAL characters anywhere in the (nested) tree."""
        if isinstance(node, tuple) and len(node) == 2 and node[0] is OP["LITERAL"]:
            chars.add(bytes([node[1]]) if isinstance(pattern, bytes) else chr(node[1]))
        elif isinstance(node, (list, tuple)) or hasattr(node, "data"):
            for part in (node.data if hasattr(node, "data") else node):
                walk(part)

    walk(items)
    alphabet = sorted(c if isinstance(c, (str, bytes)) else (bytes([c]) if isinstance(pattern, bytes) else chr(c))
                      for c in chars)[:6]
    # length by length, in itertools.product order (the last character varies fastest)
    level = [pattern[:0]]
    out = list(level)
    for _n in range(_SAMPLE_LENGTH):
        level = [text + c for text in level for c in alphabet]
        out.extend(level)
    return out


#: seconds for the whole search when the caller gives no deadline
DEFAULT_TIMEOUT = 3.0
#: at most this many seconds for the equivalence probe: on ordinary patterns it takes
#: tens of milliseconds; only a pattern hostile even on 5-character samples needs more
PROBE_TIMEOUT = 1.0


def _enc(value) -> dict:
    return {"b": value.decode("latin-1")} if isinstance(value, bytes) else {"s": value}


def _same_matches(original, candidate, flags: int, samples: list, timeout: float, worker=None) -> Optional[bool]:
    """Both patterns fullmatch and match (same span) the same samples, on the real ``re``.

    The original is the vulnerable pattern, so even these tiny samples can take
    it exponential time and memory: the probe runs in a child process
    (:mod:`.worker`) that is killed after ``timeout`` seconds.

    Returns:
        True or False; None when the probe did not finish (timeout, memory, no
        child process): every later candidate would hit the same original, so
        the caller gives up.

    Args:
        worker: a :class:`.confirm._Worker` to reuse; a fresh one is started and closed otherwise.
    """
    from .confirm import _Worker

    if timeout <= 0:
        return None
    own = worker is None
    worker = worker or _Worker()
    try:
        # one type for all samples: a list of texts, not an object per sample (thousands per probe)
        texts = [sample.decode("latin-1") for sample in samples] if isinstance(original, bytes) else list(samples)
        payload = {"same": _enc(original), "candidate": _enc(candidate), "flags": flags,
                   "samples": {"b" if isinstance(original, bytes) else "s": texts}}
        replies, _timed_out = worker.request(payload, timeout)
    except OSError:
        return None
    finally:
        if own:
            worker.close()
    verdict = next((reply["same"] for reply in replies if "same" in reply), None)
    return verdict if isinstance(verdict, bool) else None


def suggest(pattern, flags: int, kind: str, verdict: Verdict, deadline: Optional[float] = None,
            worker=None, clock: Callable[[], float] = time.monotonic) -> Optional[str]:
    """A rewrite proven safe by the analysis, as advice text; None if none is found.

    Args:
        deadline: ``clock()`` value bounding the whole search (candidate
            analyses and the equivalence probe); default :data:`DEFAULT_TIMEOUT` from now.
            Past it the answer is None.
        worker: a :class:`.confirm._Worker` for the equivalence probe (reused across calls).
        clock: ``time.monotonic`` (seconds of the clock) or a CPU clock such as ``time.thread_time``.
    """
    if not verdict.vulnerable:
        return None
    if deadline is None:
        deadline = clock() + DEFAULT_TIMEOUT
    try:
        tree = parse(pattern, flags)
        is_bytes = isinstance(pattern, bytes)
        items = list(tree.data)
        original = _render(tree, items, is_bytes, flags)
        if _dump(parse(original, flags)) != _dump(tree):
            return None
        budget = lambda: Budget(closure_steps=50_000, product_nodes=40_000, triple_nodes=80_000,  # noqa: E731
                                deadline=deadline, clock=clock)
        samples = None  # built when a candidate first needs the equivalence probe
        if POSSESSIVE_REPEAT is not None and sys.version_info >= (3, 11):
            for path in _repeats(items)[:8]:
                candidate = _render(tree, _possessive(items, path), is_bytes, flags)
                outcome = analyze(candidate, flags, kind, budget())
                if outcome.kind == "incomplete" and clock() > deadline:
                    return None
                if not _better(verdict, outcome):
                    continue
                if samples is None:
                    samples = _samples(pattern, items, verdict)
                same = _same_matches(pattern, candidate, flags, samples,
                                     min(PROBE_TIMEOUT, deadline - clock()), worker)
                if same is None:
                    return None  # the original does not finish even on tiny samples
                if not same:
                    continue
                rest = "" if outcome.kind == "safe" else "; a quadratic case remains"
                return (f"make the quantifier possessive: {candidate!r} (Python 3.11+; it never gives "
                        f"characters back; it matches the same strings up to length {_SAMPLE_LENGTH} "
                        f"over the pattern's characters{rest})")
        first = items[0] if items else None
        if kind == "search" and first is not None and first[0] in (OP["MAX_REPEAT"], OP["MIN_REPEAT"]) \
                and first[1][1] == MAXREPEAT and len(first[1][2]) == 1 \
                and first[1][2][0][0] in (OP["LITERAL"], OP["IN"], OP["NOT_LITERAL"]):
            body = unparse(first[1][2], {})
            candidate = _render(tree, items, is_bytes, flags)
            guard = f"(?<!{body})"
            candidate = (guard.encode("latin-1") + candidate) if is_bytes else guard + candidate
            if analyze(candidate, flags, kind, budget()).kind == "safe":
                return (f"stop the retries inside a run: {candidate!r} (the leftmost match never starts right "
                        "after a character of the leading loop)")
    except Exception:  # noqa: BLE001 - a suggestion is optional; never fail the finding for it
        return None
    return None
