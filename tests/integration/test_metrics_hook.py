"""The metrics-ndjson hook under the real pre-commit framework."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

GOOD = '{"epoch": 1, "loss": 0.52, "run_id": "r1"}\n{"epoch": "2", "loss": 0.47, "run_id": "r1"}\n'
BAD = '{"epoch": 1, "loss": 0.52}\n{"epoch": 2, "loss": NaN}\n{"epoch": 3, "is_best": true}\n'


def test_metrics_hook_passes_good_and_reports_bad(make_repo, try_repo):
    good_only = make_repo({"runs/a/metrics.ndjson": GOOD}, name="good")
    result = try_repo(good_only, "metrics-ndjson")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Metrics NDJSON schema" in result.stdout and "Passed" in result.stdout

    with_bad = make_repo({"runs/a/metrics.ndjson": GOOD, "runs/b/metrics.jsonl": BAD}, name="bad")
    result = try_repo(with_bad, "metrics-ndjson")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert (
        "runs/b/metrics.jsonl:2:22: error metrics/non-standard-number NaN at $.loss (column 22) is not JSON; "
        "accept it with --allow-nan, or write the string \"NaN\" where the schema allows strings "
        "(the builtin schema does; it rejects null)"
    ) in result.stdout
    assert (
        "runs/b/metrics.jsonl:3:25: error metrics/schema-violation $.is_best: true is a boolean; "
        "expected number, object or string [schema #/patternProperties/^[A-Za-z0-9_.:-]+$/type]"
    ) in result.stdout
    assert "runs/a/metrics.ndjson" not in result.stdout
    # the hook's environment has the fast extra (additional_dependencies)
    assert "backend: jsonschema-rs" in result.stdout
