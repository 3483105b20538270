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
        (log, 4, 140, "metrics/schema-violation"),       # val_acc: null (evaluation skipped)
        (log, 5, 121, "metrics/duplicate-key"),          # lr logged twice
        (log, 6, 32, "metrics/metric-type-changed"),     # epoch "1" after 0
        (log, 6, 124, "metrics/metric-type-changed"),    # grad_norm "n/a"
        (log, 6, 144, "metrics/schema-violation"),       # is_best: true
        (log, 7, 1, "metrics/blank-line"),
        (log, 8, 32, "metrics/metric-type-changed"),
        (log, 8, 94, "metrics/non-finite-number"),       # loss NaN
        (log, 8, 102, "metrics/non-standard-number"),    # NaN is not JSON
        (log, 8, 119, "metrics/metric-type-changed"),
        (log, 8, 119, "metrics/non-finite-number"),      # grad_norm 1e999 overflows
        (log, 9, 57, "metrics/invalid-timestamp"),       # no offset
        (log, 9, 140, "metrics/schema-violation"),       # lr_schedule is an array
        (log, 11, 32, "metrics/step-backwards"),         # resumed run appended to the old log
        (log, 11, 44, "metrics/step-backwards"),
        (log, 11, 57, "metrics/timestamp-backwards"),
        (log, 12, 32, "metrics/schema-violation"),       # epoch "epoch-3"
        (log, 12, 32, "metrics/metric-type-changed"),
        (log, 13, 107, "metrics/invalid-json"),          # writer killed mid-line
    ]
    assert report["summary"]["metrics"]["files"] == 2  # the clean .jsonl.gz log too
    assert report["summary"]["metrics"]["lines"] == 25
