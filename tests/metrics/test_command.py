"""The ``governance-hooks metrics`` subcommand: discovery, configuration, exit codes, parallel runs."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from governance_hooks.cli import main
from governance_hooks.metrics import engine

SCHEMAS = Path(__file__).parent / "schemas"
GOOD = '{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": 0.4}\n'
BAD = '{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": null}\n{"loss": 1}\n'


def _run(capsys, *argv):
    code = main(["metrics", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _findings(out: str):
    return [(f["path"], f["line"], f["rule_id"]) for f in json.loads(out)["findings"]]


def test_discovers_ndjson_jsonl_and_gz_in_the_repository(make_repo, capsys):
    root = make_repo({
        "runs/a/metrics.ndjson": BAD,
        "runs/b/metrics.jsonl.gz": gzip.compress(b'{"epoch": "x"}\n'),
        "runs/b/notes.json": '{"loss": null}',
        "README.md": "hello",
    })
    code, out, err = _run(capsys, "--repo", str(root), "--format", "json")
    assert code == 1, err
    assert _findings(out) == [
        ("runs/a/metrics.ndjson", 2, "metrics/schema-violation"),
        ("runs/a/metrics.ndjson", 3, "metrics/schema-violation"),
        ("runs/b/metrics.jsonl.gz", 1, "metrics/schema-violation"),
    ]
    summary = json.loads(out)["summary"]["metrics"]
    assert summary["files"] == 2 and summary["lines"] == 4


def test_good_files_exit_zero(make_repo, capsys):
    root = make_repo({"m.ndjson": GOOD})
    code, out, err = _run(capsys, "--repo", str(root))
    assert code == 0, err
    assert out.splitlines()[-2].startswith("metrics: 0 errors, 0 warnings, 0 notes; files: 1; lines: 2; backend: ")


def test_explicit_files_are_checked_whatever_their_suffix(tmp_path, capsys, monkeypatch):
    (tmp_path / "log.txt").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "--repo", str(tmp_path), "log.txt", "--format", "json")
    assert code == 1
    assert _findings(out) == [("log.txt", 2, "metrics/schema-violation"), ("log.txt", 3, "metrics/schema-violation")]


def test_text_output_line(make_repo, capsys):
    root = make_repo({"m.ndjson": '{"epoch": 1, "loss": true}\n'})
    code, out, _ = _run(capsys, "--repo", str(root))
    assert code == 1
    assert out.splitlines()[0] == (
        "m.ndjson:1:22: error metrics/schema-violation $.loss: true is a boolean; expected number, object or string "
        "[schema #/patternProperties/^[A-Za-z0-9_.:-]+$/type]"
    )


def test_config_maps_globs_to_schemas(make_repo, capsys):
    # Repository configuration names schemas inside the repository (an absolute path is refused).
    pyproject = (
        "[tool.governance-hooks.metrics]\n"
        'schemas = { "evals/**/*.ndjson" = "schemas/draft7.schema.json" }\n'
        'cross-checks = ["steps"]\n'
        "max-errors = 5\n"
    )
    root = make_repo({
        "pyproject.toml": pyproject,
        "schemas/draft7.schema.json": (SCHEMAS / "draft7.schema.json").read_text(encoding="utf-8"),
        "evals/run1/scores.ndjson": '{"epoch": 1, "loss": -1}\n',      # draft-07 schema: loss >= 0
        "train/metrics.ndjson": '{"epoch": 3}\n{"epoch": 2}\n',        # builtin schema + steps check
    })
    code, out, err = _run(capsys, "--repo", str(root), "--format", "json")
    assert code == 1, err
    findings = json.loads(out)["findings"]
    assert [(f["path"], f["line"], f["rule_id"], f["evidence"].get("schema_path")) for f in findings] == [
        ("evals/run1/scores.ndjson", 1, "metrics/schema-violation", "#/definitions/pos/minimum"),
        ("train/metrics.ndjson", 2, "metrics/step-backwards", None),
    ]


def test_cli_schema_overrides_the_configuration(make_repo, capsys):
    root = make_repo({"m.ndjson": '{"epoch": 1}\n'})
    code, out, _ = _run(capsys, "--repo", str(root), "--schema", str(SCHEMAS / "run-log.schema.json"), "--format", "json")
    assert code == 1
    assert [f["message"] for f in json.loads(out)["findings"]] == [
        "$: missing required key 'run_id' [schema #/required]",
        "$: missing required key 'step' [schema #/required]",
    ]


@pytest.mark.parametrize("schema, problem", [
    ("remote-ref.schema.json", "remote $ref 'https://example.com/schemas/counter.json'"),
    ("invalid.schema.json", "invalid schema at /properties/loss/type"),
])
def test_schema_problems_exit_2_with_one_line(make_repo, capsys, schema, problem):
    root = make_repo({"m.ndjson": GOOD})
    code, out, err = _run(capsys, "--repo", str(root), "--schema", str(SCHEMAS / schema))
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("governance-hooks: error: ") and problem in err


@pytest.mark.parametrize("table, problem", [
    ('bogus = 1', "unknown key 'bogus' in [tool.governance-hooks.metrics]"),
    ('max-errors = "ten"', "max-errors must be a non-negative integer"),
    ('cross-checks = ["speed"]', "unknown cross-checks speed"),
    ('schemas = { "*.ndjson" = 3 }', "schemas must map globs to schema paths"),
    ('schema = "nope.json"', "nope.json: cannot read schema"),
])
def test_bad_configuration_exits_2(make_repo, capsys, table, problem):
    root = make_repo({"pyproject.toml": f"[tool.governance-hooks.metrics]\n{table}\n", "m.ndjson": GOOD})
    code, _, err = _run(capsys, "--repo", str(root))
    assert code == 2
    assert problem in err and len(err.splitlines()) == 1


def test_max_errors_says_how_many_more(make_repo, capsys):
    root = make_repo({"m.ndjson": "".join('{"epoch": %d, "ok": false}\n' % i for i in range(12))})
    code, out, _ = _run(capsys, "--repo", str(root), "--max-errors", "4", "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [(f["line"], f["rule_id"]) for f in findings] == [
        (None, "metrics/errors-truncated"), (1, "metrics/schema-violation"), (2, "metrics/schema-violation"),
        (3, "metrics/schema-violation"), (4, "metrics/schema-violation"),
    ]
    assert findings[0]["message"] == "8 more findings in this file not listed (--max-errors 4; use --max-errors 0 to list all)"
    assert findings[0]["severity"] == "note"


def test_no_files_is_a_clean_run(make_repo, capsys):
    root = make_repo({"README.md": "x"})
    code, out, _ = _run(capsys, "--repo", str(root))
    assert code == 0
    assert out.splitlines()[-2] == "metrics: 0 errors, 0 warnings, 0 notes; files: 0; lines: 0"


def test_list_rules(capsys):
    assert main(["metrics", "--list-rules"]) == 0
    ids = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert ids[:3] == ["metrics/invalid-json", "metrics/not-an-object", "metrics/invalid-utf8"]
    assert "metrics/schema-violation" in ids and ids[-1] == "metrics/internal-error"


def test_parallel_segments_match_a_serial_run(tmp_path, monkeypatch, capsys):
    """A file split into segments on two processes reports the same lines as one process."""
    lines = []
    for i in range(1, 30001):
        if i % 997 == 0:
            lines.append('{"epoch": %d, "loss": null}' % i)
        elif i % 1499 == 0:
            lines.append('{"epoch": %d, "loss": ' % i)
        else:
            lines.append('{"epoch": %d, "loss": 0.%d}' % (i, i))
    (tmp_path / "big.ndjson").write_text("\n".join(lines) + "\n")
    (tmp_path / "small.jsonl").write_text(BAD)
    monkeypatch.setattr(engine, "SPLIT_BYTES", 64 << 10)
    monkeypatch.setattr(engine, "SEGMENT_BYTES", 100 << 10)
    monkeypatch.setattr(engine, "PARALLEL_MIN_BYTES", 1)
    results = {}
    for jobs in ("1", "2"):
        code, out, _ = _run(capsys, "--repo", str(tmp_path), "--jobs", jobs, "--max-errors", "25", "--format", "json")
        assert code == 1
        results[jobs] = json.loads(out)
    assert results["1"]["findings"] == results["2"]["findings"]
    assert results["2"]["summary"]["metrics"]["lines"] == 30003
    expected = sorted([(i, "metrics/schema-violation") for i in range(997, 30001, 997)]
                      + [(i, "metrics/invalid-json") for i in range(1499, 30001, 1499)])[:25]
    big = [(f["line"], f["rule_id"]) for f in results["2"]["findings"] if f["path"] == "big.ndjson"]
    assert big == [(None, "metrics/errors-truncated")] + expected


def test_symlink_out_of_the_repository_and_special_files_are_not_read(make_repo, capsys, tmp_path, monkeypatch):
    outside = tmp_path / "secret.ndjson"
    outside.write_text('{"loss": null}\n')
    root = make_repo({"m.ndjson": GOOD})
    (root / "link.ndjson").symlink_to(outside)
    os.mkfifo(root / "pipe.ndjson")  # reading it would block forever
    monkeypatch.chdir(root)
    code, out, _ = _run(capsys, "--repo", str(root), "link.ndjson", "pipe.ndjson", "m.ndjson", "--format", "json")
    assert code == 1
    assert [(f["path"], f["rule_id"], f["message"]) for f in json.loads(out)["findings"]] == [
        ("link.ndjson", "metrics/unreadable-file", "symbolic link to a file outside the repository; not followed"),
        ("pipe.ndjson", "metrics/unreadable-file", "not a regular file; not read"),
    ]


def test_exclude_globs_skip_discovered_files(make_repo, capsys):
    root = make_repo({
        "pyproject.toml": '[tool.governance-hooks.metrics]\nexclude = ["fixtures/**"]\n',
        "fixtures/broken.ndjson": "{not json\n",
        "runs/m.ndjson": BAD,
    })
    code, out, _ = _run(capsys, "--repo", str(root), "--format", "json")
    assert code == 1
    assert {f["path"] for f in json.loads(out)["findings"]} == {"runs/m.ndjson"}


def test_progress_bar_on_a_terminal_for_large_inputs(make_repo, monkeypatch):
    import argparse
    import io

    from governance_hooks.check import Context
    from governance_hooks.config import Config
    from governance_hooks.metrics import command

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    root = make_repo({"m.ndjson": GOOD})
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args([])
    monkeypatch.setattr(command, "PROGRESS_MIN_BYTES", 1)
    stderr = Terminal()
    result = command.run(args, Context(root=root, config=Config(), check="metrics", stderr=stderr))
    assert result.findings == [] and result.stats["lines"] == 2
    assert "metrics: 100%" in stderr.getvalue()


def test_lines_not_validated_fail_the_run_and_limits_are_configurable(make_repo, capsys):
    deep = '{"epoch": 1, "a": ' + "[" * 9 + "]" * 9 + "}\n"
    root = make_repo({"m.ndjson": '{"epoch": 1}\n' + deep + '{"epoch": 2, "blob": "' + "x" * 300 + '"}\n'})
    code, out, err = _run(capsys, "--repo", str(root), "--format", "json", "--max-depth", "5",
                          "--max-line-bytes", "200")
    assert code == 1, err
    assert _findings(out) == [("m.ndjson", 2, "metrics/analysis-incomplete"),
                              ("m.ndjson", 3, "metrics/analysis-incomplete")]
    assert [f["severity"] for f in json.loads(out)["findings"]] == ["error", "error"]
    code, out, err = _run(capsys, "--repo", str(root), "--format", "json")
    assert code == 1 and _findings(out) == [("m.ndjson", 2, "metrics/schema-violation")], err


@pytest.mark.parametrize("value", ["0", "901"])
def test_max_depth_out_of_range_exits_2(make_repo, capsys, value):
    root = make_repo({"m.ndjson": '{"epoch": 1}\n'})
    code, out, err = _run(capsys, "--repo", str(root), "--max-depth", value)
    assert code == 2
    assert f"max-depth must be between 1 and 900 (got {value})" in err
