"""The official JSON-Schema-Test-Suite through the metrics check, on both backends.

Required tests of draft-07, 2019-09 and 2020-12: every test passes with each
backend, and both report the same findings (rule, line, column, JSON path,
schema path, message) for every test. Optional tests: the files listed in
:data:`CLAIMED_OPTIONAL` pass completely, with identical findings. ``format``
is an annotation in this check (docs/metrics.md), so the format-assertion files
are not claimed, except ``format/unknown.json`` (unknown formats are ignored).
"""

from __future__ import annotations

import pytest

from tests.conftest import shared_path

from . import schema_suite

CLAIMED_OPTIONAL = {
    "draft7": ["bignum.json", "float-overflow.json", "format/unknown.json", "id.json", "non-bmp-regex.json",
               "unknownKeyword.json"],
    "draft2019-09": ["anchor.json", "bignum.json", "float-overflow.json", "format/unknown.json", "id.json", "no-schema.json",
                     "non-bmp-regex.json", "unknownKeyword.json"],
    "draft2020-12": ["anchor.json", "bignum.json", "dynamicRef.json", "float-overflow.json", "format/unknown.json", "id.json",
                     "no-schema.json", "non-bmp-regex.json", "unknownKeyword.json"],
}


def _run(draft: str, optional: bool):
    shared_path("conformance", "JSON-Schema-Test-Suite", "tests", draft)
    return {backend: list(schema_suite.run_draft(draft, backend, optional)) for backend in schema_suite.BACKENDS}


def _failures(results):
    return [(r.file, r.description, test, r.error) for r in results for test in r.failed]


def _differences(results):
    py, rs = results["jsonschema"], results["jsonschema-rs"]
    return [(a.file, a.description, x, y) for a, b in zip(py, rs) for x, y in zip(a.findings, b.findings) if x != y]


@pytest.mark.parametrize("draft", list(schema_suite.DRAFTS))
def test_required_tests_pass_on_both_backends_with_identical_findings(draft):
    results = _run(draft, optional=False)
    assert sum(len(r.passed) for r in results["jsonschema"]) > 900
    for backend in schema_suite.BACKENDS:
        assert _failures(results[backend]) == [], backend
    assert _differences(results) == []


@pytest.mark.parametrize("draft", list(schema_suite.DRAFTS))
def test_claimed_optional_tests_pass_on_both_backends(draft):
    results = _run(draft, optional=True)
    claimed = {f"optional/{name}" for name in CLAIMED_OPTIONAL[draft]}
    for backend in schema_suite.BACKENDS:
        kept = [r for r in results[backend] if r.file in claimed]
        assert {r.file for r in kept} == claimed
        assert _failures(kept) == [], backend
    py = [r for r in results["jsonschema"] if r.file in claimed]
    rs = [r for r in results["jsonschema-rs"] if r.file in claimed]
    assert _differences({"jsonschema": py, "jsonschema-rs": rs}) == []
