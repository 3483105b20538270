"""The eight peers' CODEOWNERS test suites (1,137 cases), replayed in-process.

Decided cases must all pass; where a peer contradicts GitHub's or GitLab's documentation (or
GitLab's own matcher), ``peer_decisions.tsv`` holds the decision and the quotation that decides it.
"""

from __future__ import annotations

import pytest

from ..conftest import shared_path
from .peer_cases import actual, format_table, load_cases, load_decisions, outcome, score

PER_FILE = {
    "gitlab_ruby.json": 55, "hmarr_codeowners_go.json": 215, "hmarr_codeowners_rs.json": 183,
    "jjmschofield_github_codeowners.json": 81, "kellegous_codeowners.json": 310,
    "mszostok_codeowners_validator.json": 39, "sbdchd_codeowners.json": 208, "timoschinkel_codeowners.json": 46,
}


@pytest.fixture(scope="module")
def cases():
    return load_cases(shared_path("conformance", "codeowners-peers"))


def test_all_cases_are_replayed(cases):
    counts = {}
    for case in cases:
        counts[case["file"]] = counts.get(case["file"], 0) + 1
    assert counts == PER_FILE
    assert len(cases) == 1137


def test_every_decided_case_passes(cases, capsys):
    table = score(cases, load_decisions())
    with capsys.disabled():
        print("\n" + format_table(table))
    assert {name: row["failed"] for name, row in table.items() if row["failed"]} == {}
    assert sum(row["decided"] for row in table.values()) == 1137 - 11
    assert sum(row["undecided"] for row in table.values()) == 11


def test_every_decision_names_a_case_and_is_still_needed(cases):
    by_key = {(case["file"], case["id"]): case for case in cases}
    decisions = load_decisions()
    assert len(decisions) == 20
    for key, row in decisions.items():
        assert key in by_key, key
        assert row["decision"] in ("ours", "undecided"), key
        assert row["quotation"], key
        # A row is kept only while we answer differently from the peer.
        assert outcome(by_key[key])[0] is False, key


def test_a_documented_decision_is_the_opposite_of_the_peer_for_match_cases(cases):
    by_key = {(case["file"], case["id"]): case for case in cases}
    for key, row in load_decisions().items():
        case = by_key[key]
        if row["decision"] == "ours" and case["kind"] == "match":
            assert actual(case) is (not case["expect"]), key
