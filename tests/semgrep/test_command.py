"""``governance-hooks semgrep`` end to end: configuration, Semgrep offline, findings, exit codes."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest
import yaml

from governance_hooks import cli
from governance_hooks.check import Context
from governance_hooks.config import load as load_config
from governance_hooks.semgrep import command
from governance_hooks.semgrep.pack import load_rules, pack_dir

from .proxy import PROXY_VARIABLES, ProxyRecorder

PYPROJECT = """\
[tool.governance-hooks.semgrep]
exclude = ["vendor"]
migrations = {"acme.tokenization" = "acme_text.tokenizers"}
"""

TRAIN = """\
import pickle
import torch

def resume(path, blob):
    state = torch.load(path)
    cache = pickle.loads(blob)  # governance: ignore[semgrep/pickle-load-untrusted]
    return state, cache
"""

CLEAN = """\
import torch

def resume(path):
    return torch.load(path, weights_only=True)
"""

LEGACY = """\
from acme.tokenization import WordPiece
from distutils.util import strtobool
"""


@pytest.fixture
def repo(make_repo):
    return make_repo({
        "pyproject.toml": PYPROJECT,
        "src/train.py": TRAIN,
        "src/clean.py": CLEAN,
        "src/legacy.py": LEGACY,
        "vendor/third_party.py": "import pickle\npickle.loads(data)\n",
        "src/broken.py": b"import pickle\x00\npickle.loads(blob)\n",  # a NUL byte: Semgrep parses it only partly
        "src/latin1.py": b"# caf\xe9 (Latin-1, not UTF-8)\nimport yaml\nyaml.load(text)\n",
        "README.md": "torch.load(x)\n",
    })


def run_json(capsys, *argv):
    code = cli.main(["semgrep", "--format", "json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else None, captured.err


def test_whole_repository_offline_with_migrations_exclude_and_suppression(repo, capsys, monkeypatch, tmp_path, semgrep_exe):
    # Every request would go through a recording proxy, and HOME is read-only: Semgrep must use neither.
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with ProxyRecorder() as proxy:
        for variable in PROXY_VARIABLES:
            monkeypatch.setenv(variable, proxy.url)
        code, report, err = run_json(capsys, "--repo", str(repo))
    assert proxy.requests == []
    assert (code, err) == (1, "")
    assert [(f["rule_id"], f["severity"], f["path"], f["line"], f["column"], f["end_line"], f["end_column"])
            for f in report["findings"]] == [
        ("semgrep/analysis-incomplete", "error", "src/broken.py", 1, None, None, None),
        ("semgrep/yaml-unsafe-load", "error", "src/latin1.py", 3, 1, 3, 16),
        ("semgrep/deprecated-import", "warning", "src/legacy.py", 1, 1, 1, 40),
        ("semgrep/deprecated-import", "warning", "src/legacy.py", 2, 1, 2, 37),
        ("semgrep/torch-load-without-weights-only", "error", "src/train.py", 5, 13, 5, 29),
    ]
    broken, _, first, second, third = report["findings"]
    # Semgrep 1.x stops parsing at a NUL byte without an error: the check says so itself.
    assert broken["message"] == (
        "Semgrep could not fully analyse this file (a NUL byte: Semgrep stops parsing there); "
        "findings in it may be missing.")
    assert first["message"] == "`acme.tokenization` is a deprecated import path; use acme_text.tokenizers instead."
    assert first["suggestion"] == "Use acme_text.tokenizers instead."
    assert second["suggestion"] == "Use setuptools or packaging instead."
    assert third["evidence"] == {"semgrep_rule": "torch-load-without-weights-only", "code": "state = torch.load(path)"}
    summary = report["summary"]["semgrep"]
    assert {k: summary[k] for k in ("error", "warning", "note", "files", "suppressed", "rules")} == {
        "error": 3, "warning": 2, "note": 0, "files": 5, "suppressed": 1, "rules": 19,
    }
    assert os.listdir(home) == []


def test_pipeline_restriction_and_the_offline_command_line(repo, monkeypatch, tmp_path):
    """A stand-in semgrep records its argv and environment: offline flags, our pack, only the changed file."""
    record = tmp_path / "record.json"
    fake = tmp_path / "semgrep"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "rules = open(sys.argv[sys.argv.index('--config') + 1]).read()\n"
        f"open({str(record)!r}, 'w').write(json.dumps({{'argv': sys.argv[1:], 'env': dict(os.environ), 'rules': rules}}))\n"
        "print(json.dumps({'version': '9.9.9', 'results': [], 'errors': [], 'paths': {'scanned': sys.argv[-1:]}}))\n"
    )
    fake.chmod(0o755)
    monkeypatch.setattr("governance_hooks.semgrep.runner.find_semgrep", lambda: str(fake))
    monkeypatch.setenv("SEMGREP_APP_TOKEN", "secret")
    config = load_config(None, repo)
    args = cli.build_parser().parse_args(["semgrep"])
    ctx = Context(root=repo, config=config, check="semgrep", changed_files=["src/clean.py", "README.md"])
    result = command.run(args, ctx)
    assert (result.findings, result.inputs, result.stats["files"], result.skipped) == ([], ["src/clean.py"], 1, None)
    seen = json.loads(record.read_text())
    argv, env = seen["argv"], seen["env"]
    assert argv.count("--config") == 1 and argv[argv.index("--config") + 1].endswith("rules.yaml")
    assert argv[:argv.index("--config")] == [
        "scan", "--experimental", "--json", "--quiet", "--metrics=off", "--disable-version-check", "--no-git-ignore",
        "--timeout", "10", "--timeout-threshold", "3",
    ]
    assert argv[-2:] == ["--", "src/clean.py"]
    # One rules file: the shipped pack, then the repository's migrations.
    ids = [rule["id"] for rule in yaml.safe_load(seen["rules"])["rules"]]
    assert ids == [rule["id"] for rule in load_rules(pack_dir())] + ["deprecated-import-config-acme-tokenization"]
    assert (env["SEMGREP_ENABLE_VERSION_CHECK"], env["SEMGREP_SEND_METRICS"]) == ("0", "off")
    assert "SEMGREP_APP_TOKEN" not in env
    assert result.stats["semgrep_version"] == "9.9.9"


def test_budget_exhausted_reports_every_unscanned_file(repo, capsys, semgrep_exe):
    code, report, _ = run_json(capsys, "--repo", str(repo), "--budget", "0.01")
    assert code == 1  # not analysed is not shown safe
    assert [(f["rule_id"], f["severity"], f["path"], f["message"]) for f in report["findings"]
            if "budget" in f["message"]] == [
        ("semgrep/analysis-incomplete", "error", path,
         f"Semgrep could not fully analyse this file ({also}the scan's 0.01 s budget ran out); "
         "findings in it may be missing.")
        for path, also in (("src/broken.py", "a NUL byte: Semgrep stops parsing there; "),  # one finding per file
                           ("src/clean.py", ""), ("src/latin1.py", ""), ("src/legacy.py", ""), ("src/train.py", ""))
    ]


def test_without_semgrep_the_check_is_skipped_with_the_reason(repo, capsys, monkeypatch):
    monkeypatch.setattr("governance_hooks.semgrep.runner.find_semgrep", lambda: None)
    code, report, _ = run_json(capsys, "--repo", str(repo))
    assert code == 0 and report["findings"] == []
    assert report["summary"]["semgrep"]["status"] == "skipped"
    assert report["summary"]["semgrep"]["reason"] == "semgrep is not installed: install governance-hooks with its semgrep extra, e.g. pip install -e '.[semgrep]' in a checkout"


def test_a_semgrep_that_fails_is_exit_2_with_one_line(repo, capsys, monkeypatch, tmp_path):
    fake = tmp_path / "semgrep"
    fake.write_text("#!/bin/sh\necho 'Fatal error: out of cheese' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr("governance_hooks.semgrep.runner.find_semgrep", lambda: str(fake))
    code = cli.main(["semgrep", "--repo", str(repo)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.endswith(": semgrep failed: Fatal error: out of cheese\n") and err.count("\n") == 1


@pytest.mark.parametrize("table, problem", [
    ('exclude = "vendor"', "[tool.governance-hooks.semgrep] exclude must be a list of globs"),
    ("timeout = 0", "[tool.governance-hooks.semgrep] timeout must be a positive number"),
    ("max-file-bytes = 1.5", "[tool.governance-hooks.semgrep] max-file-bytes must be a positive integer"),
    ('migrations = {"acme tokenization" = "x"}',
     "[tool.governance-hooks.semgrep] migrations: 'acme tokenization' is not a dotted module path"),
    ("rules = []", "unknown key 'rules' in [tool.governance-hooks.semgrep] "
                   "(known: budget, exclude, ignore, jobs, max-file-bytes, migrations, timeout)"),
])
def test_bad_configuration_is_exit_2_naming_the_file(make_repo, capsys, table, problem):
    repo = make_repo({"pyproject.toml": f"[tool.governance-hooks.semgrep]\n{table}\n", "a.py": "x = 1\n"})
    code = cli.main(["semgrep", "--repo", str(repo)])
    assert (code, capsys.readouterr().err) == (2, f"governance-hooks: error: {repo / 'pyproject.toml'}: {problem}\n")


def test_a_nul_byte_file_gets_one_reason_whether_or_not_semgrep_also_reports_a_parse_error(repo, capsys, monkeypatch):
    from governance_hooks.semgrep import runner

    def scan_reporting(errors):
        def fake_scan(executable, configs, targets, cwd, state_dir, **kwargs):
            return runner.ScanOutput(errors=errors, scanned=list(targets), version="9.9.9")
        return fake_scan

    monkeypatch.setattr("governance_hooks.semgrep.runner.find_semgrep", lambda: "/bin/true")
    messages = []
    for errors in ([], [{"path": "src/broken.py", "type": ["PartialParsing", []], "level": "warn"}]):
        monkeypatch.setattr("governance_hooks.semgrep.runner.scan", scan_reporting(errors))
        code, report, _ = run_json(capsys, "--repo", str(repo))
        messages.append([(f["path"], f["message"]) for f in report["findings"]
                         if f["rule_id"] == "semgrep/analysis-incomplete"])
    assert messages[0] == messages[1] == [
        ("src/broken.py", "Semgrep could not fully analyse this file (a NUL byte: Semgrep stops parsing there); "
                          "findings in it may be missing.")]
