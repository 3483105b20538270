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


class _Every:
    """Holds every name: under an affix or glob edge any folder name may change the states."""

    def __contains__(self, name: object) -> bool:
        return True


_EVERY = _Every()
#: Folders kept in the per-folder caches between two bulk lookups (see Matcher.forget_folders).
FOLDER_LIMIT = 65_536
#: Folders deeper than this are not cached ancestor by ancestor (see Matcher._dir).
_CACHED_DEPTH = 64


class _Picker:
    """:meth:`Matcher.pick` of one table, called as ``dict.get`` is: ``(name, best ancestor id)``."""

    __slots__ = ("table",)

    def __init__(self, table: tuple) -> None:
        self.table = table

    def pick(self, name: str, _best: int) -> int:
        return Matcher.pick(self.table, name)


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
        # Per folder: ``(best ancestor id, lookup)``, where ``lookup(file name, best ancestor id)`` is the
        # last matching id of a file there (see :meth:`_answer_of`).
        self._answers: dict[str, tuple] = {}
        # Final tables by (state set, best ancestor id): most directories of a real tree reach one of
        # a few state sets (often just the `**` states), so the table is built once per set, not per
        # directory. State sets are interned (``_interned`` keeps them alive), so their ids are stable keys.
        self._tables: dict[tuple[int, int], tuple] = {}
        # Per state set (by id): the names of its literal edges and the step for every other name,
        # when its only other edges are `**` and `*` (see _shortcut).
        self._shortcuts: dict[int, tuple] = {}
        self._interned: dict[tuple, tuple] = {start: start}
        # Per triple (by id; each value keeps its triple alive): ``[triple, literal edge names, the triple
        # of a sub-folder with any other name, that triple's answer pair or None until needed]``; the
        # names are ``_EVERY`` when an affix or glob edge makes every name count (see :meth:`_moves_of`).
        self._moves: dict[int, list] = {}
        self._pairs: dict[int, tuple] = {}  # id(triple) -> (triple, its answer pair)

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
        if entry is not None:  # the common case: the parent is known
            entry = self._dirs[directory] = self.child(entry, name)
            return entry
        if directory.count("/") > _CACHED_DEPTH:
            # A deep folder is walked from the root and only it is cached: caching each ancestor under its
            # own text would take memory and time quadratic in the depth (a path can be 100,000 folders deep).
            entry = self._dirs[""]
            for name in directory.split("/"):
                entry = self.child(entry, name)
            self._dirs[directory] = entry
            return entry
        pending = []  # ancestors not cached yet, deepest first
        current = directory
        while current not in self._dirs:
            pending.append(current)
            current = current.rpartition("/")[0]
        entry = self._dirs[current]
        for path in reversed(pending):
            entry = self._dirs[path] = self.child(entry, path.rpartition("/")[2])
        return entry

    def forget_folders(self) -> None:
        """Drop what is cached per folder once it holds more than :data:`FOLDER_LIMIT` folders.

        A stream of paths (``--who -``) may name any number of folders; the caches are rebuilt from the
        root as needed, so memory stays bounded and answers do not change. One call of
        :meth:`last_matches` keeps all it learns (the owners of every file of a repository reuse it).
        """
        if len(self._dirs) > FOLDER_LIMIT:
            self._dirs = {"": self._dirs[""]}
            self._answers = {}
            self._moves.clear()
            self._pairs.clear()

    def child(self, entry: _State, name: str) -> _State:
        """The ``(states, ancestor rule ids, best ancestor id)`` of the directory ``name`` inside the
        directory whose triple is ``entry``; ``entry`` itself when its states stay the same."""
        moves = self._moves.get(id(entry))
        if moves is None:
            moves = self._moves_of(entry)
        if name not in moves[1]:
            return moves[2]
        return self._enter(entry, self._step(entry[0], name))

    def _moves_of(self, entry: _State) -> list:
        """:attr:`_moves` of ``entry`` (computed once per triple)."""
        states = entry[0]
        shortcut = self._shortcuts.get(id(states))
        if shortcut is None:
            shortcut = self._shortcuts[id(states)] = self._shortcut(states)
        literals, default = shortcut
        # Every name no pattern names leads to the same triple; its answer pair is filled in when needed.
        moves = [entry, _EVERY, None, None] if literals is None else [entry, literals, self._enter(entry, default), None]
        self._moves[id(entry)] = moves
        return moves

    def _pair(self, entry: _State) -> tuple:
        """``(best ancestor id, lookup)`` of the folder whose triple is ``entry`` (once per triple)."""
        known = self._pairs.get(id(entry))
        if known is not None:
            return known[1]
        table = self.table_of(entry)
        # The table keeps only names that beat its best, so most folders answer with a dict lookup.
        pair = (table[0], table[1].get if not table[2] and not table[3] else _Picker(table).pick)
        self._pairs[id(entry)] = (entry, pair)
        return pair

    def _enter(self, entry: _State, new: "tuple[_Node, ...]") -> _State:
        """The triple after ``entry`` when the states become ``new``."""
        states, anc, best = entry
        if new is states:  # same states: their directory hits are already in anc
            return entry
        new = self._interned.setdefault(new, new)
        hits = [rule for node in new for rule in node.dir_terms]
        if hits:
            seen = set(anc)  # an unanchored pattern can match at several depths
            anc = anc + tuple(dict.fromkeys(r for r in hits if r not in seen))
            best = max(best, max(node.dir_best for node in new))
        return (new, anc, best)

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
        pair = self._answers.get(directory)
        if pair is None:
            pair = self._answer_of(directory)
        return pair[1](name, pair[0])

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
        for seg, rule_id in globs:  # sorted by id, highest first: the first match is the best
            if rule_id <= best:
                break
            if seg.match(name):
                return rule_id
        return best

    def last_matches(self, paths: Iterable[str]) -> list[int]:
        """:meth:`last_match` of each path, in order (a tight loop that reuses the answer pair of
        consecutive paths in the same directory, as in sorted ``git ls-files`` output)."""
        self.forget_folders()
        answers, dirs, moves_get = self._answers, self._dirs, self._moves.get
        answers_get, dirs_get = answers.get, dirs.get
        out: list[int] = []
        append = out.append
        current = None
        base = -1
        lookup = _EMPTY_DICT.get
        for path in paths:
            directory, _, name = path.rpartition("/")
            if directory != current:
                current = directory
                pair = answers_get(directory)
                if pair is None:
                    # :meth:`_answer_of` inline (it runs once per folder, so its calls add up).
                    parent, _, last = directory.rpartition("/")
                    entry = dirs_get(parent) if directory else None
                    moves = moves_get(id(entry)) if entry is not None else None
                    if moves is not None and last not in moves[1]:
                        dirs[directory] = moves[2]
                        pair = moves[3]
                        if pair is None:
                            pair = moves[3] = self._pair(moves[2])
                        answers[directory] = pair
                    else:
                        pair = self._answer_of(directory)
                base, lookup = pair
            append(lookup(name, base))
        return out

    def _answer_of(self, directory: str) -> tuple:
        """``(best ancestor id, lookup)`` of the files of ``directory`` (cached in :attr:`_answers`).

        ``lookup(name, best)`` flattens what the last segment of a file can still match: the final
        table ``(best ancestor id, {name: id} for small literal tables, [large literal tables],
        [(glob segment, id)] highest id first)``, where entries that cannot beat the ancestor's best
        are dropped. Star states add nothing here: ``**`` never ends a pattern.
        """
        pair = self._answers[directory] = self._pair(self._dir(directory))
        return pair

    def table_of(self, entry: _State) -> tuple:
        """The final table (see :meth:`_answer_of`) of the directory whose triple is ``entry``."""
        states, _, best = entry
        shared = self._tables.get((id(states), best))
        if shared is not None:
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
        table = self._tables[(id(states), best)] = (best, small, big, globs)
        return table
