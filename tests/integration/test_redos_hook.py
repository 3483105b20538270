"""The redos hook under the real ``pre-commit try-repo``."""

from __future__ import annotations

VULNERABLE = "import re\n\nWORDS = re.compile(r'^(\\w+\\s?)*$')\n\n\ndef ok(s):\n    return WORDS.match(s)\n"
SAFE = "import re\n\n\ndef words(s):\n    return re.findall(r'\\w+', s)\n"


def test_hook_fails_on_a_vulnerable_regex(make_repo, try_repo):
    repo = make_repo({"app/text.py": VULNERABLE, "app/ok.py": SAFE})
    result = try_repo(repo, "redos")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "app/text.py:3:20: error redos/exponential-backtracking" in output
    line = next(l for l in output.splitlines() if l.startswith("app/text.py:3:20:"))
    assert "(confirmed: x" in line and "in WORDS.match (line 7)" in line


def test_hook_passes_on_safe_regexes(make_repo, try_repo):
    repo = make_repo({"app/ok.py": SAFE, "schema/item.schema.json": '{"pattern": "^[a-z]+$"}\n'}, name="safe")
    result = try_repo(repo, "redos")
    assert result.returncode == 0, result.stdout + result.stderr
