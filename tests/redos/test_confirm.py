"""Dynamic confirmation on the real engine (small budgets: this is not a benchmark)."""

from __future__ import annotations

import resource

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


def test_timeout_stops_the_request_and_counts_as_stuck():
    verdict = analyze(r"(a|a)*$", 0, "fullmatch")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Confirmer(timeout=0.6, target=100.0, workers=1) as confirmer:
        m = confirmer.confirm(r"(a|a)*$", 0, "fullmatch", verdict)
        child = confirmer._worker().proc
        # the budget is the child's CPU time: it stops itself and serves the next request
        assert child is not None and child.poll() is None
        again = confirmer.confirm(r"(a+)+b", 0, "match", analyze(r"(a+)+b", 0, "match"))
        assert confirmer._worker().proc is child
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert m.timed_out and m.confirmed
    assert m.stuck_at is not None and m.stuck_at > m.samples[-1][0]
    assert again.confirmed and again.timed_out and again.suffix == "!"
    # 0.6 s of CPU for each of the two requests (the target is out of reach), however busy the machine
    assert after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime < 2.5


def test_a_child_past_its_budget_is_killed(monkeypatch):
    # a child whose own timer does not stop it (a C loop that never checks for signals) is killed
    # once /proc shows it past the budget
    import governance_hooks.redos.confirm as confirm

    monkeypatch.setattr(confirm, "_over_budget", lambda pid, start, budget: True)
    verdict = analyze(r"(a|a)*$", 0, "fullmatch")
    with Confirmer(timeout=30, target=100.0, workers=1) as confirmer:
        m = confirmer.confirm(r"(a|a)*$", 0, "fullmatch", verdict)
        assert confirmer._worker().proc is None
    assert m.timed_out


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
