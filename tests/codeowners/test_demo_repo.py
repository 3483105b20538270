"""The deliberate mistakes of examples/demo-repo/.github/CODEOWNERS are all found, exactly."""

from __future__ import annotations

import json
import os

from governance_hooks.cli import main

from ..conftest import PROJECT

DEMO = PROJECT / "examples" / "demo-repo"


def test_demo_repo_findings(tmp_path, capsys):
    listing = tmp_path / "files.txt"
    files = []
    for dirpath, dirnames, filenames in os.walk(DEMO):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        rel = os.path.relpath(dirpath, DEMO).replace(os.sep, "/")
        files += [name if rel == "." else f"{rel}/{name}" for name in filenames]
    listing.write_text("\n".join(files) + "\n")
    code = main(["codeowners", "--repo", str(DEMO), "--files-from", str(listing), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert sorted((f["rule_id"], f["path"], f["line"] or 0) for f in report["findings"]) == sorted([
        ("codeowners/shadowed-rule", ".github/CODEOWNERS", 8),
        ("codeowners/owner-less-rule", ".github/CODEOWNERS", 10),
        ("codeowners/markdown-bullet", ".github/CODEOWNERS", 11),
        ("codeowners/run-together-owners", ".github/CODEOWNERS", 14),
        ("codeowners/invalid-owner", ".github/CODEOWNERS", 15),
        ("codeowners/invalid-pattern", ".github/CODEOWNERS", 18),
        ("codeowners/duplicate-pattern", ".github/CODEOWNERS", 21),
        ("codeowners/unmatched-pattern", ".github/CODEOWNERS", 22),
        ("codeowners/owner-only-line", ".github/CODEOWNERS", 26),
        ("codeowners/unmatched-pattern", ".github/CODEOWNERS", 29),
        ("codeowners/invalid-pattern", ".github/CODEOWNERS", 32),
        ("codeowners/unknown-owner", ".github/CODEOWNERS", 34),
        ("codeowners/multiple-files", "CODEOWNERS", 0),
    ])
    assert report["summary"]["codeowners"]["unowned_files"] == 1  # services/api/generated/client.py
