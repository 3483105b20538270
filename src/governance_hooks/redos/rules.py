"""Rule registry of the redos check (cheap to import)."""

from ..findings import Severity
from ..rules import Rule

EXPONENTIAL = "redos/exponential-backtracking"
POLYNOMIAL = "redos/polynomial-backtracking"
INVALID = "redos/invalid-pattern"
INCOMPLETE = "redos/analysis-incomplete"
UNREADABLE = "redos/unreadable-file"

RULES = (
    Rule(
        EXPONENTIAL, Severity.ERROR,
        "A regex can take exponential time on a crafted input (catastrophic backtracking).",
        "The regex's automaton has exponential degree of ambiguity (EDA): two different paths "
        "read the same pumpable word, so a failing subject made of n pumps makes CPython's "
        "backtracking `re` explore about 2^n paths. The finding carries an attack string as a "
        "Python expression and the time the real engine took on it. Fix: remove the overlap "
        "(make alternatives or adjacent quantifiers disjoint), make the inner quantifier "
        "possessive (`a++`, Python 3.11+) or wrap it in an atomic group `(?>...)`, or bound the "
        "repetition. An unconfirmed finding (the engine did not slow down) is a warning. "
        "Source: Weideman et al. 2016; Wüstholz et al. 2017.",
    ),
    Rule(
        POLYNOMIAL, Severity.ERROR,
        "A regex can take polynomial time O(n^k) on a crafted input (error for k >= 3, warning for k = 2).",
        "The automaton has infinite polynomial degree of ambiguity (IDA): k-1 chained loops read "
        "the same word, so CPython's `re` tries O(n^k) ways to split a failing subject; "
        "search, sub, findall, finditer and split retry at every position, adding one degree. "
        "Fix: make consecutive quantifiers disjoint (e.g. `\\s*$` -> `(?<!\\s)\\s*$` or rstrip()), "
        "anchor the pattern, use possessive quantifiers or atomic groups, or bound the input "
        "length. Configure `min-degree` to ignore quadratic cases. Source: Weideman et al. 2016.",
    ),
    Rule(
        INVALID, Severity.ERROR,
        "A literal regex does not compile under the running Python's `re`.",
        "`re.compile` raises `re.error` for this pattern, so the code fails at run time. "
        "The message is CPython's own. Patterns for the third-party `regex` module that use "
        "syntax `re` lacks are reported as analysis-incomplete instead.",
    ),
    Rule(
        INCOMPLETE, Severity.NOTE,
        "A regex or file could not be fully analysed within the budgets.",
        "The analysis stopped at a budget (automaton states, ambiguity search, time) or the "
        "source could not be read (syntax error, undecodable bytes). Nothing is claimed about "
        "the regex. A file refused unread (a symlink out of the repository, a FIFO, a device, a "
        "loop) is reported at error severity: nothing in it was judged. Raise `max-states` or `analysis-timeout` in [tool.governance-hooks.redos], "
        "or simplify the pattern.",
    ),
    Rule(
        UNREADABLE, Severity.ERROR,
        "A file the check should scan was refused or could not be read, so its regexes were not judged.",
        "The file is a symlink that leaves the repository or loops, is not a regular file (a FIFO, "
        "a device), is over the size budget, or the operating system refused the read. Nothing in "
        "it was checked, so the check fails closed: an error by default, with the reason in the "
        "message. Replace the link by the file, or exclude the path in [tool.governance-hooks.redos].",
    ),
)
