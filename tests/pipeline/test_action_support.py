"""The Action's shell helpers: argument splitting and step outputs."""

from __future__ import annotations

import io
import json

from governance_hooks.pipeline import action_support


def test_split_args_honours_quotes_and_never_expands():
    out = io.StringIO()
    env = {"INPUT_EXTRA_ARGS": "--fail-on warning --config 'my config.toml' $(touch /tmp/pwned) *"}
    assert action_support.main(["split-args"], env, out) == 0
    assert out.getvalue().split("\0")[:-1] == [
        "--fail-on", "warning", "--config", "my config.toml", "$(touch", "/tmp/pwned)", "*",
    ]
    assert action_support.main(["split-args"], {"INPUT_EXTRA_ARGS": "'unbalanced"}, io.StringIO()) == 2


def test_outputs_from_the_audit_report(tmp_path):
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.json").write_text(json.dumps({"totals": {"error": 2, "warning": 3, "note": 1}}))
    sarif = tmp_path / "x.sarif"
    sarif.write_text("{}")
    output = tmp_path / "out"
    env = {"GOVERNANCE_REPORT_DIR": str(report), "GOVERNANCE_SARIF": str(sarif), "GOVERNANCE_EXIT_CODE": "1",
           "GITHUB_OUTPUT": str(output)}
    assert action_support.main(["outputs"], env) == 0
    assert _parse(output.read_text()) == {
        "findings": "6", "errors": "2", "exit-code": "1", "sarif-file": str(sarif),
        "report-file": str(report / "report.json"),
    }


def test_outputs_are_empty_when_the_run_failed_early(tmp_path):
    output = tmp_path / "out"
    env = {"GOVERNANCE_REPORT_DIR": str(tmp_path / "none"), "GOVERNANCE_SARIF": str(tmp_path / "none.sarif"),
           "GOVERNANCE_EXIT_CODE": "2", "GITHUB_OUTPUT": str(output)}
    assert action_support.main(["outputs"], env) == 0
    assert _parse(output.read_text()) == {"findings": "", "errors": "", "exit-code": "2", "sarif-file": "", "report-file": ""}


def test_a_value_cannot_forge_another_output():
    text = action_support.format_outputs({"sarif-file": "x\nerrors=0"})
    assert _parse(text) == {"sarif-file": "x\nerrors=0"}


def _parse(text):
    """Parse ``$GITHUB_OUTPUT`` as the runner does (``name=value`` or ``name<<DELIM``)."""
    values, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1:end])
            i = end + 1
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
            i += 1
        else:
            i += 1
    return values
