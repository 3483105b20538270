"""Every corpus of ../shared/corpora/codeowners, checked with --files-from.

Expected figures were verified by reading the CODEOWNERS files and files.txt:
e.g. DataDog line 121 `/launchdarkly/` is repeated on line 124; Geant4 line 34
repeats line 31 `/source/parameterisations/`: GitLab keeps one entry per pattern in a
Ruby Hash, placed at line 31 with line 34's owners, so lines 32-33 (channeling/,
gflash/) still decide their folders and are not shadowed; Megatron
line 26 names `distrib_optimizer/` while only `distrib_optimizer.py` exists;
generative-ai anchors every rule under `/generative-ai/`, a folder the repository
does not have (its files are at the root), so only the `*` on line 10 matches.
GitLab matches a pattern without a trailing `/` only as a whole path (GitLab's
`File#normalize_pattern` + `File.fnmatch?`): Geant4 line 16 `/source/processes/scoring`
owns no file (its 13 files are unowned: 246 -> 259) and lines 43 and 293 name folders
the same way; Megatron line 60 `megatron/post_training` misses its 11 files (440 -> 451)
and line 74 `^[Tests][1]` is an optional section with an approval count, which GitLab's
`SectionParser` reports as `invalid_approval_requirement`.
"""

from __future__ import annotations

import collections
import json

import pytest

from governance_hooks.cli import main

from ..conftest import shared_path

EXPECTED = {
    "DataDog__integrations-extras": {
        "dialect": "github", "unowned": 30,
        "counts": {"codeowners/unmatched-pattern": 241, "codeowners/duplicate-pattern": 6, "codeowners/shadowed-rule": 8},
        "lines": [("codeowners/unmatched-pattern", 60), ("codeowners/shadowed-rule", 69),
                  ("codeowners/duplicate-pattern", 121), ("codeowners/duplicate-pattern", 878),
                  ("codeowners/shadowed-rule", 8)],
    },
    "Geant4__geant4": {
        "dialect": "gitlab", "unowned": 259, "args": ["--dialect", "gitlab"],
        "counts": {"codeowners/duplicate-pattern": 1, "codeowners/unmatched-pattern": 6},
        "lines": [("codeowners/duplicate-pattern", 31), ("codeowners/unmatched-pattern", 16), ("codeowners/unmatched-pattern", 43),
                  ("codeowners/unmatched-pattern", 79), ("codeowners/unmatched-pattern", 121),
                  ("codeowners/unmatched-pattern", 293), ("codeowners/unmatched-pattern", 301)],
    },
    "GoogleCloudPlatform__generative-ai": {
        "dialect": "github", "unowned": 0,
        "counts": {"codeowners/unmatched-pattern": 73},
        "lines": [("codeowners/unmatched-pattern", 11), ("codeowners/unmatched-pattern", 83)],
    },
    "MetaMask__core": {
        "dialect": "github", "unowned": 121,
        "counts": {"codeowners/duplicate-pattern": 1},
        "lines": [("codeowners/duplicate-pattern", 79)],
    },
    "NVIDIA__Megatron-LM": {
        "dialect": "gitlab", "unowned": 451, "code": 1,
        "counts": {"codeowners/unmatched-pattern": 5, "codeowners/invalid-section": 1},
        "lines": [("codeowners/unmatched-pattern", 26), ("codeowners/unmatched-pattern", 30),
                  ("codeowners/unmatched-pattern", 60), ("codeowners/invalid-section", 74),
                  ("codeowners/unmatched-pattern", 76), ("codeowners/unmatched-pattern", 82)],
    },
    "esphome__esphome": {"dialect": "github", "unowned": 4403, "counts": {}, "lines": []},
}


def run_corpus(name, capsys, *extra):
    folder = shared_path("corpora", "codeowners", name)
    args = ["codeowners", "--repo", str(folder), str(folder / "CODEOWNERS"),
            "--files-from", str(folder / "files.txt"), "--format", "json",
            *EXPECTED[name].get("args", []), *extra]
    code = main(args)
    out, err = capsys.readouterr()
    assert err == ""
    return code, json.loads(out)


def test_every_corpus_folder_has_expectations():
    root = shared_path("corpora", "codeowners")
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name, capsys):
    expected = EXPECTED[name]
    code, report = run_corpus(name, capsys)
    summary = report["summary"]["codeowners"]
    assert code == expected.get("code", 0)
    assert summary["dialect"] == expected["dialect"]
    assert summary["unowned_files"] == expected["unowned"]
    assert dict(collections.Counter(f["rule_id"] for f in report["findings"])) == expected["counts"]
    found = {(f["rule_id"], f["line"]) for f in report["findings"]}
    for item in expected["lines"]:
        assert item in found
    assert all(f["path"] == "CODEOWNERS" for f in report["findings"])


def test_datadog_details(capsys):
    _, report = run_corpus("DataDog__integrations-extras", capsys)
    by_line = {f["line"]: f for f in report["findings"]}
    assert by_line[121]["message"] == "`/launchdarkly/` appears again on line 124, which wins; this line is dead"
    assert by_line[69]["evidence"] == {"matched_files": 2, "example": "doppler/assets/logs/doppler.yaml",
                                       "decided_by_line": 1194,
                                       "payload": "/doppler/assets/logs/ @nmanoogian @apazzolini @doppler-admin "
                                                  "@DataDog/ecosystems-review @DataDog/logs-integrations-reviewers"}


def test_generative_ai_only_the_catch_all_matches(capsys):
    _, report = run_corpus("GoogleCloudPlatform__generative-ai", capsys)
    folder = shared_path("corpora", "codeowners", "GoogleCloudPlatform__generative-ai")
    rule_lines = [n for n, line in enumerate((folder / "CODEOWNERS").read_text().split("\n"), 1)
                  if line.strip() and not line.lstrip().startswith("#")]
    assert sorted(f["line"] for f in report["findings"]) == [n for n in rule_lines if n != 10]


@pytest.mark.parametrize("name, path, owners, line", [
    ("NVIDIA__Megatron-LM", "megatron/core/transformer/moe/router.py",
     ["@mcore-reviewers/core-adlr", "@mcore-reviewers/core-nemo", "@mcore-reviewers/mlperf",
      "@mcore-reviewers/moe-adlr", "@mcore-reviewers/moe-moe"], 48),
    ("esphome__esphome", "esphome/components/bl0940/sensor.py", ["@tobias-"], 67),
    ("esphome__esphome", "esphome/components/bl0940/sub/x.py", [], None),
    ("Geant4__geant4", "source/parameterisations/gflash/History", ["@azaborow"], 33),  # GitLab's Hash order
    ("Geant4__geant4", "source/parameterisations/History", ["@mverderi"], 34),
])
def test_who_on_corpora(name, path, owners, line, capsys):
    _, report = run_corpus(name, capsys, "--who", path)
    answers = report if isinstance(report, list) else report["summary"]["codeowners"]["who"]
    assert [(a["path"], a["owners"], a["line"]) for a in answers] == [(path, owners, line)]


@pytest.mark.parametrize("name", ["Geant4__geant4", "NVIDIA__Megatron-LM", "DataDog__integrations-extras"])
def test_gitlab_bulk_owners_equal_the_per_path_decision(name):
    # The bulk lookup (per-directory plans) against every match of each path, resolved per section.
    from governance_hooks.codeowners.ownership import Ownership
    from governance_hooks.codeowners.parser import decode, parse

    folder = shared_path("corpora", "codeowners", name)
    files = (folder / "files.txt").read_text(encoding="utf-8").splitlines()
    ownership = Ownership(parse(decode((folder / "CODEOWNERS").read_bytes())[0], "gitlab"))
    slow = []
    for path in files:
        decision = ownership.resolve_ids(ownership.deciders(ownership.matcher.matches(path))[0])
        slow.append((tuple(decision.owners), decision.line))
    assert ownership.owners_of_all(files) == slow
    assert sum(1 for owners, _ in slow if owners) > len(files) // 2
