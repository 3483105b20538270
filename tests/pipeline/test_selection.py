"""Which checks run: --checks, then the configuration, then discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance_hooks.config import Config
from governance_hooks.errors import ToolError
from governance_hooks.pipeline import selection
from governance_hooks.rules import CHECKS


@pytest.fixture(autouse=True)
def all_available(monkeypatch):
    monkeypatch.setattr(selection, "available", lambda check: check != "semgrep")


def _skips(selections):
    return {s.check: s.skip for s in selections}


def test_discovery_on_a_typical_ml_repository():
    files = [".github/CODEOWNERS", "train.py", "logs/run1.ndjson", "data/manifest.json", "ckpt/model.safetensors"]
    assert _skips(selection.select(None, Config(), lambda: files)) == {
        "codeowners": None, "redos": None, "metrics": None, "policy": "no .governance/policy.yaml",
        "manifest": None, "checkpoint": None, "semgrep": "not available in this installation",
    }


def test_discovery_on_an_empty_repository_names_what_is_missing():
    assert _skips(selection.select(None, Config(), lambda: ["README.md", "docs/CODEOWNERS.md", "a.sha256sum.txt"])) == {
        "codeowners": "no CODEOWNERS file", "redos": "no Python or JSON Schema files",
        "metrics": "no *.ndjson or *.jsonl files", "policy": "no .governance/policy.yaml",
        "manifest": "no dataset manifest (manifest.json, SHA256SUMS, *.sha256sum)", "checkpoint": "no checkpoint or pickle files",
        "semgrep": "not available in this installation",
    }


def test_a_configured_check_runs_without_discovery_and_the_list_is_lazy():
    calls = []
    config = Config(checks={"policy": {"policy": "p.yaml"}})
    result = _skips(selection.select(None, config, lambda: calls.append(1) or [".governance/policy.yml"]))
    assert result["policy"] is None and calls == [1]
    only = _skips(selection.select(["metrics"], config, lambda: calls.append(2) or []))
    assert only["metrics"] is None and only["policy"] == "not in the selected checks" and calls == [1]


def test_checks_from_configuration_top_level_or_run_table():
    assert selection.configured_checks(Config(settings={"checks": ["redos", "codeowners"]})) == ["codeowners", "redos"]
    assert selection.configured_checks(Config(settings={"run": {"checks": ["metrics"]}})) == ["metrics"]
    assert selection.configured_checks(Config()) is None


@pytest.mark.parametrize("settings, message", [
    ({"checks": "redos"}, "checks must be a list of check names"),
    ({"checks": ["redos", "nope"]}, "unknown check 'nope'"),
    ({"run": {"bogus": 1}}, "unknown key 'bogus' in [tool.governance-hooks.run]"),
    ({"run": []}, "run must be a table"),
])
def test_bad_configuration_is_a_tool_error(settings, message):
    with pytest.raises(ToolError) as exc:
        selection.configured_checks(Config(source=Path("pyproject.toml"), settings=settings))
    assert message in str(exc.value)


def test_check_list_parsing_orders_and_validates():
    assert selection.parse_check_list("semgrep, codeowners", "--checks") == ["codeowners", "semgrep"]
    with pytest.raises(ToolError, match="--checks: unknown check ''"):
        selection.parse_check_list("redos,", "--checks")


@pytest.mark.parametrize("path, check", [
    ("data/SHA256SUMS", "manifest"), ("shards.sha256sum", "manifest"), ("schemas/event.json", "redos"),
    ("stubs/x.pyi", "semgrep"), (".gitlab/CODEOWNERS", "codeowners"), (".governance/policy.smt2", "policy"),
    ("logs/a.jsonl.gz", "metrics"), ("m/model.safetensors", "checkpoint"),
])
def test_each_kind_of_file_enables_its_check(path, check, monkeypatch):
    monkeypatch.setattr(selection, "available", lambda c: True)
    assert _skips(selection.select(None, Config(), lambda: [path]))[check] is None


def test_every_check_has_a_discovery_rule():
    assert set(selection.DISCOVERY) == set(CHECKS)
