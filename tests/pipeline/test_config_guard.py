"""``run --changed-since``: a change that weakens [tool.governance-hooks] is an error naming what it weakens."""

from __future__ import annotations

import json

import pytest

from governance_hooks.cli import main
from governance_hooks.weakening import weakenings
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


@pytest.mark.parametrize("base, head, expected", [
    ({}, {"dialect": "gitlab"}, 'dialect changed from "auto" to "gitlab"'),
    ({"dialect": "github"}, {}, 'dialect changed from "github" to "auto"'),  # auto reads a [Section] the GitLab way
    ({"dialect": "gitlab"}, {"dialect": "github"}, 'dialect changed from "gitlab" to "github"'),
    ({}, {"dialect": "auto"}, None),
    ({"dialect": "gitlab"}, {"dialect": "gitlab"}, None),
])
def test_any_dialect_change_is_a_weakening(base, head, expected):
    # Each dialect skips a file or a reading another one checks, so no direction is safe.
    got = weakenings({"codeowners": base}, {"codeowners": head})
    assert got == ({"codeowners": [f"{expected}, so another file or another reading of it is checked"]}
                   if expected else {})


def test_fail_on_given_on_the_command_line_is_not_the_repositorys_to_weaken(make_repo, capsys):
    root = _pr(make_repo, BASE.replace('fail-on = "warning"', 'fail-on = "error"'))
    assert main(["run", "--repo", str(root), "--changed-since", "main", "--fail-on", "warning", "--quiet"]) == 0
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- limits, allow-lists, scope, datasets

_RAISED = "past this limit content is refused as an error; a higher one lets checked content claim more memory and time first"
_LOWERED = "past this limit content is not judged and does not block"


@pytest.mark.parametrize("base, head, expected", [
    ({}, {"metrics": {"max-line-bytes": 1 << 30}},
     {"metrics": [f"max-line-bytes raised from 16777216 to 1073741824 ({_RAISED})"]}),
    ({"metrics": {"max-depth": 100}}, {"metrics": {"max-depth": 2000}},
     {"metrics": [f"max-depth raised from 100 to 2000 ({_RAISED})"]}),
    ({}, {"checkpoint": {"max-decompressed-mb": 100_000}},
     {"checkpoint": [f"max-decompressed-mb raised from 512 to 100000 ({_RAISED})"]}),
    ({}, {"redos": {"min-degree": 4}},
     {"redos": ["min-degree raised from 2 to 4 (fewer polynomial backtracking regexes are reported)"]}),
    ({}, {"redos": {"analysis-timeout": 0.05}}, {"redos": [f"analysis-timeout lowered from 3 to 0.05 ({_LOWERED})"]}),
    ({}, {"semgrep": {"max-file-bytes": 10}}, {"semgrep": [f"max-file-bytes lowered from 1000000 to 10 ({_LOWERED})"]}),
    ({}, {"manifest": {"max-manifest-bytes": 1}}, {"manifest": [f"max-manifest-bytes lowered from 268435456 to 1 ({_LOWERED})"]}),
    ({}, {"policy": {"allow-unknown": True}}, {"policy": ["allow-unknown turned on, so more is accepted"]}),
    ({}, {"metrics": {"allow-nan": True}}, {"metrics": ["allow-nan turned on, so more is accepted"]}),
    ({}, {"checkpoint": {"allow-globals": ["os:system"]}}, {"checkpoint": ['allow-globals adds "os:system"']}),
    ({"codeowners": {"known-owners": ["@org/a"]}}, {"codeowners": {"known-owners": ["@org/a", "@evil"]}},
     {"codeowners": ['known-owners adds "@evil"']}),
    ({"codeowners": {"known-owners": ["@org/a"]}}, {"codeowners": {}},
     {"codeowners": ["known-owners removed (it listed 1 entry), so owners are no longer checked against a list"]}),
    ({"metrics": {"cross-checks": ["monotonic-step", "finite-loss"]}}, {"metrics": {"cross-checks": ["finite-loss"]}},
     {"metrics": ['cross-checks drops "monotonic-step", so less is checked']}),
    ({}, {"redos": {"schemas": []}}, {"redos": ['schemas drops "*.schema.json", so less is checked']}),
    ({"manifest": {"datasets": [{"manifest": "d/manifest.json", "root": "d"}]}},
     {"manifest": {"datasets": [{"manifest": "d/manifest.json", "root": "other"},
                                {"manifest": "x/manifest.json", "root": "y"}]}},
     {"manifest": ['datasets remaps "d/manifest.json" from "d" to "other"',
                   'datasets remaps "x/manifest.json" from its own folder to "y"']}),
    ({"manifest": {"datasets": [{"manifest": "d/manifest.json", "root": "d"}]}}, {"manifest": {}},
     {"manifest": ['datasets remaps "d/manifest.json" from "d" to its own folder']}),
])
def test_limits_allow_lists_scope_and_datasets_weakenings(base, head, expected):
    assert weakenings(base, head) == expected


@pytest.mark.parametrize("base, head", [
    ({}, {"metrics": {"max-line-bytes": 1 << 20, "max-depth": 64}}),  # lower error limits: stricter
    ({}, {"redos": {"min-degree": 2, "analysis-timeout": 10}}),  # more analysis time: more is judged
    ({}, {"semgrep": {"budget": 1200}}),
    ({}, {"policy": {"rlimit": 1000}}),  # undecided is an error: a lower rlimit only blocks more
    ({}, {"codeowners": {"known-owners": ["@org/a"]}}),  # a new owner list is a new check
    ({"checkpoint": {"allow-globals": ["collections:OrderedDict", "os:system"]}},
     {"checkpoint": {"allow-globals": ["collections:OrderedDict"]}}),
    ({"metrics": {"cross-checks": ["finite-loss"]}}, {"metrics": {"cross-checks": ["finite-loss", "monotonic-step"]}}),
    ({}, {"metrics": {"max-depth": "deep"}}),  # not a number: the check refuses it itself
])
def test_stricter_or_neutral_option_changes_are_not_weakenings(base, head):
    assert weakenings(base, head) == {}


def test_checkpoint_extensions_compared_with_the_default_list():
    from governance_hooks.checkpoint.runner import DEFAULT_EXTENSIONS
    from governance_hooks.weakening import CHECKPOINT_EXTENSIONS

    assert CHECKPOINT_EXTENSIONS == DEFAULT_EXTENSIONS  # the guard keeps its own copy (runners do not import checks)
    assert weakenings({}, {"checkpoint": {"extensions": [e.upper() for e in DEFAULT_EXTENSIONS]}}) == {}

    assert weakenings({}, {"checkpoint": {"extensions": list(DEFAULT_EXTENSIONS)}}) == {}
    reason = weakenings({}, {"checkpoint": {"extensions": [e for e in DEFAULT_EXTENSIONS if e != ".pkl"]}})
    assert reason == {"checkpoint": ['extensions drops ".pkl", so less is checked']}


def test_limit_defaults_are_the_checks_own():
    from governance_hooks.checkpoint.runner import Settings
    from governance_hooks.manifest.command import DEFAULT_MAX_MANIFEST_BYTES
    from governance_hooks.metrics.backends import MAX_DEPTH
    from governance_hooks.weakening import LIMITS, SCOPE_LISTS
    from governance_hooks.redos.scan import Options
    from governance_hooks.semgrep import command as semgrep_command

    settings, redos = Settings(), Options()
    assert {k: d for k, (_, d) in LIMITS["checkpoint"].items()} == {
        "max-opcodes": settings.max_opcodes, "opcodes-per-mb": settings.opcodes_per_mb,
        "max-decompressed-mb": settings.max_decompressed >> 20, "max-ratio": settings.max_ratio,
        "ratio-floor-mb": settings.ratio_floor >> 20}
    assert {k: d for k, (_, d) in LIMITS["redos"].items()} == {
        "min-degree": redos.min_degree, "analysis-timeout": redos.analysis_timeout,
        "confirm-timeout": redos.confirm_timeout, "max-states": redos.max_states}
    assert SCOPE_LISTS["redos"]["schemas"] == redos.schemas
    assert LIMITS["metrics"]["max-depth"][1] == MAX_DEPTH
    assert LIMITS["manifest"]["max-manifest-bytes"][1] == DEFAULT_MAX_MANIFEST_BYTES
    assert {k: d for k, (_, d) in LIMITS["semgrep"].items()} == {
        "timeout": semgrep_command.DEFAULT_TIMEOUT, "budget": semgrep_command.DEFAULT_BUDGET,
        "max-file-bytes": semgrep_command.DEFAULT_MAX_FILE_BYTES}


def test_a_raised_metrics_limit_in_a_pull_request_is_an_error(make_repo, capsys):
    head = BASE.replace('checks = ["codeowners", "redos"]', 'checks = ["codeowners", "redos", "metrics"]') + (
        "[tool.governance-hooks.metrics]\nmax-line-bytes = 1073741824\n")
    base = BASE.replace('checks = ["codeowners", "redos"]', 'checks = ["codeowners", "redos", "metrics"]')
    root = make_repo({"pyproject.toml": base, ".github/CODEOWNERS": "* @octo\n", "runs/a.ndjson": '{"epoch": 1}\n'})
    git(root, "checkout", "-q", "-b", "pr")
    (root / "pyproject.toml").write_text(head, encoding="utf-8")
    git(root, "commit", "-qam", "raise the line limit")
    code, weakened = _run(root, capsys)
    assert code == 1
    assert weakened == [("metrics/configuration-weakened", "pyproject.toml",
                         "this change weakens the metrics check: max-line-bytes raised from 16777216 to 1073741824 "
                         f"({_RAISED})")]
