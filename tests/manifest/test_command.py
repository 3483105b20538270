"""The CLI adapter: discovery for the pipeline and the hook, changed files, configuration, options."""

from __future__ import annotations

import io
import json
from pathlib import Path

from governance_hooks.check import Context
from governance_hooks.cli import build_parser
from governance_hooks.config import Config
from governance_hooks.manifest import command

from .conftest import sha, shard


def manifest_text(shards, dataset_id="d") -> str:
    return json.dumps({"schema_version": "1.0", "created_at": 1, "dataset_id": dataset_id, "shards": shards})


def repo_with_datasets(make_repo):
    return make_repo({
        "data/good/a.bin": b"a",
        "data/good/manifest.json": manifest_text([shard("a.bin", b"a")]),
        "data/bad/b.bin": b"B",
        "data/bad/manifest.json": manifest_text([shard("b.bin", b"b")]),
        "data/sums/x.bin": b"x",
        "data/sums/SHA256SUMS": f"{sha(b'y')}  x.bin\n",
        "web/manifest.json": '{"name": "app", "start_url": "/"}',
        "broken/manifest.json": '{"shards": [\n<<<<<<< HEAD\n',
        "pyproject.toml": "[project]\nname = 'r'\n",
    })


def test_pipeline_form_discovers_every_manifest(make_repo, run_cli):
    repo = repo_with_datasets(make_repo)
    result = run_cli("manifest", "--repo", repo, "--format", "json", cwd=repo)
    assert result.code == 1
    assert [(f["rule_id"], f["path"], f["line"]) for f in result.findings] == [
        ("manifest/malformed-manifest", "broken/manifest.json", 2),
        ("manifest/changed-shard", "data/bad/manifest.json", 1),
        ("manifest/changed-shard", "data/sums/SHA256SUMS", 1),
    ]
    assert result.stats["manifests"] == 4  # the web app's manifest.json is not a dataset manifest


def test_hook_form_verify_without_arguments_discovers_under_the_current_folder(make_repo, run_cli):
    repo = repo_with_datasets(make_repo)
    whole = run_cli("manifest", "verify", "--format", "json", cwd=repo)
    assert [f["path"] for f in whole.findings] == ["broken/manifest.json", "data/bad/manifest.json",
                                                    "data/sums/SHA256SUMS"]
    inside = run_cli("manifest", "verify", "--format", "json", cwd=repo / "data" / "good")
    assert (inside.code, inside.findings, inside.stats["manifests"]) == (0, [], 1)


def test_no_manifest_at_all_passes_with_a_note(make_repo, run_cli):
    repo = make_repo({"README.md": "hi\n"})
    result = run_cli("manifest", "verify", cwd=repo)
    assert result.code == 0
    assert result.err == ("governance-hooks manifest: no dataset manifest found "
                          "(manifest.json with schema_version \"1.0\", SHA256SUMS or *.sha256sum)\n")


def _run_with_changes(repo: Path, changed):
    parser = build_parser()
    args = parser.parse_args(["manifest"])
    ctx = Context(root=repo, config=Config(), check="manifest", stdout=io.StringIO(), stderr=io.StringIO(),
                  changed_files=changed)
    return command.run(args, ctx)


def test_changed_files_restrict_the_datasets_verified(make_repo):
    repo = repo_with_datasets(make_repo)
    only_bad = _run_with_changes(repo, ["data/bad/b.bin"])
    assert [f.location.path for f in only_bad.findings] == ["data/bad/manifest.json"]
    assert only_bad.stats["manifests"] == 1
    manifest_itself = _run_with_changes(repo, ["data/sums/SHA256SUMS"])
    assert [f.location.path for f in manifest_itself.findings] == ["data/sums/SHA256SUMS"]
    unrelated = _run_with_changes(repo, ["README.md", "data/goodness.txt"])
    assert (unrelated.findings, unrelated.stats["manifests"]) == ([], 0)


def test_options_before_the_subcommand_are_kept(tmp_path, run_cli):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "manifest.json").write_text(manifest_text([]))
    result = run_cli("manifest", "--format", "json", "verify", tmp_path / "ds" / "manifest.json", "--repo", tmp_path)
    assert json.loads(result.out)["findings"] == []


def test_configuration_exclude_datasets_and_budget(make_repo, run_cli):
    repo = make_repo({
        "meta/train.json": manifest_text([shard("x.bin", b"x")]),
        "store/train/x.bin": b"x",
        "store/train/scratch/tmp.bin": b"t",
        "pyproject.toml": (
            "[tool.governance-hooks.manifest]\n"
            'exclude = ["scratch/"]\n'
            'datasets = [{manifest = "meta/train.json", root = "store/train"}]\n'
        ),
    })
    result = run_cli("manifest", "--format", "json", cwd=repo)
    assert (result.code, result.findings, result.stats["manifests"], result.stats["ok"]) == (0, [], 1, 1)
    (repo / "pyproject.toml").write_text("[tool.governance-hooks.manifest]\nmax-manifest-bytes = 10\n"
                                         "datasets = [{manifest = \"meta/train.json\", root = \"store/train\"}]\n")
    result = run_cli("manifest", "--format", "json", cwd=repo)
    assert [(f["rule_id"], f["severity"], f["message"]) for f in result.findings] == [
        ("manifest/analysis-incomplete", "warning",
         f"manifest not verified: {len(manifest_text([shard('x.bin', b'x')]))} bytes exceeds max-manifest-bytes (10)")]


def test_bad_configuration_is_exit_2(make_repo, run_cli):
    repo = make_repo({"pyproject.toml": "[tool.governance-hooks.manifest]\nexclude = \"*.tmp\"\n"})
    result = run_cli("manifest", cwd=repo)
    assert (result.code, result.err) == (
        2, f"governance-hooks: error: {repo / 'pyproject.toml'}: [tool.governance-hooks.manifest] "
           "exclude must be a list of gitignore patterns\n")
    (repo / "pyproject.toml").write_text("[tool.governance-hooks.manifest]\nthreads = 4\n")
    result = run_cli("manifest", cwd=repo)
    assert result.code == 2 and "unknown key 'threads' in [tool.governance-hooks.manifest]" in result.err


def test_list_rules_names_every_rule(run_cli):
    result = run_cli("manifest", "--list-rules")
    ids = [line.split()[0] for line in result.out.splitlines()]
    assert ids == ["manifest/changed-shard", "manifest/missing-shard", "manifest/moved-shard", "manifest/new-file",
                   "manifest/duplicate-entry", "manifest/unreadable-file", "manifest/lfs-pointer",
                   "manifest/unsafe-path", "manifest/path-collision", "manifest/malformed-manifest",
                   "manifest/analysis-incomplete", "manifest/configuration-weakened", "manifest/internal-error"]


def test_every_emitted_rule_is_registered():
    from governance_hooks.manifest.rules import RULES
    from governance_hooks.manifest.verdicts import _RULES

    registered = {r.id: r.severity for r in RULES}
    assert all(registered[rule] == severity for rule, severity in _RULES.values())
