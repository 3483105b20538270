"""``run --changed-since``: a change that weakens [tool.governance-hooks] is an error naming what it weakens."""

from __future__ import annotations

import json

import pytest

from governance_hooks.cli import main
from governance_hooks.pipeline.config_guard import weakenings
from tests.conftest import git

BASE = """[tool.governance-hooks]
fail-on = "warning"
checks = ["codeowners", "redos"]
[tool.governance-hooks.codeowners]
require-owner = true
[tool.governance-hooks.redos]
ignore = ["redos/polynomial-backtracking"]
"""


def _pr(make_repo, head: str):
    root = make_repo({"pyproject.toml": BASE, ".github/CODEOWNERS": "* @octo\n", "app.py": "x = 1\n"})
    git(root, "checkout", "-q", "-b", "pr")
    (root / "pyproject.toml").write_text(head, encoding="utf-8")
    git(root, "commit", "-qam", "change config")
    return root


def _run(root, capsys):
    code = main(["run", "--repo", str(root), "--changed-since", "main", "--format", "json"])
    out = capsys.readouterr().out
    return code, [(f["rule_id"], f["path"], f["message"]) for f in json.loads(out)["findings"]
                  if f["rule_id"].endswith("/configuration-weakened")]


@pytest.mark.parametrize("head, expected", [
    (BASE.replace('ignore = ["redos/polynomial-backtracking"]', 'ignore = ["redos/polynomial-backtracking", "redos/*"]'),
     [("redos/configuration-weakened", "pyproject.toml", 'this change weakens the redos check: ignore adds "redos/*"')]),
    (BASE.replace('fail-on = "warning"', 'fail-on = "error"'),
     [("codeowners/configuration-weakened", "pyproject.toml",
       "this change weakens the codeowners check: fail-on raised from warning to error, so fewer findings block"),
      ("redos/configuration-weakened", "pyproject.toml",
       "this change weakens the redos check: fail-on raised from warning to error, so fewer findings block")]),
    (BASE.replace('checks = ["codeowners", "redos"]', 'checks = ["redos"]'),
     [("codeowners/configuration-weakened", "pyproject.toml",
       "this change weakens the codeowners check: checks no longer lists codeowners, so it does not run")]),
    (BASE.replace("require-owner = true", "require-owner = false"),
     [("codeowners/configuration-weakened", "pyproject.toml",
       "this change weakens the codeowners check: require-owner turned off (was true)")]),
    (BASE.replace('fail-on = "warning"', 'fail-on = "note"'), []),  # stricter: not a weakening
])
def test_weakening_changes_are_errors(make_repo, capsys, head, expected):
    root = _pr(make_repo, head)
    code, weakened = _run(root, capsys)
    assert weakened == expected
    assert code == (1 if expected else 0)


def test_an_ignore_of_the_weakening_rule_itself_does_not_hide_it(make_repo, capsys):
    head = BASE.replace('ignore = ["redos/polynomial-backtracking"]',
                        'ignore = ["redos/polynomial-backtracking", "redos/configuration-weakened"]')
    code, weakened = _run(_pr(make_repo, head), capsys)
    assert code == 1
    assert weakened == [("redos/configuration-weakened", "pyproject.toml",
                         'this change weakens the redos check: ignore adds "redos/configuration-weakened"')]


def test_pure_comparison_of_exclude_entries():
    assert weakenings({"metrics": {"exclude": ["a/**"]}}, {"metrics": {"exclude": ["a/**", "logs/**"]}}) == {
        "metrics": ['exclude adds "logs/**"']}
    assert weakenings({"metrics": {"exclude": ["a/**", "b"]}}, {"metrics": {"exclude": ["a/**"]}}) == {}
