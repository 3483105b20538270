"""Match many CODEOWNERS patterns against many paths in one pass.

Following codeowners-rs (hmarr), every pattern is compiled once into a trie
(an NFA) over path segments: literal segments are dictionary lookups, ``p*``
and ``*s`` segments are ``startswith``/``endswith`` tests bucketed by their
first or last character, other globs fall back to a compiled test, and ``**``
is a state that loops on any segment. Matching a path walks its segments, so
the work per path is proportional to its depth and to the number of live
states, not to the number of rules. States reached after a directory are
cached, so files of the same directory share the walk of their parent.

Rule ids are the positions of the patterns in the list given to
:class:`Matcher`; with patterns in file order, "last matching rule wins" is
"highest id wins".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .patterns import ANY, LIT, PREFIX, STAR2, SUFFIX, CompiledPattern, Segment


class _Node:
    __slots__ = ("lit", "prefix", "suffix", "other", "star", "is_star", "file_terms", "dir_terms",
                 "file_best", "dir_best", "glob_index", "_file_lit", "_file_globs")

    def __init__(self, is_star: bool = False) -> None:
        # Shared empty containers until the first child: tries of big files have many leaves.
        self.lit: dict[str, "_Node"] = _EMPTY_DICT
        self.prefix: dict[str, list[tuple[Segment, "_Node"]]] = _EMPTY_DICT
        self.suffix: dict[str, list[tuple[Segment, "_Node"]]] = _EMPTY_DICT
        self.other: list[tuple[Segment, "_Node"]] = _EMPTY_LIST
        self.glob_index: dict[tuple[int, str], "_Node"] = _EMPTY_DICT
        self.star: "_Node | None" = None
        self.is_star = is_star
        self.file_terms: list[int] = _EMPTY_LIST
        self.dir_terms: list[int] = _EMPTY_LIST
        self.file_best = -1
        self.dir_best = -1
        self._file_lit: "dict[str, int] | None" = None
        self._file_globs: "list[tuple[Segment, int]] | None" = None

    def file_lit(self) -> dict[str, int]:
        """``{name: best rule id}`` of literal children that end a pattern (computed once)."""
        if self._file_lit is None:
            self._file_lit = {name: c.file_best for name, c in self.lit.items() if c.file_best >= 0}
        return self._file_lit

    def file_globs(self) -> list[tuple[Segment, int]]:
        """``(segment, best rule id)`` of glob children that end a pattern (computed once)."""
        if self._file_globs is None:
            pairs = list(self.other)
            for bucket in (self.prefix, self.suffix):
                for group in bucket.values():
                    pairs.extend(group)
            self._file_globs = [(seg, c.file_best) for seg, c in pairs if c.file_best >= 0]
        return self._file_globs

    def child(self, seg: Segment) -> "_Node":
        if seg.kind == STAR2:
            if self.star is None:
                self.star = _Node(is_star=True)
            return self.star
        if seg.kind == LIT:
            node = self.lit.get(seg.a)
            if node is None:
                if self.lit is _EMPTY_DICT:
                    self.lit = {}
                node = self.lit[seg.a] = _Node()
            return node
        key = (seg.kind, seg.source)
        node = self.glob_index.get(key)
        if node is None:
            if self.glob_index is _EMPTY_DICT:
                self.glob_index, self.prefix, self.suffix, self.other = {}, {}, {}, []
            node = self.glob_index[key] = _Node()
            if seg.kind == PREFIX:
                self.prefix.setdefault(seg.a[0], []).append((seg, node))
            elif seg.kind == SUFFIX:
                self.suffix.setdefault(seg.b[-1], []).append((seg, node))
            else:
                self.other.append((seg, node))
        return node

    def add_terminal(self, rule_id: int, dir_only: bool, no_subdirs: bool) -> None:
        if not dir_only:
            if self.file_terms is _EMPTY_LIST:
                self.file_terms = []
            self.file_terms.append(rule_id)
            self.file_best = rule_id
        if not no_subdirs:
            if self.dir_terms is _EMPTY_LIST:
                self.dir_terms = []
            self.dir_terms.append(rule_id)
            self.dir_best = rule_id


_EMPTY_DICT: dict = {}
_EMPTY_LIST: list = []


def trivial(table: tuple) -> bool:
    """True when no file name can change the answer of a directory's final table."""
    return not table[1] and not table[2] and not table[3]
#: ``(states, ancestor rule ids, best ancestor id)`` of a directory (see Matcher._dir).
_State = "tuple[tuple[_Node, ...], tuple[int, ...], int]"


class Matcher:
    """All patterns of a CODEOWNERS file compiled into one segment trie.

    Args:
        patterns: compiled patterns; a pattern's id is its position. ``None``
            entries (skipped lines) take an id but never match.
    """

    def __init__(self, patterns: Sequence["CompiledPattern | None"]) -> None:
        self.root = _Node()
        self.size = len(patterns)
        for rule_id, pattern in enumerate(patterns):
            if pattern is None:
                continue
            node = self.root
            for seg in pattern.segments:
                # Most segments step to an existing node: taken here without the call to child().
                if seg.kind == LIT:
                    step = node.lit.get(seg.a)
                elif seg.kind == STAR2:
                    step = node.star
                else:
                    step = None
                node = step if step is not None else node.child(seg)
            node.add_terminal(rule_id, pattern.dir_only, pattern.no_subdirs)
        start = self._close([self.root])
        self._dirs: dict[str, _State] = {"": (start, (), -1)}
        self._finals: dict[str, tuple] = {}
        # Final tables by (state set, best ancestor id): most directories of a real tree reach one of
        # a few state sets (often just the `**` states), so the table is built once per set, not per
        # directory. The state tuples are kept alive by ``_dirs``, so their ids are stable keys.
        self._tables: dict[tuple[int, int], tuple] = {}
        # Per state set (by id): the names of its literal edges and the step for every other name,
        # when its only other edges are `**` and `*` (see _shortcut).
        self._shortcuts: dict[int, tuple] = {}

    @staticmethod
    def _close(nodes: Iterable[_Node]) -> tuple[_Node, ...]:
        out: dict[int, _Node] = {}
        for node in nodes:
            out[id(node)] = node
            if node.star is not None:
                out[id(node.star)] = node.star
        return tuple(out.values())

    @staticmethod
    def _step(states: tuple[_Node, ...], name: str) -> tuple[_Node, ...]:
        """The states after consuming one segment ``name`` (epsilon-closed over ``**``)."""
        out: dict[int, _Node] = {}
        first = name[:1]
        last = name[-1:]
        for node in states:
            if node.is_star:
                out[id(node)] = node
            child = node.lit.get(name)
            if child is not None:
                out[id(child)] = child
                if child.star is not None:
                    out[id(child.star)] = child.star
            if node.prefix:
                for seg, child in node.prefix.get(first, ()):
                    if name.startswith(seg.a):
                        out[id(child)] = child
                        if child.star is not None:
                            out[id(child.star)] = child.star
            if node.suffix:
                for seg, child in node.suffix.get(last, ()):
                    if name.endswith(seg.b):
                        out[id(child)] = child
                        if child.star is not None:
                            out[id(child.star)] = child.star
            for seg, child in node.other:
                if seg.kind == ANY or seg.match(name):
                    out[id(child)] = child
                    if child.star is not None:
                        out[id(child.star)] = child.star
        if len(out) == len(states) and all(id(node) in out for node in states):
            return states  # the same state set: the same object, so tables keyed by it are shared
        return tuple(out.values())

    def _shortcut(self, states: tuple[_Node, ...]) -> tuple:
        """``(literal edge names, the step for any other name)`` of ``states``, or ``(None, None)`` when
        an affix or glob edge makes the step depend on more than the name's membership in that set.
        In real trees most directory names hit no literal edge, so most steps become a set lookup."""
        literals: set = set()
        for node in states:
            if node.prefix or node.suffix or any(seg.kind != ANY for seg, _ in node.other):
                return None, None
            literals.update(node.lit)
        return literals, self._step(states, "")  # "" is never a literal segment; `*` and `**` accept it

    def _dir(self, directory: str) -> _State:
        """``(states, ancestor rule ids, best ancestor id)`` after walking ``directory`` (cached)."""
        cached = self._dirs.get(directory)
        if cached is not None:
            return cached
        parent, _, name = directory.rpartition("/")
        entry = self._dirs.get(parent)
        if entry is not None:  # the common case, without the walk below: the parent's states are kept
            shortcut = self._shortcuts.get(id(entry[0]))
            if shortcut is not None and shortcut[1] is entry[0] and name not in shortcut[0]:
                self._dirs[directory] = entry
                return entry
        pending = []  # ancestors not cached yet, deepest first (iterative: paths may be very deep)
        current = directory
        while current not in self._dirs:
            pending.append(current)
            current = current.rpartition("/")[0]
        states, anc, best = self._dirs[current]
        step = self._step
        shortcuts = self._shortcuts
        for path in reversed(pending):
            parent = states
            name = path.rpartition("/")[2]
            shortcut = shortcuts.get(id(states))
            if shortcut is None:
                shortcut = shortcuts[id(states)] = self._shortcut(states)
            literals, default = shortcut
            if literals is not None and name not in literals:
                states = default
            else:
                states = step(states, name)
            if states is parent:  # same states: their directory hits are already in anc
                self._dirs[path] = (states, anc, best)
                continue
            hits = [rule for node in states for rule in node.dir_terms]
            if hits:
                seen = set(anc)  # an unanchored pattern can match at several depths
                anc = anc + tuple(dict.fromkeys(r for r in hits if r not in seen))
                best = max(best, max(node.dir_best for node in states))
            self._dirs[path] = (states, anc, best)
        return self._dirs[directory]

    def matches(self, path: str) -> list[int]:
        """Ids of every pattern matching the repo-relative POSIX ``path``, each once (unordered)."""
        directory, _, name = path.rpartition("/")
        states, anc, _ = self._dir(directory)
        final = self._step(states, name)
        extra = [rule for node in final for rule in node.file_terms]
        if not extra:
            return list(anc)
        return list(dict.fromkeys(anc + tuple(extra)))

    def last_match(self, path: str) -> int:
        """Id of the last (highest-id) pattern matching ``path``; ``-1`` when none matches."""
        directory, _, name = path.rpartition("/")
        table = self._finals.get(directory)
        if table is None:
            table = self._final_table(directory)
        best, small, big, globs = table
        hit = small.get(name, -1)
        if hit > best:
            best = hit
        for names in big:
            hit = names.get(name, -1)
            if hit > best:
                best = hit
        for seg, rule_id in globs:  # sorted by id, highest first: the first match is the best
            if rule_id <= best:
                break
            if seg.match(name):
                best = rule_id
                break
        return best

    def table(self, directory: str) -> tuple:
        """The final table of ``directory`` (see :meth:`_final_table`); ``table[0]`` is the answer for
        every file there when :func:`trivial` holds."""
        table = self._finals.get(directory)
        return table if table is not None else self._final_table(directory)

    @staticmethod
    def pick(table: tuple, name: str) -> int:
        """The last matching id for a file ``name`` in the directory of ``table``."""
        best, small, big, globs = table
        hit = small.get(name, -1)
        if hit > best:
            best = hit
        for names in big:
            hit = names.get(name, -1)
            if hit > best:
                best = hit
        for seg, rule_id in globs:
            if rule_id <= best:
                break
            if seg.match(name):
                return rule_id
        return best

    def last_matches(self, paths: Iterable[str]) -> list[int]:
        """:meth:`last_match` of each path, in order (a tight loop that reuses the table of
        consecutive paths in the same directory, as in sorted ``git ls-files`` output)."""
        finals = self._finals
        out: list[int] = []
        append = out.append
        current = None
        base = -1
        small_get = _EMPTY_DICT.get
        table: tuple = (-1, _EMPTY_DICT, _EMPTY_LIST, _EMPTY_LIST)
        names_only = True
        for path in paths:
            directory, _, name = path.rpartition("/")
            if directory != current:
                table = finals.get(directory)
                if table is None:
                    table = self._final_table(directory)
                base, small_get = table[0], table[1].get
                names_only = not table[2] and not table[3]
                current = directory
            if names_only:
                append(small_get(name, base))  # the table keeps only names that beat ``base``
            else:
                append(self.pick(table, name))
        return out

    def _final_table(self, directory: str) -> tuple:
        """What the last segment of a file in ``directory`` can still match, flattened once per directory.

        ``(best ancestor id, {name: id} for small literal tables, [large literal tables],
        [(glob segment, id)] highest id first)``; entries that cannot beat the
        ancestor's best are dropped. Star states add nothing here: ``**`` never ends a pattern.
        """
        if directory:
            # Most directories of a real tree keep their parent's states (a name no pattern names, below
            # `**` or `*` only): then they keep its table too, without a walk.
            parent, _, name = directory.rpartition("/")
            entry = self._dirs.get(parent)
            if entry is not None:
                shortcut = self._shortcuts.get(id(entry[0]))
                if shortcut is not None and shortcut[1] is entry[0] and name not in shortcut[0]:
                    self._dirs[directory] = entry
                    table = self._finals.get(parent)
                    if table is None:
                        table = self._final_table(parent)
                    self._finals[directory] = table
                    return table
        states, _, best = self._dir(directory)
        shared = self._tables.get((id(states), best))
        if shared is not None:
            self._finals[directory] = shared
            return shared
        small: dict[str, int] = {}
        big: list[dict[str, int]] = []
        globs: list[tuple[Segment, int]] = []
        for node in states:
            names = node.file_lit() if node.lit else _EMPTY_DICT
            if len(names) > 64:
                big.append(names)  # shared, not copied: a hostile file can have 50,000 of them
            else:
                for name, rule_id in names.items():
                    if rule_id > best and rule_id > small.get(name, -1):
                        small[name] = rule_id
            if node.glob_index:
                globs.extend(pair for pair in node.file_globs() if pair[1] > best)
        globs.sort(key=lambda pair: -pair[1])
        table = (best, small, big, globs)
        self._finals[directory] = self._tables[(id(states), best)] = table
        return table

    def directory_hits(self, directory: str) -> tuple[int, ...]:
        """Ids of patterns that match ``directory`` itself as a directory (all files below it)."""
        return self._dir(directory)[1]
