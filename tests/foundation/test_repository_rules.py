"""The repository rules every check shares: the untracked rule, configuration paths that stay
inside the repository, deleted guard inputs that fail the guard, submodules and sparse checkouts."""

from __future__ import annotations

import json
import os

import pytest

from governance_hooks.cli import main
from governance_hooks.repo import list_files, select_files
from governance_hooks.safe_open import UnsafeFile, config_path, read_repo_bytes
from tests.conftest import git

VULNERABLE = 'import re\nPATTERN = re.compile(r"^(a+)+$")\nPATTERN.match(input())\n'  # used: unused ones are one severity lower


def _json(capsys):
    return json.loads(capsys.readouterr().out)


# -- the untracked rule ----------------------------------------------------------------------------------


def test_listing_rule(make_repo):
    root = make_repo({"tracked.py": "x = 1\n", ".gitignore": "ignored.py\n"})
    (root / "new.py").write_text("y = 2\n", encoding="utf-8")
    (root / "ignored.py").write_text("z = 3\n", encoding="utf-8")
    assert list_files(root) == [".gitignore", "tracked.py"]
    assert list_files(root, untracked=True) == [".gitignore", "new.py", "tracked.py"]
    assert select_files(root, ["new.py", "ignored.py", "gone.py"]) == ["new.py"]


@pytest.mark.parametrize("check", ["redos", "semgrep"])
def test_changed_since_covers_a_new_untracked_file(make_repo, capsys, check):
    if check == "semgrep":
        pytest.importorskip("semgrep", reason="the semgrep extra is not installed")
    root = make_repo({"app.py": "x = 1\n"})
    (root / "new.py").write_text(VULNERABLE if check == "redos" else
                                 "import pickle\n\ndef f(p):\n    return pickle.load(open(p, 'rb'))\n",
                                 encoding="utf-8")
    code = main(["run", "--repo", str(root), "--checks", check, "--changed-since", "HEAD", "--format", "json"])
    report = _json(capsys)
    assert code == 1
    assert {f["path"] for f in report["findings"]} == {"new.py"}


def test_explicit_folder_covers_untracked_files(make_repo, capsys):
    root = make_repo({"src/app.py": "x = 1\n"})
    (root / "src" / "new.py").write_text(VULNERABLE, encoding="utf-8")
    assert main(["redos", "--repo", str(root), str(root / "src"), "--format", "json"]) == 1
    assert {f["path"] for f in _json(capsys)["findings"]} == {"src/new.py"}


# -- configuration paths stay inside the repository ------------------------------------------------------


@pytest.mark.parametrize("value", ["/etc/passwd", "../outside.json", "sub/../../outside.json"])
def test_configuration_paths_outside_the_repository_are_refused(tmp_path, value):
    root = tmp_path / "repo"
    root.mkdir()
    with pytest.raises(UnsafeFile):
        config_path(value, root, "schema")


def test_configuration_path_through_a_link_out_is_refused(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "secret.json").write_text("{}", encoding="utf-8")
    os.symlink(tmp_path / "secret.json", root / "schema.json")
    with pytest.raises(UnsafeFile) as info:
        config_path("schema.json", root, "schema")
    assert "outside the repository" in info.value.reason


def test_metrics_schema_outside_the_repository_is_refused(make_repo, tmp_path, capsys):
    secret = tmp_path / "secret.schema.json"
    secret.write_text('{"type": "object", "required": ["SECRET-KEY-NAME"]}', encoding="utf-8")
    root = make_repo({"pyproject.toml": f'[tool.governance-hooks.metrics]\nschema = "{secret}"\n',
                      "m.ndjson": '{"epoch": 1}\n'})
    assert main(["metrics", "--repo", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "must be a path relative to the repository root" in err
    assert "SECRET-KEY-NAME" not in err


def test_manifest_datasets_root_outside_the_repository_is_refused(make_repo, capsys):
    root = make_repo({"pyproject.toml": '[[tool.governance-hooks.manifest.datasets]]\n'
                                        'manifest = "m/manifest.json"\nroot = "../../"\n',
                      "m/manifest.json": '{"schema_version": "1.0", "created_at": 0, "dataset_id": null, "shards": []}'})
    assert main(["manifest", "verify", "--repo", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "datasets root points outside the repository" in err


# -- deleting a guard's input fails the guard ------------------------------------------------------------


def test_require_owner_with_codeowners_deleted_is_an_error(make_repo, capsys):
    root = make_repo({"pyproject.toml": "[tool.governance-hooks.codeowners]\nrequire-owner = true\n",
                      "src/a.py": "x = 1\n"})
    assert main(["codeowners", "--repo", str(root), "--format", "json"]) == 1
    findings = _json(capsys)["findings"]
    assert [(f["rule_id"], f["severity"]) for f in findings] == [("codeowners/missing-file", "error")]
    assert findings[0]["message"].endswith("require-owner is configured, so every file is unowned")


def test_base_ref_with_the_policy_deleted_is_an_error(make_repo, capsys):
    policy = "version: 1\n"
    root = make_repo({".governance/policy.yaml": policy, "a.py": "x = 1\n"})
    git(root, "rm", "-q", ".governance/policy.yaml")
    assert main(["policy", "--repo", str(root), "--base-ref", "HEAD"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the policy is missing, so --base/--base-ref cannot prove" in err


# -- safe-open in one place ------------------------------------------------------------------------------


def test_safe_open_reads_regular_files_and_links_inside(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"inside")
    os.symlink("a.txt", tmp_path / "link.txt")
    assert read_repo_bytes(tmp_path / "link.txt", tmp_path) == b"inside"
    with pytest.raises(UnsafeFile) as info:
        read_repo_bytes(tmp_path / "a.txt", tmp_path, limit=3)
    assert info.value.too_large == 6


# -- submodules ------------------------------------------------------------------------------------------


def test_a_submodule_is_not_listed_as_a_file(make_repo, tmp_path):
    inner = make_repo({"inner.py": "x = 1\n"}, name="inner")
    root = make_repo({"a.py": "x = 1\n"})
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "manifest.json")
    assert "manifest.json" not in list_files(root)
    assert ".gitmodules" in list_files(root)


# -- sparse checkouts ------------------------------------------------------------------------------------


def test_sparse_checkout_says_what_was_not_checked(make_repo, capsys):
    root = make_repo({"a/x.py": "x = 1\n", "b/y.py": VULNERABLE, "b/z.py": "z = 1\n"})
    git(root, "sparse-checkout", "set", "a")
    assert not (root / "b").exists()
    code = main(["run", "--repo", str(root), "--checks", "redos", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err.splitlines() == [
        "governance-hooks: note: sparse checkout: 2 tracked file(s) are not in the working tree and were not "
        "checked (b/y.py, b/z.py)"]
