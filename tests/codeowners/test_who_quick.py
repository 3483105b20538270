"""The lean ``--who`` path (``codeowners.who.quick``) prints exactly what the full command prints.

Each case runs the query twice: as typed (the lean path takes it) and with ``--fail-on error`` added
(the default value, but an option the lean path leaves to argparse, so the full command runs).
"""

from __future__ import annotations

import io
import sys

import pytest

from governance_hooks.front import main
from governance_hooks.codeowners.who import quick

from ..conftest import RUNNER_WHITE, SHOWN_WHITE, shared_path


GITHUB = "* @org/team\n/docs/ @docs\n*.md @writers\n/empty/ \n"
GITLAB = "* @all\n[Docs] @docs\ndocs/\n^[Opt][2] @opt\n*.md @md\n!docs/skip.md\n"


def both(capsys, monkeypatch, argv, stdin=""):
    """``(code, stdout, stderr)`` of the lean and of the full command for ``codeowners argv``."""
    results = []
    for extra in ([], ["--fail-on", "error"]):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["codeowners", *extra, *argv])
        out, err = capsys.readouterr()
        results.append((code, out, err))
    return results


def lean_takes(argv) -> bool:
    """Whether the lean path answers ``codeowners argv`` (into a throwaway stream)."""
    return quick(["codeowners", *argv], io.StringIO()) is not None


PATHS = ["docs/a.md", "docs/", "./docs/b.txt", "README.md", "src/x.py", "empty/f", "docs", "::warning::x",
         "a/ b", "x\\y"]


@pytest.mark.parametrize("place, text, dialect", [
    ("CODEOWNERS", GITHUB, None),
    (".github/CODEOWNERS", GITHUB + "[Sec] @x\n", None),
    (".gitlab/CODEOWNERS", GITLAB, None),
    ("CODEOWNERS", GITLAB, None),
    ("CODEOWNERS", GITLAB, "github"),
    ("docs/CODEOWNERS", GITHUB + "bad[ @x\n@owner-only\n", "auto"),
])
def test_lean_and_full_print_the_same(tmp_path, capsys, monkeypatch, place, text, dialect):
    (tmp_path / place).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / place).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    options = ["--dialect", dialect] if dialect else []
    for argv in (
        ["--repo", str(tmp_path), *options, "--who", *PATHS, str(tmp_path / "docs" / "abs.md")],
        [*options, place, "--repo", ".", "--who", "-", "src/y.py"],
    ):
        assert lean_takes(argv)
        lean, full = both(capsys, monkeypatch, argv, stdin="docs/c.md\n\nREADME.md\r\n")
        assert lean == full
        assert lean[0] == 0 and lean[1].count("\n") == len(full[1].splitlines())


@pytest.mark.parametrize("name", ["NVIDIA__Megatron-LM", "GoogleCloudPlatform__generative-ai"])
def test_lean_path_on_real_corpora(capsys, monkeypatch, name):
    """Every file of a GitLab and a GitHub corpus: more than one chunk of 1,024 answers."""
    folder = shared_path("corpora", "codeowners", name)
    files = (folder / "files.txt").read_text(encoding="utf-8").splitlines()
    argv = ["--repo", str(folder), str(folder / "CODEOWNERS"), "--who", *files]
    assert lean_takes(argv)
    lean, full = both(capsys, monkeypatch, argv)
    assert lean == full
    assert lean[1].splitlines()[-2] == f"codeowners: 0 errors, 0 warnings, 0 notes; paths: {len(files)}"


@pytest.mark.parametrize("argv", [
    ["--repo", "{repo}", "--format", "json", "--who", "a"],
    ["--repo", "{repo}", "--who"],
    ["--repo", "{repo}", "--who", "a", "--debug"],
    ["--repo", "{repo}", "--who", "-x"],
    ["--repo", "{repo}", "--dialect", "other", "--who", "a"],
    ["--repo", "{repo}", "--repo", "{repo}", "--who", "a"],
    ["--repo={repo}", "--who", "a"],
    ["--repo", "{repo}", "CODEOWNERS", "extra", "--who", "a"],
    ["--repo", "{repo}", "missing/CODEOWNERS", "--who", "a"],
])
def test_lean_path_leaves_everything_else_to_the_full_command(tmp_path, monkeypatch, argv):
    (tmp_path / "CODEOWNERS").write_text(GITHUB, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert not lean_takes([a.replace("{repo}", str(tmp_path)) for a in argv])


def test_configuration_colour_and_unreadable_files_go_to_the_full_command(tmp_path, monkeypatch):
    argv = ["--repo", str(tmp_path), "--who", "a"]
    assert not lean_takes(argv)  # no CODEOWNERS file: the full command's error
    (tmp_path / "CODEOWNERS").write_bytes(b"\xff\xfe* @a\n")  # UTF-16: a finding, not answers
    assert not lean_takes(argv)
    (tmp_path / "CODEOWNERS").write_text(GITHUB, encoding="utf-8")
    assert lean_takes(argv)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not lean_takes(argv)
    monkeypatch.delenv("FORCE_COLOR")
    (tmp_path / "pyproject.toml").write_text("[tool.governance-hooks.codeowners]\ndialect = 'gitlab'\n")
    assert not lean_takes(argv)
    (tmp_path / "pyproject.toml").write_text('[tool."governance\\u002dhooks"]\nfail-on = "note"\n')
    assert not lean_takes(argv)
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = [\n")  # invalid TOML: an error
    assert not lean_takes(argv)
    (tmp_path / "pyproject.toml").write_text("tool = 3\n")  # the full command says [tool] must be a table
    assert not lean_takes(argv)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n[tool.black]\nline-length = 99\n")
    assert lean_takes(argv)


def test_without_repo_the_root_is_the_git_top_level(tmp_path, capsys, monkeypatch):
    import subprocess

    (tmp_path / "sub").mkdir()
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_text(GITHUB, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path / "sub")
    assert lean_takes(["--who", "docs/a.md"])
    lean, full = both(capsys, monkeypatch, ["--who", *PATHS, str(tmp_path / "docs" / "abs.md")])
    assert lean == full and lean[1].startswith("docs/a.md: @writers (line 3)\n")
    monkeypatch.chdir(tmp_path.parent)  # outside any repository: the folder itself, with no CODEOWNERS
    assert not lean_takes(["--who", "a"])


def test_a_pyproject_without_our_table_is_answered_as_the_full_command_does(tmp_path, capsys, monkeypatch):
    (tmp_path / "CODEOWNERS").write_text(GITHUB, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    lean, full = both(capsys, monkeypatch, ["--repo", str(tmp_path), "--who", *PATHS])
    assert lean == full and lean[0] == 0


def test_internal_errors_after_the_first_answer_are_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "CODEOWNERS").write_text(GITHUB, encoding="utf-8")

    def broken(*_):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("governance_hooks.codeowners.who.who_line", broken)
    assert main(["codeowners", "--repo", str(tmp_path), "--who", "a"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", "governance-hooks: internal error in codeowners: RuntimeError: boom "
                              "(re-run with --debug for the traceback)\n")


def test_the_guard_fast_test_agrees_with_its_regular_expression():
    """``CommandGuard`` lets whole answer lines through after a substring test; every string of up to five
    characters over the relevant alphabet gets the regular expression's answer."""
    from itertools import product

    from governance_hooks.escape import _COLON_LINE_START, _colon_line_start

    for size in range(6):
        for chars in product(": \t\n\ra", repeat=size):
            text = "".join(chars)
            assert _colon_line_start(text) == (_COLON_LINE_START.search(text) is not None), repr(text)


@pytest.mark.parametrize("text, paths", [
    (GITLAB, ["docs/a.md", "docs/skip.md", "docs/x/skip.md", "a.md", "src/a.py", "docs", "docs/b/c.txt"]),
    ("[A]\n*.py @a\n/src/**/test_*.py @t\n!src/gen/\n[B] @b\nsrc/\nsrc/*.py\n",
     ["src/a.py", "src/gen/a.py", "src/x/test_a.py", "src/x/a.py", "a.py", "src/x/y/test_b.py", "b.txt"]),
])
def test_cached_gitlab_deciders_agree_with_all_matches(text, paths):
    """``gitlab_decided`` caches per directory plan and name; the reference takes every matching rule."""
    from governance_hooks.codeowners.ownership import Ownership
    from governance_hooks.codeowners.parser import parse

    ownership = Ownership(parse(text, "gitlab"))
    for path in paths * 2:  # the second round answers from the caches
        assert ownership.gitlab_decided(path) == tuple(ownership.deciders(ownership.matcher.matches(path))[0]), path


def test_cached_gitlab_deciders_on_a_real_gitlab_file():
    from governance_hooks.codeowners.ownership import Ownership
    from governance_hooks.codeowners.parser import parse

    folder = shared_path("corpora", "codeowners", "NVIDIA__Megatron-LM")
    ownership = Ownership(parse((folder / "CODEOWNERS").read_text(encoding="utf-8"), "gitlab"))
    files = (folder / "files.txt").read_text(encoding="utf-8").splitlines()
    decided = [ownership.gitlab_decided(f) for f in files]
    assert decided == [tuple(ownership.deciders(ownership.matcher.matches(f))[0]) for f in files]
    assert sum(1 for d in decided if len(d) > 1) > 0  # several sections decide some files


#: Hostile paths (as a repository's file list may hold them) and how ``--who`` prints each.
HOSTILE = [
    ("docs/\x1b[2Kx.md", "docs/\\x1b[2Kx.md"),                       # erase the line
    ("docs/\x1b]52;c;SGVsbG8=\x07.md", "docs/\\x1b]52;c;SGVsbG8=\\x07.md"),  # OSC 52: write the clipboard
    ("docs/a\rb.md", "docs/a\\rb.md"),                                # return to the line start
    ("docs/a\x9bb.md", "docs/a\\x9bb.md"),                            # C1 CSI
    ("docs/a\u202eb.md", "docs/a\\u202eb.md"),                        # bidi override
    ("docs/bad\udcffname.md", "docs/bad\\xffname.md"),                # the undecodable byte 0xff (PEP 383)
]


@pytest.mark.parametrize("place, text, tail", [
    ("CODEOWNERS", GITHUB, ": @writers (line 3)"),
    (".gitlab/CODEOWNERS", GITLAB, ": @all @docs @md (line 1, line 3, line 5)"),
])
def test_hostile_paths_are_printed_with_controls_visible(tmp_path, capsys, monkeypatch, place, text, tail):
    """Lean and full command, from arguments and from stdin: every control made visible, nothing else changed."""
    (tmp_path / place).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / place).write_text(text, encoding="utf-8")
    raw = [path for path, _ in HOSTILE] + ["docs/a\nb.md"]  # a newline only as an argument: stdin splits there
    shown = [seen for _, seen in HOSTILE] + ["docs/a\\nb.md"]
    expected = "".join(seen + tail + "\n" for seen in shown)
    summary = f"codeowners: 0 errors, 0 warnings, 0 notes; paths: {len(raw)}\n"
    argv = ["--repo", str(tmp_path), "--who", *raw]
    assert lean_takes(argv)
    for lean_or_full in both(capsys, monkeypatch, argv):
        assert lean_or_full[0] == 0
        assert lean_or_full[1].startswith(expected + summary)
    stdin = "".join(path + "\n" for path in raw[:-1])  # a StringIO splits at "\n" only
    expected_stdin = "".join(seen + tail + "\n" for seen in shown[:-1])
    for lean_or_full in both(capsys, monkeypatch, ["--repo", str(tmp_path), "--who", "-"], stdin=stdin):
        assert lean_or_full[0] == 0
        assert lean_or_full[1].startswith(expected_stdin + summary.replace(str(len(raw)), str(len(raw) - 1)))


def test_a_chunk_of_plain_paths_is_printed_as_it_is_and_one_hostile_path_is_escaped_alone():
    from governance_hooks.escape import terminal_safe_all

    plain = ["src/a.py", "docs/é.md", "x y/z"]
    assert terminal_safe_all(plain) is plain
    assert terminal_safe_all([*plain, "a\x1bb"]) == [*plain, "a\\x1bb"]
    assert terminal_safe_all(["a\u00a0b", "c"]) == ["a\u00a0b", "c"]  # not printable, but nothing to escape
    assert terminal_safe_all(["a\x7fb", "c"]) == ["a\\x7fb", "c"]


def test_the_chunk_fast_test_agrees_with_terminal_safe_on_every_character():
    from governance_hooks.escape import terminal_safe, terminal_safe_all

    for code in [*range(0x10000), 0x1F600, 0xE0001, 0x10FFFF]:
        text = "p/" + chr(code)
        assert terminal_safe_all([text]) == [terminal_safe(text)], hex(code)


def test_who_paths_cannot_forge_a_workflow_command(tmp_path, capsys, monkeypatch):
    """Lean and full command, paths on stdin: ``::`` after any white space the runner trims (.NET
    ``char.IsWhiteSpace``) gets a ``\\``, ``##[`` anywhere becomes ``#\\u0023[``; JSON answers decode to the paths."""
    import json

    (tmp_path / "CODEOWNERS").write_text(GITHUB, encoding="utf-8")
    whites = [white for white in RUNNER_WHITE if white != "\n"]  # stdin splits at "\n"
    paths = [f"{white}::error::x" for white in whites] + ["##[error]x", "x ##[add-mask]y"]
    shown = [f"{SHOWN_WHITE[white]}::error::x" if white in SHOWN_WHITE else f"{white}\\::error::x" for white in whites]
    shown += ["#\\u0023[error]x", "x #\\u0023[add-mask]y"]
    expected = "".join(f"{line}: @org/team (line 1)\n" for line in shown)
    stdin = "".join(path + "\n" for path in paths)
    argv = ["--repo", str(tmp_path), "--who", "-"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert lean_takes(argv)
    for code, out, err in both(capsys, monkeypatch, argv, stdin=stdin):
        assert (code, err) == (0, "")
        assert out == expected + (f"codeowners: 0 errors, 0 warnings, 0 notes; paths: {len(paths)}\n"
                                  "total: 1 check run, 0 errors, 0 warnings, 0 notes; exit 0 (nothing at or above error)\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(["codeowners", *argv, "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '  {"path": "#\\u0023[error]x", "owners": ["@org/team"], "line": 1},' in out.splitlines()
    assert [answer["path"] for answer in json.loads(out)] == paths
