"""The redos subcommand end to end through the CLI (in-process; no pre-commit)."""

from __future__ import annotations

import json

import pytest

from governance_hooks.cli import main

VULNERABLE = "import re\n\ndef clean(s):\n    return re.match(r'^(\\w+\\s?)*$', s)\n"
SAFE = "import re\n\ndef words(s):\n    return re.findall(r'\\w+', s)\n"


def _run(root, *args, capsys=None):
    code = main(["redos", "--repo", str(root), "--format", "json", *args])
    out = capsys.readouterr().out if capsys else ""
    return code, (json.loads(out) if out.strip().startswith("{") else out)


def test_vulnerable_repository_exits_1_with_evidence(make_repo, capsys):
    root = make_repo({"pkg/clean.py": VULNERABLE, "pkg/ok.py": SAFE})
    code, report = _run(root, "--confirm-timeout", "4", capsys=capsys)
    assert code == 1
    [finding] = report["findings"]
    assert finding["rule_id"] == "redos/exponential-backtracking"
    assert (finding["path"], finding["line"], finding["column"]) == ("pkg/clean.py", 4, 21)
    assert finding["severity"] == "error"
    evidence = finding["evidence"]
    assert evidence["confirmed"] is True and evidence["kind"] == "match" and evidence["calls"] == ["re.match"]
    assert evidence["attack"].startswith("'a' + 'aa' * ") and evidence["attack"].endswith(" + '!'")
    assert "confirmed: x" in finding["message"] and "in re.match" in finding["message"]
    assert finding["suggestion"].startswith("make the quantifier possessive: '^(\\\\w++\\\\s?)*$'")
    assert report["summary"]["redos"]["patterns"] == 2


def test_safe_repository_exits_0(make_repo, capsys):
    root = make_repo({"ok.py": SAFE})
    code, report = _run(root, capsys=capsys)
    assert code == 0 and report["findings"] == []


def test_inline_suppression_and_config_ignore(make_repo, capsys):
    suppressed = VULNERABLE.replace("$', s)", "$', s)  # governance: ignore[redos/exponential-backtracking]")
    root = make_repo({"a.py": suppressed})
    code, report = _run(root, "--no-confirm", capsys=capsys)
    assert code == 0 and report["findings"] == []
    root2 = make_repo({"a.py": VULNERABLE, "pyproject.toml": '[tool.governance-hooks.redos]\nignore = ["redos/exp*"]\n'},
                      name="repo2")
    code, report = _run(root2, "--no-confirm", capsys=capsys)
    assert code == 0 and report["findings"] == []


def test_no_confirm_keeps_static_severity_and_says_so(make_repo, capsys):
    root = make_repo({"a.py": "import re\nre.sub(r'\\s+$', '', s)\n"})
    code, report = _run(root, "--no-confirm", capsys=capsys)
    [finding] = report["findings"]
    assert code == 0  # a quadratic finding is a warning
    assert (finding["rule_id"], finding["severity"]) == ("redos/polynomial-backtracking", "warning")
    assert finding["message"] == ("polynomial backtracking O(n^2) in re.sub: '\\\\s+$'; attack '  ' * 30000 + '!' "
                                  "(static analysis only: confirmation disabled)")
    assert finding["suggestion"].startswith("stop the retries inside a run: '(?<!\\\\s)\\\\s+$'")
    code, report = _run(root, "--no-confirm", "--min-degree", "3", capsys=capsys)
    assert report["findings"] == []


def test_files_invalid_pattern_and_broken_sources(make_repo, capsys):
    root = make_repo({"a.py": "import re\nre.compile('(?P<x')\n", "b.py": b"\xff = 1\n", "c.py": "x = (\n"})
    code, report = _run(root, "a.py", "b.py", "c.py", capsys=capsys)
    assert code == 1
    got = [(f["path"], f["line"], f["rule_id"], f["severity"]) for f in report["findings"]]
    assert got == [
        ("a.py", 2, "redos/invalid-pattern", "error"),
        ("b.py", 1, "redos/analysis-incomplete", "note"),
        ("c.py", 1, "redos/analysis-incomplete", "note"),
    ]
    assert report["findings"][0]["message"] == "pattern '(?P<x' does not compile: missing >, unterminated name at position 4"


def test_json_schema_pattern_is_scanned(make_repo, capsys):
    root = make_repo({"api/user.schema.json": '{"properties": {"id": {"pattern": "^(a|a)*$"}}}\n'})
    code, report = _run(root, "--no-confirm", capsys=capsys)
    [finding] = report["findings"]
    assert (finding["path"], finding["line"], finding["column"], finding["rule_id"]) == (
        "api/user.schema.json", 1, 35, "redos/exponential-backtracking")


@pytest.mark.parametrize("table, message", [
    ('min-degree = 1', "min-degree must be an integer >= 2"),
    ('confirm = "yes"', "confirm must be true or false"),
    ('colour = 1', "unknown key 'colour' in [tool.governance-hooks.redos]"),
    ('data-keys = "regex"', "data-keys must be a list of strings"),
])
def test_bad_configuration_exits_2_with_one_line(make_repo, capsys, table, message):
    root = make_repo({"pyproject.toml": f"[tool.governance-hooks.redos]\n{table}\n"})
    code = main(["redos", "--repo", str(root)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_missing_file_argument_exits_2(make_repo, capsys):
    root = make_repo({"a.py": SAFE})
    assert main(["redos", "--repo", str(root), "nope.py"]) == 2
    assert capsys.readouterr().err == "governance-hooks: error: nope.py: no such file or folder\n"


def test_a_folder_argument_means_the_files_under_it(make_repo, capsys):
    root = make_repo({"pkg/clean.py": VULNERABLE, "pkg/sub/ok.py": SAFE, "other/bad.py": VULNERABLE})
    code, report = _run(root, "pkg", "--no-confirm", capsys=capsys)
    assert code == 1
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("pkg/clean.py", 4)]
    assert report["summary"]["redos"]["files"] == 2


def test_hostile_sources_do_not_crash_the_check(make_repo, capsys):
    root = make_repo({
        "nested.py": "x = " + "(" * 5000 + ")" * 5000 + "\n",
        "huge.py": "import re\nre.search(r'" + "(a|b)" * 3000 + "$', s)\nre.match(r'" + "(" * 3000 + "a" + ")" * 3000 + "', s)\n",
        "count.py": "import re\nre.match(r'(?:a{1000}){1000}$', s)\n",
    })
    code, report = _run(root, "--no-confirm", "--analysis-timeout", "2", capsys=capsys)
    assert code == 0
    rules = sorted((f["path"], f["rule_id"]) for f in report["findings"])
    assert ("nested.py", "redos/analysis-incomplete") in rules
    assert report["summary"]["redos"]["internal_errors"] == 0
