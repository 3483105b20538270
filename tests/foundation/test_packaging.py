"""Packaging for the three uses: the pre-commit manifest and the console scripts."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
import yaml

from ..conftest import PROJECT


def _manifest():
    return yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_pre_commit_validate_manifest():
    pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")
    out = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(PROJECT / ".pre-commit-hooks.yaml")],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_hook_entry_is_a_console_script_of_this_package():
    scripts = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["scripts"]
    hooks = _manifest()
    assert [h["id"] for h in hooks] == [
        "codeowners", "redos", "metrics-ndjson", "network-policy", "dataset-manifest", "checkpoints", "semgrep-governance",
    ]
    for hook in hooks:
        assert hook["entry"].split()[0] in scripts, hook["id"]
        assert hook["language"] == "python"


def test_codeowners_hook_sees_the_whole_tree():
    hook = next(h for h in _manifest() if h["id"] == "codeowners")
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True


def test_readme_rule_tables_match_the_registry():
    from governance_hooks.rules_doc import replace_section

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert replace_section(readme) == readme, "run: python -m governance_hooks.rules_doc README.md"


def test_the_project_passes_its_own_redos_check():
    """Our own regexes are held to the standard we sell (configuration in pyproject.toml)."""
    out = subprocess.run(
        [sys.executable, "-m", "governance_hooks", "redos", "--repo", str(PROJECT), "--format", "json",
         "src", "tests", "bench"],
        capture_output=True, text=True, cwd=PROJECT,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr
