"""Patterns built from constants at import time are folded and analysed (section 1 of issue 14).

Each source below is a minimal re-creation written for this test: the way a
real package builds the pattern (formatting, imports, wrappers, tables), not
its code.
"""

from __future__ import annotations

import re
from pathlib import Path

from governance_hooks.redos.extract_python import extract
from governance_hooks.redos.modinfo import Modules
from governance_hooks.redos.scan import read_source, source_exists


def _sites(src: str):
    sites, problems = extract("m.py", src.encode())
    return [(s.line, s.pattern, s.flags, tuple(sorted(s.kinds))) for s in sites], \
        [(p.line, p.reason) for p in problems]


def _tree(tmp_path: Path, files: dict, target: str):
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    modules = Modules(tmp_path, lambda rel: read_source(tmp_path, rel), lambda rel: source_exists(tmp_path, rel))
    for rel in files:  # the scan registers every file's package root before extracting
        modules.add_base(rel)
    sites, problems = extract(target, (tmp_path / target).read_bytes(), modules)
    return [(s.line, s.pattern, s.flags, tuple(sorted(s.kinds)), tuple(s.calls)) for s in sites], \
        [(p.line, p.reason) for p in problems]


def test_percent_format_and_fstring_of_constants():
    sites, problems = _sites('''import re
WORD = r"[a-z]+"
SEP = "\\\\s"
A = re.compile("^(%s%s?)*$" % (WORD, SEP))
B = re.compile(r"^({w}{s}?)*$".format(w=WORD, s=SEP), re.I)
C = re.compile(rf"^({WORD}{SEP}?)*$")
D = re.compile("^(%(w)s,?)+$" % {"w": WORD})

def f(s):
    return A.match(s), B.match(s), C.fullmatch(s), D.search(s)
''')
    assert problems == []
    assert sites == [
        (4, r"^([a-z]+\s?)*$", 0, ("match",)),
        (5, r"^([a-z]+\s?)*$", re.I, ("match",)),
        (6, r"^([a-z]+\s?)*$", 0, ("fullmatch",)),
        (7, r"^([a-z]+,?)+$", 0, ("search",)),
    ]


def test_plus_join_escape_and_class_constants():
    sites, problems = _sites('''import re
class Grammar:
    DIGITS = r"\\d+"
    NUMBER = "(?:" + DIGITS + ")"
    LIST = r"^(%s,?)+$" % NUMBER
    OPS = "|".join([re.escape("+"), re.escape("*"), "-"])
    PAT = re.compile(LIST)

    def check(self, s):
        return self.PAT.match(s) or re.search(self.OPS, s)
''')
    assert problems == []
    assert sites == [
        (5, r"^((?:\d+),?)+$", 0, ("match",)),
        (6, r"\+|\*|-", 0, ("search",)),
    ]


def test_module_constant_used_in_a_function_defined_above_it():
    sites, problems = _sites('''import re

def strip_trailing(s):
    return re.sub(TRAILING, "", s)

TRAILING = r"\\s+$"
''')
    assert problems == []
    assert sites == [(6, r"\s+$", 0, ("search",))]


def test_helper_function_that_converts_a_literal():
    sites, problems = _sites('''import re

def tobytes(s):
    """latin-1 bytes of a str literal."""
    return s.encode("latin-1")

HEADER = re.compile(tobytes(r"^([\\w-]+:\\s*)+$"))

def parse(b):
    return HEADER.match(b)
''')
    assert problems == []
    assert sites == [(7, rb"^([\w-]+:\s*)+$", 0, ("match",))]


def test_wrapper_around_re_compile_in_another_module(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/utils/__init__.py": "",
        "pkg/utils/regex_helper.py": '''import re

def _lazy_re_compile(regex, flags=0):
    """Compile on first use."""
    def _compile():
        return re.compile(regex, flags)
    return _compile
''',
        "pkg/validators.py": '''from pkg.utils.regex_helper import _lazy_re_compile
from .constants import HOST

class HostValidator:
    regex = _lazy_re_compile(r"^(" + HOST + r"\\.?)+$", 2)

    def __call__(self, value):
        return self.regex.search(value)
''',
        "pkg/constants.py": 'HOST = r"[a-z0-9-]+"\n',
    }
    sites, problems = _tree(tmp_path, files, "pkg/validators.py")
    assert problems == []
    assert sites == [(5, r"^([a-z0-9-]+\.?)+$", re.I, ("search",),
                      ("HostValidator.regex.search (line 8)",))]


def test_lexer_method_wrapper_self_match():
    sites, problems = _sites('''import re

class Scanner:
    def match(self, pattern, text):
        return re.match(pattern, text, re.M)

    def number(self, text):
        return self.match(r"(\\d+\\.?)+x", text)
''')
    assert problems == []
    assert sites == [(8, r"(\d+\.?)+x", re.M, ("match",))]


def test_regex_tables_walked_by_loops_and_handed_to_a_tagger():
    sites, problems = _sites('''import re
from nltk.tag import RegexpTagger

RULES = [
    ("word", r"(\\w+\\s?)+$"),
    ("num", r"\\d+"),
]
NAMED = {"space": r"\\s+$"}
COMPILED = [(name, re.compile(pat)) for name, pat in RULES]

def run(s):
    for key, pat in NAMED.items():
        re.search(pat, s)

TAGGER = RegexpTagger([(r"^(a|aa)+$", "NN"), (r".*", "X")])
''')
    assert problems == []
    assert sites == [
        (5, r"(\w+\s?)+$", 0, ("search",)),
        (6, r"\d+", 0, ("search",)),
        (8, r"\s+$", 0, ("search",)),
        (15, r"^(a|aa)+$", 0, ("match",)),
        (15, ".*", 0, ("match",)),
    ]


def test_values_that_cannot_be_resolved_are_reported_not_skipped():
    sites, problems = _sites('''import os
import re

PREFIX = os.environ.get("PREFIX", "x")

def build(words):
    return re.compile("|".join(words))

def run(s):
    return re.match(PREFIX + r"(a+)+$", s)
''')
    assert sites == []
    assert problems == [
        (7, "pattern of re.compile is built from values that cannot be resolved statically "
            "('words' is a function parameter): '|'.join(words) not analysed"),
        (10, "pattern of re.match is built from values that cannot be resolved statically "
             "('os.environ.get('PREFIX', 'x')' is computed at run time): PREFIX + '(a+)+$' not analysed"),
    ]


def test_hostile_constant_folding_stays_bounded():
    sites, problems = _sites('''import re
BIG = "a" * 10 ** 9
HUGE = "ab" * 1000000000
WIDE = "{:>999999999}".format("a")
PCT = "%999999999s" % "a"
FSTR = f"{'a':>999999999}"
PAD = "a".ljust(999999999)
for p in (BIG, HUGE, WIDE, PCT, FSTR, PAD):
    pass
re.search(BIG, s)
re.search(HUGE, s)
re.search(WIDE, s)
re.search(PCT, s)
re.search(FSTR, s)
re.search(PAD, s)
''')
    assert sites == []
    assert [reason.split("(")[1].split(")")[0] for _, reason in problems] == [
        "exponentiation is not folded"] + ["folded value is too large"] * 5


def test_list_comprehension_over_constant_lists_is_folded():
    # urllib3 builds its IPv6 alternatives as "|".join([v % SUBS for v in VARIANTS]) at import time
    sites, problems = _sites('''import re
SUBS = {"h": "[0-9a-f]{1,4}"}
VARIANTS = ["(?:%(h)s:){2}%(h)s", "::%(h)s"]
ALTS = "(?:" + "|".join([v % SUBS for v in VARIANTS]) + ")"
EVEN = "".join(c for c, keep in (("a", 1), ("b", 0)) if keep)
A = re.compile("^(.*)@?(" + ALTS + ")$")
B = re.compile(EVEN + "+")
C = re.compile("".join([x for x in NAMES]))

def f(s):
    return A.match(s), B.match(s), C.match(s)
''')
    assert sites == [
        (6, r"^(.*)@?((?:(?:[0-9a-f]{1,4}:){2}[0-9a-f]{1,4}|::[0-9a-f]{1,4}))$", 0, ("match",)),
        (7, "a+", 0, ("match",)),
    ]
    assert problems == [(8, "pattern of re.compile is built from values that cannot be resolved statically "
                            "('NAMES' is not a constant of this module): ''.join([x for x in NAMES]) not analysed")]


def test_one_line_helper_imported_from_another_module(tmp_path):
    # waitress builds HEADER_FIELD with tobytes(...) imported from its compat module
    sites, problems = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/compat.py": 'def tobytes(s):\n    return bytes(s, "latin-1")\n\ndef shout(s):\n    print(s)\n    return s\n',
        "pkg/rules.py": '''import re
from .compat import tobytes, shout
VCHAR = "[!-~]"
HEADER = re.compile(tobytes("^(" + VCHAR + "([ !-~]+" + VCHAR + ")?)*$"))
OTHER = re.compile(shout("a+"))

def header(line):
    return HEADER.match(line), OTHER.match(line)
''',
    }, "pkg/rules.py")
    assert sites == [(4, b"^([!-~]([ !-~]+[!-~])?)*$", 0, ("match",), ("HEADER.match (line 8)",))]
    assert problems == [(5, "pattern of re.compile is built from values that cannot be resolved statically "
                            "('shout(...)' is computed at run time): shout('a+') not analysed")]


def test_constants_of_the_string_module_are_folded():
    # a markdown parser's title pattern: a class of re.escape(string.punctuation)
    sites, problems = _sites('''import re
import string
from string import digits as DIGITS

PUNCT = "[" + re.escape(string.punctuation) + "]"
TITLE = re.compile(r'"(?:\\\\' + PUNCT + r'|[^"])*"')
NUM = re.compile("[" + DIGITS + "]+$")
HOME = re.compile(string.Template.__name__)

def f(s):
    return TITLE.match(s), NUM.match(s), HOME.match(s)
''')
    assert sites == [
        (6, '"(?:\\\\[!"\\#\\$%\\&\'\\(\\)\\*\\+,\\-\\./:;<=>\\?@\\[\\\\\\]\\^_`\\{\\|\\}\\~]|[^"])*"', 0, ("match",)),
        (7, "[0123456789]+$", 0, ("match",)),
    ]
    assert problems == [(8, "pattern of re.compile is built from values that cannot be resolved statically "
                            "('string.Template.__name__' is computed at run time): string.Template.__name__ not analysed")]


def test_constructor_that_stores_and_compiles_its_parameter(tmp_path):
    # a user-agent parser: instances listed in a generated module, the class in another one
    files = {
        "ua/__init__.py": "",
        "ua/parser.py": '''import re

class AgentParser:
    def __init__(self, pattern, family=None):
        self.pattern = pattern
        self.agent_re = re.compile(self.pattern)
        self.family = family

    def parse(self, agent):
        return self.agent_re.search(agent)

class Renamer:
    def __init__(self, pattern):
        self.pattern = pattern
        self.pattern = pattern.lower()
        self.rx = re.compile(self.pattern)
''',
        "ua/regexes.py": '''from .parser import AgentParser, Renamer

PARSERS = [
    AgentParser(r"([a-z ]*(?:bot|spider))/(\\d+)", None),
    AgentParser(pattern=r"(\\w+)/(\\d+)"),
]
OTHER = Renamer(r"(a+)+$")
''',
    }
    sites, problems = _tree(tmp_path, files, "ua/regexes.py")
    assert problems == []
    assert sites == [
        (4, r"([a-z ]*(?:bot|spider))/(\d+)", 0, ("search",), ("AgentParser -> re.search",)),
        (5, r"(\w+)/(\d+)", 0, ("search",), ("AgentParser -> re.search",)),
    ]
    # inside the class the stored parameter is the callers' business, not a note
    sites, problems = _tree(tmp_path, files, "ua/parser.py")
    assert (sites, problems) == ([], [(16, "pattern of re.compile is built from values that cannot be resolved "
                                            "statically ('self.pattern' is not a class constant): self.pattern not "
                                            "analysed")])


def test_lexicon_handed_to_re_scanner():
    sites, problems = _sites('''import re

class Lexer(re.Scanner):
    pass

def words(text):
    return re.Scanner([(r"(a|aa)+b", None), (r"\\s+", None)]).scan(text)

class Parser:
    scanner_cls = Lexer
    WORD = r"\\w+"

    def scan(self, rules, text):
        lexicon = [(getattr(self, name.upper()), name) for name in rules]
        return self.scanner_cls(lexicon).scan(text)

    def words(self, text):
        return Lexer([(self.WORD, None)]).scan(text)
''')
    assert sites == [(7, "(a|aa)+b", 0, ("search",)), (7, r"\s+", 0, ("search",)), (11, r"\w+", 0, ("search",))]
    assert problems == [(15, "pattern of re.Scanner is built from values that cannot be resolved statically "
                             "('rules' is a function parameter): lexicon not analysed")]
