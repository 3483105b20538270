"""The repository's own [tool.governance-hooks] is hostile input (a pull request can change it).

Its ``dialect`` cannot leave the CODEOWNERS file a host reads unchecked, and ``codeowners --changed-since``
/ ``--base`` (and the pre-commit entry with them) review the configuration as ``run --changed-since`` does.
"""

from __future__ import annotations

import io
import json

import pytest

from governance_hooks.cli import codeowners_main, main
from tests.conftest import git

GITLAB = '[tool.governance-hooks.codeowners]\ndialect = "gitlab"\n'
GITHUB = '[tool.governance-hooks.codeowners]\ndialect = "github"\n'
SKIPPED_GITHUB = ('GitHub reads `.github/CODEOWNERS`, but the repository configuration sets dialect = "gitlab", '
                  "whose search order skips it, so it was not checked")


def _json(capsys, *argv):
    code = main([*argv, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _brief(report):
    return [(f["rule_id"], f["severity"], f["path"], f["message"]) for f in report["findings"]]


# --------------------------------------------------------------------------- dialect from the repository


def test_configured_gitlab_dialect_does_not_hide_the_github_file(make_repo, capsys):
    # The hostile case: the pull request's configuration picks GitLab's order, which skips .github/.
    repo = make_repo({"pyproject.toml": GITLAB, ".github/CODEOWNERS": "* @a\n!src/ @x\n", "src/a.py": "x\n"})
    code, report, err = _json(capsys, "codeowners", "--repo", str(repo))
    assert (code, err) == (1, "")
    assert _brief(report) == [
        ("codeowners/missing-file", "note", "",
         "no CODEOWNERS file in the root, docs/ or .gitlab/ (`.github/CODEOWNERS` is not in this search order)"),
        ("codeowners/skipped-file", "error", ".github/CODEOWNERS", SKIPPED_GITHUB),
    ]
    assert report["findings"][1]["evidence"] == {"dialect": "gitlab", "in_effect": None}


def test_configured_gitlab_dialect_with_a_root_file_still_reports_the_github_file(make_repo, capsys):
    repo = make_repo({"pyproject.toml": GITLAB, ".github/CODEOWNERS": "* @a\n", "CODEOWNERS": "* @b\n",
                      "src/a.py": "x\n"})
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert code == 1
    assert _brief(report) == [("codeowners/skipped-file", "error", ".github/CODEOWNERS", SKIPPED_GITHUB)]
    assert report["findings"][0]["evidence"] == {"dialect": "gitlab", "in_effect": "CODEOWNERS"}
    assert report["summary"]["codeowners"]["dialect"] == "gitlab"


def test_configured_github_dialect_does_not_hide_the_gitlab_file(make_repo, capsys):
    repo = make_repo({"pyproject.toml": GITHUB, ".gitlab/CODEOWNERS": "[Core] @core\nsrc/\n", "src/a.py": "x\n"})
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert code == 1
    assert _brief(report) == [
        ("codeowners/missing-file", "note", "",
         "no CODEOWNERS file in .github/, the root or docs/ (`.gitlab/CODEOWNERS` is not in this search order)"),
        ("codeowners/skipped-file", "error", ".gitlab/CODEOWNERS",
         'GitLab reads `.gitlab/CODEOWNERS`, but the repository configuration sets dialect = "github", whose search '
         "order skips it, so it was not checked"),
    ]


@pytest.mark.parametrize("files, findings", [
    ({"CODEOWNERS": "[Core] @core\nsrc/\n"}, []),
    ({"docs/CODEOWNERS": "[Core] @core\nsrc/\n"}, []),
    ({".gitlab/CODEOWNERS": "[Core] @core\nsrc/\n"}, []),
    ({"CODEOWNERS": "[Core] @core\nsrc/\n", ".gitlab/CODEOWNERS": "* @x\n"},
     [("codeowners/multiple-files", "warning", ".gitlab/CODEOWNERS",
       "GitLab uses `CODEOWNERS`; this CODEOWNERS file is ignored")]),
])
def test_gitlab_repositories_with_a_configured_dialect_keep_working(make_repo, capsys, files, findings):
    repo = make_repo({"pyproject.toml": GITLAB, "src/a.py": "x\n", **files})
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert (code, _brief(report)) == (0, findings)
    assert report["summary"]["codeowners"]["dialect"] == "gitlab"


def test_the_command_line_and_an_operators_config_choose_the_host(make_repo, capsys, tmp_path):
    repo = make_repo({".github/CODEOWNERS": "* @a\n", "src/a.py": "x\n"})
    # --dialect is trusted: GitLab does not read .github/, and the note says the file is there.
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo), "--dialect", "gitlab")
    assert (code, _brief(report)) == (0, [
        ("codeowners/missing-file", "note", "",
         "no CODEOWNERS file in the root, docs/ or .gitlab/ (`.github/CODEOWNERS` is not in this search order)")])
    operator = tmp_path / "operator.toml"
    operator.write_text(GITLAB, encoding="utf-8")
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo), "--config", str(operator))
    assert (code, [f["rule_id"] for f in report["findings"]]) == (0, ["codeowners/missing-file"])


def test_who_refuses_to_answer_from_a_file_the_host_does_not_read(make_repo, capsys):
    repo = make_repo({"pyproject.toml": GITLAB, ".github/CODEOWNERS": "* @a\n", "CODEOWNERS": "* @b\n",
                      "src/a.py": "x\n"})
    code = main(["codeowners", "--repo", str(repo), "--who", "src/a.py"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"governance-hooks: error: {SKIPPED_GITHUB}; pass --dialect on the command line\n"


# --------------------------------------------------------------------------- --changed-since / --base review


BASE = """[tool.governance-hooks]
fail-on = "warning"
checks = ["codeowners"]
[tool.governance-hooks.codeowners]
require-owner = true
known-owners = ["@a"]
"""


def _pr(make_repo, head: str, codeowners: str = "* @a\n"):
    """A repository whose branch ``pr`` changes pyproject.toml to ``head`` (and CODEOWNERS to ``codeowners``)."""
    root = make_repo({"pyproject.toml": BASE, ".github/CODEOWNERS": "* @a\n", "src/a.py": "x\n"})
    git(root, "checkout", "-q", "-b", "pr")
    (root / "pyproject.toml").write_text(head, encoding="utf-8")
    (root / ".github" / "CODEOWNERS").write_text(codeowners, encoding="utf-8")
    git(root, "commit", "-qam", "change")
    return root


def _weakened(report):
    return [(f["path"], f["message"]) for f in report["findings"] if f["rule_id"] == "codeowners/configuration-weakened"]


def _msg(reasons: str):
    return [("pyproject.toml", f"this change weakens the codeowners check: {reasons}")]


CASES = [
    (BASE.replace("require-owner = true", 'require-owner = true\nignore = ["codeowners/invalid-pattern"]'),
     _msg('ignore adds "codeowners/invalid-pattern"')),
    (BASE.replace("require-owner = true", "require-owner = false"), _msg("require-owner turned off (was true)")),
    (BASE.replace('fail-on = "warning"', 'fail-on = "error"'),
     _msg("fail-on raised from warning to error, so fewer findings block")),
    (BASE.replace("require-owner = true", 'require-owner = true\ndialect = "github"'),
     _msg('dialect changed from "auto" to "github", so another file or another reading of it is checked')),
    (BASE.replace('["@a"]', '["@a", "@b"]'), _msg('known-owners adds "@b"')),
    (BASE.replace('fail-on = "warning"', 'fail-on = "note"'), []),  # stricter
]


@pytest.mark.parametrize("head, expected", CASES)
def test_changed_since_and_base_review_the_configuration_as_run_does(make_repo, capsys, head, expected):
    root = _pr(make_repo, head)
    _, run_report, _ = _json(capsys, "run", "--repo", str(root), "--changed-since", "main")
    assert _weakened(run_report) == expected
    for option in ("--changed-since", "--base"):
        code, report, err = _json(capsys, "codeowners", "--repo", str(root), option, "main")
        assert (_weakened(report), err) == (expected, "")
        assert code == (1 if expected else 0)


def test_the_subcommand_finds_what_the_repro_hid(make_repo, capsys):
    # Two lines GitHub skips, and the ignore entries that would silence them.
    head = BASE.replace("require-owner = true", 'require-owner = true\n'
                        'ignore = ["codeowners/invalid-pattern", "codeowners/run-together-owners"]')
    root = _pr(make_repo, head, "* @a\n!src/ @a\n/src/ @a@a\n")
    code = main(["codeowners", "--repo", str(root), "--changed-since", "main"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[0] == (
        'pyproject.toml: error codeowners/configuration-weakened this change weakens the codeowners check: ignore adds '
        '"codeowners/invalid-pattern", "codeowners/run-together-owners"')
    # The pre-commit entry with the same options.
    assert codeowners_main(["--repo", str(root), "--base", "main", "--quiet"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == out.splitlines()[0]


def test_a_dialect_change_that_hides_the_github_file_fails_twice(make_repo, capsys):
    root = _pr(make_repo, BASE + 'dialect = "gitlab"\n', "* @a\n!src/ @a\n")
    code, report, _ = _json(capsys, "codeowners", "--repo", str(root), "--changed-since", "main")
    assert code == 1
    # require-owner is configured, so the missing file (in GitLab's order) is an error too.
    assert sorted(f["rule_id"] for f in report["findings"] if f["severity"] == "error") == [
        "codeowners/configuration-weakened", "codeowners/missing-file", "codeowners/skipped-file"]
    assert _weakened(report) == _msg(
        'dialect changed from "auto" to "gitlab", so another file or another reading of it is checked')


def test_an_ignore_of_the_weakening_rule_does_not_hide_it(make_repo, capsys):
    head = BASE.replace("require-owner = true", 'require-owner = true\nignore = ["codeowners/*"]')
    code, report, _ = _json(capsys, "codeowners", "--repo", str(_pr(make_repo, head)), "--base", "main")
    assert code == 1
    assert _weakened(report) == _msg('ignore adds "codeowners/*"')


def test_checks_and_keys_the_command_line_sets_are_not_the_repositorys_to_weaken(make_repo, capsys):
    head = (BASE.replace('checks = ["codeowners"]', 'checks = ["redos"]')
            .replace('fail-on = "warning"', 'fail-on = "error"')
            .replace("require-owner = true", 'require-owner = false\ndialect = "github"'))
    root = _pr(make_repo, head)
    # `checks` selects what `run` runs; --fail-on, --require-owner and --dialect replace the repository's values.
    code, report, _ = _json(capsys, "codeowners", "--repo", str(root), "--changed-since", "main", "--fail-on",
                            "warning", "--require-owner", "--dialect", "github")
    assert (code, _weakened(report)) == (0, [])
    code, report, _ = _json(capsys, "codeowners", "--repo", str(root), "--changed-since", "main")
    assert _weakened(report) == _msg("fail-on raised from warning to error, so fewer findings block; require-owner "
                                     'turned off (was true); dialect changed from "auto" to "github", so another file '
                                     "or another reading of it is checked")
    # run: `checks` counts (codeowners no longer runs); with --fail-on, fail-on is the command line's.
    _, report, _ = _json(capsys, "run", "--repo", str(root), "--changed-since", "main", "--fail-on", "warning")
    assert _weakened(report) == _msg("checks no longer lists codeowners, so it does not run; require-owner turned "
                                     'off (was true); dialect changed from "auto" to "github", so another file or '
                                     "another reading of it is checked")


def test_queries_and_runs_without_a_base_are_not_reviewed(make_repo, capsys, tmp_path):
    head = BASE.replace("require-owner = true", 'require-owner = true\nignore = ["codeowners/unowned-file"]')
    root = _pr(make_repo, head)
    assert main(["codeowners", "--repo", str(root), "--changed-since", "main", "--who", "src/a.py"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "src/a.py: @a (line 1)"
    code, report, _ = _json(capsys, "codeowners", "--repo", str(root))
    assert (code, _weakened(report)) == (0, [])
    # An operator's --config outside the repository is trusted, not reviewed.
    operator = tmp_path / "operator.toml"
    operator.write_text(head, encoding="utf-8")
    code, report, _ = _json(capsys, "codeowners", "--repo", str(root), "--base", "main", "--config", str(operator))
    assert (code, _weakened(report)) == (0, [])


# --------------------------------------------------------------------------- the host from the environment

SECTIONED = "[Sec] @a\n!x @b\n* @c\n"


@pytest.mark.parametrize("environ, expected_code, expected", [
    ({}, 0, []),  # no host named: a `[Section]` makes the root file GitLab's
    ({"GITHUB_ACTIONS": "true"}, 1, [("codeowners/invalid-pattern", 1), ("codeowners/invalid-pattern", 2)]),
    ({"GITLAB_CI": "true"}, 0, []),
    ({"GITHUB_ACTIONS": "true", "GITLAB_CI": "true"}, 0, []),  # both named: content decides, as without either
])
def test_the_runner_names_the_host_so_a_section_line_cannot_switch_the_rules(
        make_repo, capsys, monkeypatch, environ, expected_code, expected):
    for name in ("GITHUB_ACTIONS", "GITLAB_CI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    repo = make_repo({"CODEOWNERS": SECTIONED, "x": "x\n"})
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert code == expected_code
    assert [(f["rule_id"], f["line"]) for f in report["findings"]
            if f["rule_id"] != "codeowners/unmatched-pattern"] == expected


def test_the_lean_who_path_takes_the_host_from_the_environment_too(make_repo, capsys, monkeypatch):
    from governance_hooks.codeowners.who import quick
    from governance_hooks.front import main as front_main

    monkeypatch.delenv("GITLAB_CI", raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    repo = make_repo({"CODEOWNERS": SECTIONED, "x": "x\n"})
    argv = ["codeowners", "--repo", str(repo), "--who", "x"]
    lean = io.StringIO()
    assert quick(argv, lean) == 0
    assert lean.getvalue().splitlines()[0] == "x: @c (line 3)"  # GitHub skips lines 1 and 2
    assert main([*argv, "--fail-on", "error"]) == 0  # the full command
    assert capsys.readouterr().out.splitlines()[0] == "x: @c (line 3)"
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert front_main(argv) == 0
    assert capsys.readouterr().out.splitlines()[0] == "x: no owners (no rule matches)"  # GitLab: `!x` in [Sec]


# --------------------------------------------------------------------------- the reviews list (--changed-since --who)

DIALECT_WEAKENED = ('pyproject.toml: error codeowners/configuration-weakened this change weakens the codeowners check: '
                    'dialect changed from "auto" to "gitlab", so another file or another reading of it is checked')


def _dialect_pr(make_repo, codeowners_path: str, delete: bool):
    """A change that edits secure/k.py and sets dialect = "gitlab" (and deletes the CODEOWNERS when ``delete``)."""
    root = make_repo({codeowners_path: "* @default\n/secure/ @org/security\n", "secure/k.py": "s\n"})
    git(root, "checkout", "-q", "-b", "pr")
    (root / "secure" / "k.py").write_text("y\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(GITLAB, encoding="utf-8")
    if delete:
        (root / codeowners_path).unlink()
    git(root, "add", "-A")
    git(root, "commit", "-qm", "pr")
    return root


@pytest.mark.parametrize("codeowners_path, delete, reviews", [
    # GitLab's rules: one approval rule for the whole (unnamed) section instead of one per line.
    ("CODEOWNERS", False, ["2 changed file(s); code owner approvals requested (one approval rule per section):",
                           "  (no section) 1 approval(s): @default @org/security (line 1, line 2) for 2 file(s): "
                           "pyproject.toml, secure/k.py"]),
    # GitLab's order does not read .github/: no owner at all for the deletion of the file GitHub reads.
    (".github/CODEOWNERS", True, ["3 changed file(s); code owner approvals requested (one approval rule per section):",
                                  "  no code owner: 3 file(s): .github/CODEOWNERS, pyproject.toml, secure/k.py"]),
])
def test_the_reviews_list_reviews_the_configuration_it_reads_the_base_with(make_repo, capsys, codeowners_path, delete,
                                                                           reviews):
    root = _dialect_pr(make_repo, codeowners_path, delete)
    assert main(["codeowners", "--repo", str(root), "--changed-since", "main", "--who"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:len(reviews) + 1] == [*reviews, DIALECT_WEAKENED]
    # JSON: the document is the answer, so the finding that fails it is said on stderr.
    assert main(["codeowners", "--repo", str(root), "--changed-since", "main", "--who", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["changed_files"] == int(reviews[0].split()[0])
    assert err == DIALECT_WEAKENED.replace(" error codeowners/configuration-weakened ",
                                           " error codeowners/configuration-weakened: ") + "\n"
    # The command line's --dialect replaces the repository's value: nothing is weakened.
    assert main(["codeowners", "--repo", str(root), "--changed-since", "main", "--who", "--dialect", "github"]) == 0
    capsys.readouterr()


# --------------------------------------------------------------------------- a dialect that is not the host's

MISMATCH = ('the environment names {runner}, but the repository configuration sets dialect = "{dialect}"; {host} reads '
            "CODEOWNERS with its own search order and rules")


def test_in_gitlab_ci_a_github_dialect_cannot_check_a_decoy(make_repo, capsys, monkeypatch):
    monkeypatch.setenv("GITLAB_CI", "true")
    repo = make_repo({".github/CODEOWNERS": "* @a\n", "CODEOWNERS": "[Sec]\n* @a\n/src/ bad-owner\n",
                      "pyproject.toml": GITHUB, "src/a.py": "x\n"})
    reason = MISMATCH.format(runner="GitLab CI (GITLAB_CI=true)", dialect="github", host="GitLab")
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert code == 1
    assert [(f["rule_id"], f["severity"], f["path"], f["line"]) for f in report["findings"]] == [
        ("codeowners/owner-less-rule", "note", "CODEOWNERS", 3),
        ("codeowners/invalid-owner", "error", "CODEOWNERS", 3),  # the file GitLab reads is checked
        ("codeowners/host-dialect-mismatch", "error", "pyproject.toml", None)]
    assert report["findings"][2]["message"] == f"{reason}, so they were checked instead"
    assert report["findings"][2]["evidence"] == {"dialect": "github", "host": "gitlab"}
    assert report["summary"]["codeowners"]["dialect"] == "gitlab"
    assert main(["codeowners", "--repo", str(repo), "--who", "src/a.py"]) == 2
    assert capsys.readouterr() == ("", f"governance-hooks: error: {reason}; pass --dialect on the command line\n")


def test_on_github_actions_a_gitlab_dialect_cannot_hide_github_syntax_errors(make_repo, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    repo = make_repo({"CODEOWNERS": "[S]\n* @a\n!src/ @x\n/src/ @b,@c\n", "pyproject.toml": GITLAB, "src/a.py": "x\n"})
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert code == 1
    assert [f["rule_id"] for f in report["findings"] if f["severity"] == "error"] == [
        "codeowners/invalid-pattern", "codeowners/invalid-pattern", "codeowners/run-together-owners",
        "codeowners/host-dialect-mismatch"]
    assert report["summary"]["codeowners"]["dialect"] == "github"
    # The reviews list refuses as --who PATH does.
    assert main(["codeowners", "--repo", str(repo), "--changed-since", "HEAD", "--who"]) == 2
    assert capsys.readouterr().err == (
        "governance-hooks: error: " + MISMATCH.format(runner="GitHub Actions (GITHUB_ACTIONS=true)", dialect="gitlab",
                                                      host="GitHub") + "; pass --dialect on the command line\n")


def test_the_hosts_own_dialect_and_the_trusted_choices_are_not_a_mismatch(make_repo, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    repo = make_repo({".github/CODEOWNERS": "* @a\n", "pyproject.toml": GITHUB, "src/a.py": "x\n"})
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert (code, _brief(report)) == (0, [])
    # --dialect and an operator's --config outside the repository are trusted (a mirror checked on another host).
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo), "--dialect", "gitlab")
    assert (code, [f["rule_id"] for f in report["findings"]]) == (0, ["codeowners/missing-file"])
    operator = tmp_path / "operator.toml"
    operator.write_text(GITLAB, encoding="utf-8")
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo), "--config", str(operator))
    assert (code, [f["rule_id"] for f in report["findings"]]) == (0, ["codeowners/missing-file"])


def test_skipped_file_follows_the_order_of_the_host_the_environment_names(make_repo, capsys, monkeypatch):
    repo = make_repo({"pyproject.toml": GITHUB, ".gitlab/CODEOWNERS": "[Core] @core\nsrc/\n", "src/a.py": "x\n"})
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert [f["rule_id"] for f in report["findings"]] == ["codeowners/missing-file", "codeowners/skipped-file"]
    # On GitHub's runner GitLab's folder is read by nobody: the missing file is the answer, nothing is skipped.
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, report, _ = _json(capsys, "codeowners", "--repo", str(repo))
    assert (code, [f["rule_id"] for f in report["findings"]]) == (0, ["codeowners/missing-file"])
