"""Hostile patterns: every budget holds (time, work, memory), and what only the compiler rejects is invalid.

Budgets here are small (fractions of a second, or work counts) so that each
test is fast; the wall-clock bounds asserted are generous multiples of them
(the machine may be loaded) but far below the minutes these inputs used to take.
"""

from __future__ import annotations

import json
import time

import pytest

from governance_hooks.cli import main
from governance_hooks.redos import ambiguity
from governance_hooks.redos.analyze import analyze
from governance_hooks.redos.ambiguity import Budget
from governance_hooks.redos.nfa import BudgetExceeded
from governance_hooks.redos.suggest import _same_matches, suggest

#: stacked stars: the classic nested-star EDA (once a hang and an OOM in a whole-repository run)
NESTED_STARS = "(?:(?:(?:(?:(?:(?:a*)*)*)*)*)*)*b"
#: 300 ambiguous loops in a row: hundreds of moves per state after epsilon elimination
MANY_LOOPS = "(?:a|a)*" * 300 + "$"
#: the same shape without parallel edges: only the (quadratic) product automaton can decide it
MANY_PRODUCT_LOOPS = "(?:a|b|ab)*" * 200 + "$"


#: The time bounds below are hang guards (before the fixes these inputs ran for
#: minutes), not speed measurements; SLACK keeps them from failing on a busy machine.
SLACK = 3


def _timed(fn, *args, **kwargs):
    started = time.monotonic()
    result = fn(*args, **kwargs)
    return result, time.monotonic() - started


@pytest.mark.parametrize("kind", ["search", "match"])
def test_nested_stars_are_exponential_at_once(kind):
    verdict, seconds = _timed(analyze, NESTED_STARS, 0, kind, Budget(deadline=time.monotonic() + 1.0))
    assert verdict.kind == "exponential"
    assert verdict.attack.segments == [("a", False), ("a", True)]
    assert verdict.attack.suffixes == ["!", "", "a", "c"]
    assert verdict.attack.expression(30) == "'a' + 'a' * 30 + '!'"
    assert seconds < 1.0 * SLACK


def test_parallel_edges_decide_eda_without_the_product_automaton():
    auto = _automaton("(a*)*b")
    [witness] = list(ambiguity.find_eda_local(auto, Budget()))
    assert witness.segments == [([ord("a")], False), ([ord("a")], True)]
    # forty stacked ambiguous loops: found in linear time, well inside a small budget
    verdict, seconds = _timed(analyze, "(?:a|a)*" * 40 + "$", 0, "search", Budget(deadline=time.monotonic() + 2.0))
    assert (verdict.kind, verdict.attack.segments, verdict.attack.suffixes) == \
        ("exponential", [("a", False), ("a", True)], ["!", "b", "ab", "a!"])
    assert seconds < 2.0 * SLACK


def test_no_parallel_edge_means_no_local_witness():
    # (a|b|ab)* is ambiguous only through different paths (a.b vs ab): the product's job
    assert list(ambiguity.find_eda_local(_automaton("(?:a|b|ab)*c"), Budget())) == []
    assert analyze("(?:a|b|ab)*c", 0, "match").kind == "exponential"


def _automaton(pattern: str) -> ambiguity.Automaton:
    from governance_hooks.redos import nfa as nfa_mod
    from governance_hooks.redos.sre_compat import parse

    auto = ambiguity.eliminate_epsilons(nfa_mod.build(parse(pattern, 0), False), Budget())
    ambiguity.prune_accepting(auto)
    return auto


def test_the_deadline_is_checked_inside_expensive_product_nodes():
    # one product node costs |moves|^2 steps: the clock used to be read once per 1024
    # nodes, so a 1.2 s budget ran for minutes (a 3 s one for 55 s on the shorter MANY_LOOPS)
    verdict, seconds = _timed(analyze, MANY_PRODUCT_LOOPS, 0, "search", Budget(deadline=time.monotonic() + 1.2))
    # Which budget runs out first (the clock or the stored product edges) depends on the machine's speed.
    assert verdict.kind == "incomplete"
    assert verdict.reason in ("analysis time budget exhausted", "product automaton budget exhausted",
                              "analysis work budget exhausted")
    assert seconds < 2.5 * SLACK


def test_many_ambiguous_loops_get_a_verdict_within_the_default_budget():
    verdict, seconds = _timed(analyze, MANY_LOOPS, 0, "search", Budget(deadline=time.monotonic() + 3.0))
    assert seconds < 4.5 * SLACK
    if verdict.kind == "incomplete":  # only on a heavily loaded machine
        assert verdict.reason in ("analysis time budget exhausted", "product automaton budget exhausted",
                              "analysis work budget exhausted")
    else:
        assert (verdict.kind, verdict.attack.segments, verdict.attack.suffixes) == \
            ("exponential", [("a", False), ("a", True)], ["!", "b", "ab", "a!"])


def test_the_work_budget_is_deterministic_and_bounds_memory():
    verdict = analyze(MANY_PRODUCT_LOOPS, 0, "search", Budget(work_units=100_000))
    assert (verdict.kind, verdict.reason) == ("incomplete", "analysis work budget exhausted")
    budget = Budget(work_units=10)
    budget.tick(5)
    with pytest.raises(BudgetExceeded, match="^analysis work budget exhausted$"):
        budget.tick(2048)


def test_product_edges_are_capped():
    verdict = analyze(MANY_PRODUCT_LOOPS, 0, "search", Budget(product_edges=50_000))
    assert (verdict.kind, verdict.reason) == ("incomplete", "product automaton budget exhausted")


@pytest.mark.parametrize("pattern, message", [
    (r"(?<=a+)b", "look-behind requires fixed-width pattern"),
    (r"(?<!x*)y", "look-behind requires fixed-width pattern"),
    (r"(?<=ab|c)d", "look-behind requires fixed-width pattern"),
])
def test_patterns_only_the_compiler_rejects_are_invalid(pattern, message):
    assert (analyze(pattern, 0, "search").kind, analyze(pattern, 0, "search").reason) == ("invalid", message)


def test_fixed_width_lookbehind_stays_valid_and_huge_counts_compile_cheaply():
    verdict = analyze(r"(?<=ab|cd)e+f", 0, "search")  # equal-width alternatives compile
    assert (verdict.kind, verdict.degree) == ("polynomial", 2)  # e+ retried at every start
    assert analyze(r"(?<=ab|cd)e+f", 0, "match").kind == "safe"
    verdict, seconds = _timed(analyze, "a{1000000}(?:b{65535}){65535}", 0, "match")
    assert verdict.kind == "safe" and seconds < 2.0 * SLACK


def test_debug_flag_prints_nothing(capsys):
    import re

    verdict = analyze(r"(a+)+b", re.DEBUG, "match")
    assert verdict.kind == "exponential"
    assert suggest(r"(a+)+b", re.DEBUG, "match", verdict).startswith("make the quantifier possessive: '(a++)+b'")
    assert capsys.readouterr().out == ""


def test_equivalence_probe_of_a_hostile_original_is_killed():
    samples = ["a" * n + "!" for n in range(6)] * 50
    same, seconds = _timed(_same_matches, NESTED_STARS, "(?:a*+)*+b", 0, samples, 0.5)
    assert same is None
    assert seconds < 2.5 * SLACK
    assert _same_matches(r"(a+)+b", r"(a++)+b", 0, ["", "ab", "aab", "aa!"], 2.0) is True
    assert _same_matches(r"a+b", r"a+c", 0, ["ab"], 2.0) is False


def test_suggest_respects_its_deadline():
    verdict = analyze(NESTED_STARS, 0, "search")
    text, seconds = _timed(suggest, NESTED_STARS, 0, "search", verdict, time.monotonic() + 0.5)
    assert text is None
    assert seconds < 2.5 * SLACK
    assert suggest(r"(a+)+b", 0, "match", analyze(r"(a+)+b", 0, "match"), time.monotonic() - 1) is None


def _cpu() -> float:
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _scan(make_repo, capsys, files, *args):
    """Exit code, report and the CPU seconds of the scan and its confirmation children
    (the scan's budgets are CPU time, so a busy machine stretches only the clock)."""
    root = make_repo(files)
    started = _cpu()
    code = main(["redos", "--repo", str(root), "--format", "json", *args])
    seconds = _cpu() - started
    return code, json.loads(capsys.readouterr().out), seconds


def test_nested_stars_file_ends_within_its_budgets(make_repo, capsys):
    source = f'import re\nre.search(r"{NESTED_STARS}", s)\n'
    code, report, seconds = _scan(make_repo, capsys, {"p2.py": source},
                                  "--confirm-timeout", "0.5", "--analysis-timeout", "1")
    assert code == 1
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["path"], finding["line"], finding["column"]) == \
        ("redos/exponential-backtracking", "p2.py", 2, 11)
    assert finding["evidence"]["attack"].startswith("'a' + 'a' * ")
    assert finding["evidence"]["confirmed"] is True
    assert finding["suggestion"] is None
    assert seconds < 5.0 * SLACK


def test_many_loops_file_ends_within_its_budgets(make_repo, capsys):
    source = f'import re\nre.compile(r"{MANY_PRODUCT_LOOPS}")\n'
    code, report, seconds = _scan(make_repo, capsys, {"many.py": source}, "--no-confirm", "--analysis-timeout", "1.2")
    assert code == 0
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["severity"], finding["line"], finding["column"]) == \
        ("redos/analysis-incomplete", "note", 2, 12)
    # Which budget runs out first (the clock or the step count) depends on the machine's speed.
    assert finding["evidence"]["reason"] in ("analysis time budget exhausted", "product automaton budget exhausted")
    assert seconds < 4.0 * SLACK


def test_compiler_only_error_is_an_invalid_pattern_finding(make_repo, capsys):
    code, report, _seconds = _scan(make_repo, capsys, {"lb.py": 'import re\nre.search(r"(?<=a+)b", s)\n'}, "--no-confirm")
    assert code == 1
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["severity"], finding["line"], finding["column"]) == \
        ("redos/invalid-pattern", "error", 2, 11)
    assert finding["message"] == "pattern '(?<=a+)b' does not compile: look-behind requires fixed-width pattern"


@pytest.mark.parametrize("flag", ["--analysis-timeout", "--confirm-timeout"])
@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1"])
def test_timeouts_must_be_finite_and_positive(make_repo, capsys, flag, value):
    from governance_hooks.cli import main

    root = make_repo({"a.py": "x = 1\n"})
    assert main(["redos", "--repo", str(root), flag, value]) == 2
    assert capsys.readouterr().err == f"governance-hooks: error: {flag} must be a positive number of seconds\n"


def test_configured_timeout_must_be_finite(make_repo, capsys):
    from governance_hooks.cli import main

    root = make_repo({"pyproject.toml": "[tool.governance-hooks.redos]\nanalysis-timeout = nan\n"})
    assert main(["redos", "--repo", str(root)]) == 2
    assert "analysis-timeout must be a number >= 0.01" in capsys.readouterr().err
