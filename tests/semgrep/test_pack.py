"""The rule pack: Semgrep's own tests, annotation counts, and agreement with the rule registry."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from governance_hooks.findings import Severity
from governance_hooks.semgrep import rules as registry
from governance_hooks.semgrep.migrations import migration_rule
from governance_hooks.semgrep.pack import load_rules, pack_dir, rule_files
from governance_hooks.semgrep.results import governance_rule_id, severity_of
from governance_hooks.semgrep.runner import semgrep_env

from ..conftest import PROJECT

PACK = pack_dir()
ANNOTATION = re.compile(r"#\s*(ruleid|ok):\s*([\w-]+)")

#: The rules the issue asks for, by family; the pack must hold exactly these.
EXPECTED_IDS = {
    "semgrep/torch-load-without-weights-only", "semgrep/pickle-load-untrusted", "semgrep/joblib-load-untrusted",
    "semgrep/numpy-load-allow-pickle", "semgrep/yaml-unsafe-load", "semgrep/shell-command-non-literal",
    "semgrep/eval-exec-non-literal", "semgrep/network-call-without-timeout", "semgrep/mlflow-remote-tracking-uri",
    "semgrep/wandb-online-mode", "semgrep/non-atomic-checkpoint-write", "semgrep/deprecated-import",
    "semgrep/yaml-full-load", "semgrep/torch-hub-load-untrusted-repo",
}


def semgrep_test(executable: str, folder: Path, tmp_path: Path) -> dict:
    """``semgrep --test --json`` on ``folder``: Semgrep's own annotation checker."""
    state = tmp_path / "semgrep-state"
    state.mkdir(exist_ok=True)
    proc = subprocess.run(
        [executable, "--test", "--json", "--metrics=off", "--disable-version-check", str(folder)],
        capture_output=True, text=True, env=semgrep_env(state), timeout=600,
    )
    return {"returncode": proc.returncode, "report": json.loads(proc.stdout)}


def test_top_level_semgrep_rules_is_the_shipped_pack():
    assert (PROJECT / "semgrep_rules").resolve() == PACK.resolve()


def test_semgrep_test_passes_on_every_rule(semgrep_exe, tmp_path):
    outcome = semgrep_test(semgrep_exe, PROJECT / "semgrep_rules", tmp_path)
    report = outcome["report"]
    checks = {rule: check for result in report["results"].values() for rule, check in result["checks"].items()}
    assert outcome["returncode"] == 0
    assert report["config_missing_tests"] == [] and report["config_with_errors"] == []
    assert sorted(checks) == sorted(rule["id"] for rule in load_rules(PACK))
    assert {rule: check["passed"] for rule, check in checks.items()} == {rule: True for rule in checks}
    # Not vacuous: Semgrep compared the annotated lines with the lines it matched.
    for rule, check in checks.items():
        (lines,) = check["matches"].values()
        assert len(lines["expected_lines"]) >= 2 and lines["reported_lines"] == lines["expected_lines"], rule


@pytest.mark.parametrize("rule_file", rule_files(PACK), ids=lambda p: p.stem)
def test_every_rule_has_two_hits_and_two_clean_cases(rule_file):
    target = rule_file.with_suffix(".py")
    counts = Counter(ANNOTATION.findall(target.read_text(encoding="utf-8")))
    ids = [rule["id"] for rule in yaml.safe_load(rule_file.read_text(encoding="utf-8"))["rules"]]
    for rule_id in ids:
        assert counts[("ruleid", rule_id)] >= 2, rule_id
        assert counts[("ok", rule_id)] >= 2, rule_id
    assert {name for _, name in counts} == set(ids)


def test_registry_names_every_pack_rule_with_its_severity():
    from_pack = {}
    for rule in load_rules(PACK):
        rule_id = governance_rule_id(rule["id"], rule.get("metadata"))
        from_pack.setdefault(rule_id, set()).add(severity_of(rule["severity"]))
    declared = {rule.id: rule.severity for rule in registry.RULES}
    assert set(from_pack) == EXPECTED_IDS
    assert set(declared) == EXPECTED_IDS | {"semgrep/analysis-incomplete"}
    assert {rule_id: severities for rule_id, severities in from_pack.items()} == {
        rule_id: {declared[rule_id]} for rule_id in from_pack
    }
    assert declared["semgrep/analysis-incomplete"] is Severity.ERROR  # not analysed is not shown safe


def test_builtin_migrations_are_exactly_what_the_generator_builds():
    (document,) = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in rule_files(PACK) if p.stem == "deprecated-import"]
    assert [rule["metadata"]["deprecated"] for rule in document["rules"]] == [
        "sklearn.externals.joblib", "torch.cuda.amp", "pkg_resources", "distutils",
    ]
    for rule in document["rules"]:
        meta = rule["metadata"]
        assert rule == migration_rule(meta["deprecated"], meta["replacement"], rule["id"], meta.get("reason"))
