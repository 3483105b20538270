"""The codeowners hook through the real pre-commit framework (``pre-commit try-repo``)."""

from __future__ import annotations


def test_broken_codeowners_fails_with_the_finding(make_repo, try_repo):
    repo = make_repo({
        ".github/CODEOWNERS": "* @org/core\n/src/ @org/backend @alice@bob\n/docs/ @org/docs\n/docs/ @org/writers\n",
        "src/app.py": "print('hi')\n",
        "docs/index.md": "# Docs\n",
    })
    result = try_repo(repo, "codeowners")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert (".github/CODEOWNERS:2:20: error codeowners/run-together-owners owners `@alice@bob` are run "
            "together; GitHub reads them as one invalid owner and skips the line") in output
    assert ".github/CODEOWNERS:3:1: warning codeowners/duplicate-pattern `/docs/` appears again on line 4" in output


def test_clean_codeowners_passes(make_repo, try_repo):
    repo = make_repo({
        ".github/CODEOWNERS": "* @org/core\n/src/ @org/backend\n",
        "src/app.py": "print('hi')\n",
    })
    result = try_repo(repo, "codeowners")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CODEOWNERS (GitHub/GitLab semantics)....." in result.stdout
    assert result.stdout.rstrip().endswith("Passed")
