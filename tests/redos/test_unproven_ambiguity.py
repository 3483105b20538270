"""Ambiguity without a proof of safety is a finding, confirmed by timing the engine (issue 14, section 1).

Minimal re-creations written for these tests.
"""

from __future__ import annotations

import pytest

from governance_hooks.redos.analyze import analyze
from governance_hooks.redos.confirm import Confirmer


@pytest.mark.parametrize("pattern, kind, approximation", [
    # the last alternative always matches, yet every position first explores the ambiguous one
    (r"(?:a|aa)*b|.", "search", "no-failing-suffix"),
    # quantifiers inside a lookahead backtrack like any other
    (r"(?=(a+)+$)", "search", "lookahead-body"),
    (r"^(?=(a+)+$)\w", "match", "lookahead-body"),
    # a trailing .*$ after the ambiguous part: the failure comes from a later literal
    (r"^(a|aa)+c.*$", "match", None),
    (r"^(\w+\s?)*:.*$", "match", None),
    # a lookahead that can fail after the ambiguous part (modelled as passing, it looked like success)
    (r"^([1-9][0-9]*(?:.[1-9][0-9]*)*)(?= |$)", "match", "lookaround-may-fail"),
])
def test_found_and_confirmed_on_the_engine(pattern, kind, approximation):
    verdict = analyze(pattern, 0, kind)
    assert verdict.kind == "exponential"
    assert approximation is None or approximation in verdict.approximations
    with Confirmer(4.0, 0.02, 1) as confirmer:
        measurement = confirmer.confirm(pattern, 0, kind, verdict)
    assert measurement.confirmed is True
    assert measurement.growth is None or measurement.growth >= 1.25


def test_scan_reports_an_always_matching_alternation(make_repo):
    from governance_hooks.redos.scan import Options, scan

    root = make_repo({"tok.py": 'import re\n\ndef tokens(s):\n    return re.findall(r"(?:a|aa)*b|.", s)\n'})
    result = scan(root, ["tok.py"], Options(confirm_timeout=4.0))
    [finding] = result.findings
    assert (finding.rule_id, finding.severity.name.lower(), finding.location.line) == \
        ("redos/exponential-backtracking", "error", 4)
    assert finding.evidence["confirmed"] is True
    assert "no failing suffix" in finding.message


@pytest.mark.parametrize("pattern", [r"^\w+(?= |$)", r"(?:ab|cd)(?=x|$)"])
def test_a_lookaround_that_may_fail_is_no_finding_without_ambiguity(pattern):
    verdict = analyze(pattern, 0, "match")
    assert (verdict.kind, verdict.approximations) == ("safe", ("lookaround",))
