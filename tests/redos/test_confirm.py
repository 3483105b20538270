"""Dynamic confirmation on the real engine (small budgets: this is not a benchmark)."""

from __future__ import annotations

import time

from governance_hooks.redos.analyze import analyze
from governance_hooks.redos.confirm import Confirmer, judge, report_n


def test_exponential_is_confirmed_with_growth_and_time():
    verdict = analyze(r"(a+)+b", 0, "match")
    with Confirmer(timeout=5, target=0.02, workers=1) as confirmer:
        m = confirmer.confirm(r"(a+)+b", 0, "match", verdict)
    assert m.confirmed and m.suffix == "!"
    assert m.growth >= 1.25 and m.largest[1] >= 0.02
    # two characters per pump: about a dozen pumps make ten seconds
    assert 10 <= report_n(m, True, None) <= 40


def test_safe_attack_is_not_confirmed():
    # a deliberately wrong claim: the pattern is linear, so timing must not confirm it
    verdict = analyze(r"\s+$", 0, "search")
    verdict.kind, verdict.degree = "polynomial", 2
    with Confirmer(timeout=5, target=0.02, workers=1) as confirmer:
        m = confirmer.confirm(r"x\s+$", 0, "match", verdict)
    assert not m.confirmed


def test_timeout_kills_the_child_and_counts_as_stuck():
    verdict = analyze(r"(a|a)*$", 0, "fullmatch")
    started = time.monotonic()
    with Confirmer(timeout=0.6, target=100.0, workers=1) as confirmer:
        m = confirmer.confirm(r"(a|a)*$", 0, "fullmatch", verdict)
    assert time.monotonic() - started < 5
    assert m.timed_out and m.confirmed
    assert m.stuck_at is not None and m.stuck_at > m.samples[-1][0]


def test_judge_without_a_failing_suffix_is_unconfirmed():
    verdict = analyze(r"(a+)+b", 0, "match")
    m = judge([{"suffix": None}, {"done": True}], False, verdict.attack, True, 0)
    assert not m.confirmed and m.suffix is None


def test_parallel_confirmations_keep_input_order():
    jobs = [(p, 0, "match", analyze(p, 0, "match")) for p in (r"(a+)+b", r"(x+x+)+y")]
    with Confirmer(timeout=5, target=0.01, workers=2) as confirmer:
        results = confirmer.confirm_all(jobs)
    assert [r.suffix for r in results] == ["!", "!"]
    assert all(r.confirmed for r in results)
