"""The demo repository's metric logs report exactly their deliberate mistakes."""

from __future__ import annotations

import json

from governance_hooks.cli import main

from ..conftest import PROJECT

DEMO = PROJECT / "examples" / "demo-repo"


def test_demo_metrics_logs(capsys):
    code = main(["metrics", str(DEMO / "runs"), "--repo", str(DEMO), "--format", "json"])
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    found = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in report["findings"]]
    log = "runs/resnet-tiny/2024-05-01/metrics.ndjson"
    assert found == [
        (log, 4, 151, "metrics/schema-violation"),       # val_acc: null (evaluation skipped)
        (log, 5, 121, "metrics/duplicate-key"),          # lr logged twice
        (log, 6, 41, "metrics/metric-type-changed"),     # epoch "1" after 0
        (log, 6, 137, "metrics/metric-type-changed"),    # grad_norm "n/a"
        (log, 6, 155, "metrics/schema-violation"),       # is_best: true
        (log, 7, 1, "metrics/blank-line"),
        (log, 8, 41, "metrics/metric-type-changed"),
        (log, 8, 102, "metrics/non-standard-number"),    # NaN is not JSON (an error: listed first)
        (log, 8, 102, "metrics/non-finite-number"),      # loss NaN: the same column, the value's
        (log, 8, 132, "metrics/metric-type-changed"),
        (log, 8, 132, "metrics/non-finite-number"),      # grad_norm 1e999 overflows
        (log, 9, 70, "metrics/invalid-timestamp"),       # no offset
        (log, 9, 155, "metrics/schema-violation"),       # lr_schedule is an array
        (log, 11, 41, "metrics/step-backwards"),         # resumed run appended to the old log
        (log, 11, 52, "metrics/step-backwards"),
        (log, 11, 70, "metrics/timestamp-backwards"),
        (log, 12, 41, "metrics/schema-violation"),       # epoch "epoch-3"
        (log, 12, 41, "metrics/metric-type-changed"),
        (log, 13, 107, "metrics/invalid-json"),          # writer killed mid-line
    ]
    assert report["summary"]["metrics"]["files"] == 2  # the clean .jsonl.gz log too
    assert report["summary"]["metrics"]["lines"] == 25
