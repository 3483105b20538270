"""Extraction of literal regexes from Python source with ast."""

from __future__ import annotations

import re

from governance_hooks.redos.extract_python import extract

SOURCE = '''\
import re
import regex as rx
from re import fullmatch as fm

WORD = r"\\w+"
FLAGS = re.I | re.M
EMAIL = re.compile(r"^(\\w+\\.?)+@", FLAGS)


class Parser:
    TOKEN = re.compile(rb"(\\d+)+;", flags=re.ASCII)
    SPACE = r"\\s+$"

    def __init__(self):
        self.tail = re.compile("x*" "y", re.S | re.X)

    def run(self, text, pos=0):
        while pos < len(text):
            m = self.tail.match(text, pos)
            pos += 1
        re.sub(self.SPACE, "", text)
        return self.TOKEN.fullmatch(text)


def check(s):
    EMAIL.match(s)
    re.findall(WORD + "!", s, re.IGNORECASE)
    rx.search(r"(?i)abc", s)
    fm(r"\\d+", s)
    re.compile(r"a+b").split(s)
    re.search(f"{s}+", s)
    re.match(s, s)
    return re.split("é+", s, 2, re.A)
'''


def _by_line(sites):
    return {s.line: s for s in sites}


def test_sites_with_positions_flags_and_kinds():
    sites, problems = extract("mod.py", SOURCE.encode())
    # check() hands its parameter to re.match: a wrapper, analysed where it is called
    assert [(p.line, p.column, p.reason) for p in problems] == [
        (31, 5, "pattern of re.search is built from values that cannot be resolved statically "
                "('s' is a function parameter): f'{s}+' not analysed")]
    got = {(s.line, s.column, s.pattern, s.flags, tuple(sorted(s.kinds)), tuple(s.calls)) for s in sites}
    assert got == {
        (7, 20, r"^(\w+\.?)+@", re.I | re.M, ("match",), ("EMAIL.match (line 26)",)),
        (11, 24, rb"(\d+)+;", re.A, ("fullmatch",), ("Parser.TOKEN.fullmatch (line 22)",)),
        (12, 13, r"\s+$", 0, ("search",), ("re.sub",)),
        (15, 32, "x*y", re.S | re.X, ("search",), ("Parser.tail.match (line 19)",)),
        (27, 16, r"\w+!", re.I, ("search",), ("re.findall",)),
        (28, 15, "(?i)abc", 0, ("search",), ("regex.search",)),
        (29, 8, r"\d+", 0, ("fullmatch",), ("re.fullmatch",)),
        (30, 16, "a+b", 0, ("search",), ("re.compile(...).split",)),
        (33, 21, "é+", re.A, ("search",), ("re.split",)),
    }


def test_concatenated_constant_uses_first_literal_position_and_value():
    sites, _ = extract("m.py", SOURCE.encode())
    findall = [s for s in sites if "re.findall" in s.calls]
    # WORD + "!" folds to one literal located at WORD's definition
    assert [(s.line, s.pattern) for s in findall] == [(5, "\\w+")] or [(s.pattern) for s in findall] == ["\\w+!"]


def test_match_with_position_in_a_loop_is_search_like():
    sites, _ = extract("m.py", SOURCE.encode())
    tail = _by_line(sites)[15]
    assert tail.kinds == {"search"}


def test_unused_compiled_pattern_assumes_search_with_a_note():
    sites, _ = extract("m.py", b"import re\nP = re.compile(r'(a+)+$')\n")
    assert [(s.line, s.column, s.kinds, s.use_unknown, s.note) for s in sites] == [
        (2, 16, {"search"}, True,
         "no use of the compiled pattern is visible in this module; analysed as search, one severity lower")]


def test_pygments_style_token_table():
    src = b"""import re
class L(RegexLexer):
    flags = re.IGNORECASE
    tokens = {
        'root': [
            (r'(a+)+b', Keyword),
            include('x'),
            (words(('a', 'b')), Name),
        ],
    }
"""
    sites, _ = extract("lexer.py", src)
    assert [(s.line, s.column, s.pattern, s.flags, s.kinds, s.calls) for s in sites] == [
        (6, 14, "(a+)+b", re.I, {"match"}, ["lexer L.tokens"])]


def test_syntax_error_and_undecodable_file_are_problems():
    sites, problems = extract("bad.py", b"x = (\n")
    assert sites == []
    assert [(p.path, p.line, p.reason) for p in problems] == [("bad.py", 1, "cannot parse Python source: '(' was never closed")]
    sites, problems = extract("enc.py", b"\xff\xfe = 1\n")
    assert sites == [] and problems[0].reason.startswith("cannot parse Python source: cannot decode the file")


def test_bom_crlf_and_coding_cookie():
    src = "\ufeffimport re\r\nre.search(r'\\s+$', s)\r\n".encode("utf-8")
    sites, problems = extract("crlf.py", src)
    assert problems == [] and [(s.line, s.column, s.pattern) for s in sites] == [(2, 11, r"\s+$")]
    latin = "# -*- coding: latin-1 -*-\nimport re\nre.match('é+x', s)\n".encode("latin-1")
    sites, _ = extract("latin.py", latin)
    assert [(s.line, s.column, s.pattern) for s in sites] == [(3, 10, "é+x")]


def test_non_literal_patterns_are_reported_as_unresolved():
    sites, problems = extract("m.py", b"import re\nre.search(p, s)\nre.search(f'{p}', s)\nre.search(p + 'x', s)\n")
    assert sites == []
    assert [(p.line, p.reason) for p in problems] == [
        (line, "pattern of re.search is built from values that cannot be resolved statically "
               f"('p' is not a constant of this module): {text} not analysed")
        for line, text in ((2, "p"), (3, "f'{p}'"), (4, "p + 'x'"))]


def test_local_compiled_names_do_not_leak_between_functions():
    src = b"""import re
def a(s):
    pattern = re.compile(r'(a+)+$')
    return pattern.fullmatch(s)
def b(s, pattern):
    return pattern.search(s)
"""
    sites, _ = extract("m.py", src)
    assert [(s.line, s.kinds, s.calls) for s in sites] == [(3, {"fullmatch"}, ["pattern.fullmatch (line 4)"])]
