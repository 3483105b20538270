"""Loader of the labelled ReDoS corpus ``corpus.tsv`` (shared by the tests and bench/)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Union

CORPUS = Path(__file__).with_name("corpus.tsv")
CLASSES = ("exponential", "poly2", "poly3", "poly4", "safe")
FLAG_BITS = {"0": 0, "I": re.I, "M": re.M, "S": re.S, "X": re.X, "A": re.A, "U": re.U}


@dataclass(frozen=True)
class Row:
    """One labelled regex: ``expected`` is the worst case under CPython's ``re`` for ``kind``."""

    line: int
    expected: str
    kind: str
    flags: int
    pattern: Union[str, bytes]
    prefix: Union[str, bytes]
    pump: Union[str, bytes]
    suffix: Union[str, bytes]
    note: str

    @property
    def vulnerable(self) -> bool:
        return self.expected != "safe"

    @property
    def degree(self) -> int:
        """k for polyk, 0 for exponential and safe."""
        return int(self.expected[4:]) if self.expected.startswith("poly") else 0

    def ident(self) -> str:
        return f"L{self.line}:{self.kind}:{self.pattern!r}"


def load(path: Path = CORPUS) -> List[Row]:
    """Parse the TSV (comment lines start with ``#``; first non-comment line is the header)."""
    rows: List[Row] = []
    header_seen = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        cls, kind, flags, pattern, prefix, pump, suffix, note = line.split("\t")
        if cls not in CLASSES:
            raise ValueError(f"{path}:{number}: unknown class {cls!r}")
        bits = 0
        for name in flags.split("|"):
            bits |= FLAG_BITS[name]
        rows.append(Row(number, cls, kind, bits, ast.literal_eval(pattern), ast.literal_eval(prefix),
                        ast.literal_eval(pump), ast.literal_eval(suffix), note))
    return rows
