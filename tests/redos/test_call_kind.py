"""How a compiled pattern is applied is read from its uses in the module (issue 14, section 1).

Minimal re-creations written for these tests.
"""

from __future__ import annotations

from governance_hooks.redos.extract_python import extract


def _kinds(src: str):
    sites, _ = extract("m.py", src.encode())
    return [(s.line, tuple(sorted(s.kinds)), s.use_unknown) for s in sites]


def test_tokenizer_loop_that_stops_at_the_first_failure_is_match():
    assert _kinds('''import re
TOKEN = re.compile(r"(\\w+\\s?)*;")

def tokens(text):
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            raise ValueError(pos)
        pos = m.end()
''') == [(2, ("match",), False)]


def test_tokenizer_loop_that_retries_at_the_next_position_is_search():
    assert _kinds('''import re
TOKEN = re.compile(r"(\\w+\\s?)*;")

def tokens(text):
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        pos = m.end() if m else pos + 1
''') == [(2, ("search",), False)]


def test_walrus_loop_and_only_matched_patterns():
    assert _kinds('''import re
A = re.compile(r"\\s+$")
B = re.compile(r"(a+)+$")

def f(text, pos):
    while m := A.match(text, pos):
        pos = m.end()
    return B.match(text)
''') == [(2, ("match",), False), (3, ("match",), False)]


def test_never_used_or_handed_on_is_marked_unknown():
    assert _kinds('''import re
UNUSED = re.compile(r"\\s+$")
EXPORTED = re.compile(r"(a+)+$")

def validators():
    return [EXPORTED]
''') == [(2, ("search",), True), (3, ("search",), True)]
