#!/usr/bin/env python
"""Patterns of the third-party ``regex`` module: the analysis and the ``regex`` engine's own timing.

For each pattern (the GPT-2 and cl100k_base pre-tokenizers as published, and
re-creations of the constructs ML text code uses), prints the static verdict
(after translating ``regex`` syntax), and whether timing the ``regex`` engine
confirms it; where ``re`` can compile the pattern too, the ``re`` timing is
printed beside it, so the difference between the two engines shows.

Usage: python bench/redos_regex_engine.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from governance_hooks.redos.analyze import analyze  # noqa: E402
from governance_hooks.redos.confirm import Confirmer  # noqa: E402
from governance_hooks.redos.sre_compat import check_compiles  # noqa: E402

PATTERNS = [
    ("gpt2 pre-tokenizer", r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""", "search"),
    ("cl100k_base pre-tokenizer",
     r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""",
     "search"),
    ("nested letters", r"^(\p{L}+\s?)+$", "match"),
    ("nested letters, \\w for re", r"^(\w+\s?)+$", "match"),
    ("V1 set difference", r"(?V1)^([[a-z]--[aeiou]]+\s?)*$", "match"),
    ("graphemes", r"(?:\X)+x", "search"),
    ("atomic inside a loop", r"(?>a+)+b", "search"),
    ("possessive", r"^(\p{L}++\s?)*$", "match"),
    ("quadratic trailing space", r"\p{Zs}+$", "search"),
    ("fuzzy", r"(?:hello){e<=1}", "search"),
    ("named list", r"\L<words>+x", "search"),
]


def main() -> int:
    print(f"load {os.getloadavg()[0]:.2f}; CPython {sys.version.split()[0]}")
    print(f"{'pattern':<28} {'kind':<7} {'verdict':<22} {'regex engine':<34} {'re engine':<30} {'s':>5}")
    with Confirmer(4.0, 0.02, 1) as confirmer:
        for name, pattern, kind in PATTERNS:
            started = time.monotonic()
            verdict = analyze(pattern, 0, kind, engine="regex")
            label = verdict.kind + (f" O(n^{verdict.degree})" if verdict.degree else "")
            if "no-failing-suffix" in verdict.approximations:
                label += " unproven"
            rx = re_ = "-"
            if verdict.vulnerable:
                m = confirmer.confirm(pattern, 0, kind, verdict, "regex", kind == "search")
                rx = ("confirmed" if m.confirmed else "not confirmed") + (f" ({m.largest[1]:.3f} s n={m.largest[0]})" if m.largest else "")
                try:
                    check_compiles(pattern, 0)  # re's own compiler, without running the pattern
                    m2 = confirmer.confirm(pattern, 0, kind, verdict, "re", kind == "search")
                    re_ = ("confirmed" if m2.confirmed else "not confirmed") + (f" ({m2.largest[1]:.3f} s)" if m2.largest else "")
                except Exception:  # noqa: BLE001 - re.error and friends: the syntax is regex-only
                    re_ = "re cannot compile"
            elif verdict.kind == "incomplete":
                rx = verdict.reason[:34]
            print(f"{name:<28} {kind:<7} {label:<22} {rx:<34} {re_:<30} {time.monotonic() - started:>5.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
