"""``--who`` input that is not a plain repository path, JSON that must stay valid UTF-8, the output
formats ``--who`` refuses, and a CODEOWNERS file named on the command line outside the repository."""

from __future__ import annotations

import io
import json
import os
import posixpath
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest

from governance_hooks.codeowners.who import _Tally, normalise
from governance_hooks.front import main

from ..conftest import git
from .test_who_quick import both, lean_takes

SRC = Path(__file__).resolve().parents[2] / "src"
GITHUB = "* @all\n/src/ @src\n"
GITLAB = "[Code] @all\n*\n/src/ @src\n"


@pytest.mark.parametrize("given, expected", [
    ("src/a.py", "src/a.py"),
    ("./src/a.py", "src/a.py"),
    ("././src/a.py", "src/a.py"),
    ("src/./a.py", "src/a.py"),
    ("src//a.py", "src/a.py"),
    ("src/../docs/b.md", "docs/b.md"),
    ("a/b/../../c", "c"),
    ("src/x/../a.py", "src/a.py"),
    ("docs/", "docs/"),
    ("docs//", "docs/"),
    ("docs/.", "docs/"),
    ("docs/x/..", "docs/"),
    ("docs/x/../", "docs/"),
    (".github/CODEOWNERS", ".github/CODEOWNERS"),
    ("src/.eslintrc", "src/.eslintrc"),
    ("...", "..."),
    ("..x/a", "..x/a"),
    ("a/..b", "a/..b"),
    ("a/b..", "a/b.."),
    ("x\\..\\y", "x\\..\\y"),  # a backslash is part of a POSIX file name
    ("", None),
    (".", None),
    ("./", None),
    ("..", None),
    ("../x", None),
    ("../../outside.txt", None),
    ("a/../../x", None),
    ("a/..", None),
    ("a/../", None),
    ("./../x", None),
])
def test_relative_paths_are_normalised_lexically(tmp_path, given, expected):
    assert normalise(given, tmp_path) == expected


def test_absolute_paths_are_made_relative_to_the_root(tmp_path):
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (tmp_path / "repox").mkdir()
    (tmp_path / "link").symlink_to(root)  # the repository reached through a linked folder
    (root / "ln").symlink_to(root / "src" / "a.py")  # a link in the repository is answered as itself
    (root / "out").symlink_to(tmp_path / "repox")
    cases = {
        f"{root}/src/a.py": "src/a.py",
        f"{root}/docs/": "docs/",
        f"{root}/src/../docs/b.md": "docs/b.md",
        f"{root}/src/.": "src/",
        f"{tmp_path}/link/src/a.py": "src/a.py",
        f"{root}/ln": "ln",
        f"{root}/out/f": "out/f",  # lexically in the repository: the rules decide, the link is not followed
        str(root): None,
        f"{root}/": None,
        f"{root}/.": None,
        f"{root}/src/..": None,
        f"{root}/../x": None,
        f"{tmp_path}/repox/a": None,  # shares the root's name as a prefix, not its folder
        "/etc/passwd": None,
        "/": None,
    }
    assert {path: normalise(path, root) for path in cases} == cases


def _reference(path: str):
    """``normalise`` for relative paths by another route: ``posixpath.normpath`` (lexical, like git)."""
    if path.startswith("/"):
        return "absolute"
    norm = posixpath.normpath(path) if path else "."
    if norm in (".", "..") or norm.startswith("../"):
        return None
    return norm + "/" if path.endswith(("/", "/.", "/..")) else norm


def test_every_short_path_is_normalised_as_normpath_does_and_the_chunk_test_never_skips_one(tmp_path):
    """All strings of up to six characters over ``a . /``: the answer agrees with ``posixpath.normpath``,
    and a chunk through the bulk test (whole-chunk test, then a test per path) is each path normalised."""
    checked = 0
    for size in range(7):
        for chars in product("a./", repeat=size):
            path = "".join(chars)
            if path.startswith("/"):
                continue
            assert normalise(path, tmp_path) == _reference(path), repr(path)
            checked += 1
    assert checked == 1 + 2 * (1 + 3 + 9 + 27 + 81 + 243)  # every string that does not start with "/"
    for size in range(8):  # chunks of up to four paths
        for chars in product("a./,", repeat=size):
            chunk = "".join(chars).split(",")
            assert _Tally().normalised(chunk, tmp_path) == [normalise(path, tmp_path) for path in chunk], chunk


def _repo(tmp_path: Path, place: str, text: str) -> Path:
    (tmp_path / place).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / place).write_text(text, encoding="utf-8")
    return tmp_path


BAD = ["/etc/passwd", "../../outside.txt", "", ".", "/", "a/..", "src/../../x"]


@pytest.mark.parametrize("place, text, src_tail, all_tail", [
    ("CODEOWNERS", GITHUB, "@src (line 2)", "@all (line 1)"),
    (".gitlab/CODEOWNERS", GITLAB, "@src (line 3)", "@all (line 2)"),
])
def test_paths_outside_the_repository_are_answered_as_such_and_exit_2(tmp_path, capsys, monkeypatch,
                                                                      place, text, src_tail, all_tail):
    """Lean and full command print the same bytes: every path answered in order, the good ones normalised,
    the others as given; no summary; one line on stderr; exit 2."""
    root = _repo(tmp_path, place, text)
    argv = ["--repo", str(root), "--who", "docs/b.md", "src/../docs/b.md", *BAD, "src/./x/../a.py",
            f"{root}/src/a.py", "-"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert lean_takes(argv)
    capsys.readouterr()
    expected = (f"docs/b.md: {all_tail}\ndocs/b.md: {all_tail}\n"
                + "".join(f"{path}: not a path in the repository\n" for path in BAD)
                + f"src/a.py: {src_tail}\nsrc/a.py: {src_tail}\n"
                + f"src/a.py: {src_tail}\n../x: not a path in the repository\n")
    error = ("governance-hooks: error: --who: 8 of 13 path(s) not in the repository (empty, the root or outside "
             "it), the first: `/etc/passwd`\n")
    lean, full = both(capsys, monkeypatch, argv, stdin="./src/a.py\n../x\n")
    assert lean == full == (2, expected, error)


def test_a_bad_path_in_a_later_chunk_keeps_every_answer_in_its_place(tmp_path, capsys, monkeypatch):
    root = _repo(tmp_path, "CODEOWNERS", GITHUB)
    paths = [f"src/f{i}.py" if i % 3 else f"docs/./f{i}.md" for i in range(2500)]
    paths[1500] = "../x\x1b[2K"
    paths[2100] = ""
    expected = "".join(
        "../x\\x1b[2K: not a path in the repository\n" if i == 1500 else
        ": not a path in the repository\n" if i == 2100 else
        f"src/f{i}.py: @src (line 2)\n" if i % 3 else f"docs/f{i}.md: @all (line 1)\n"
        for i in range(2500))
    error = ("governance-hooks: error: --who: 2 of 2500 path(s) not in the repository (empty, the root or outside "
             "it), the first: `../x\\x1b[2K`\n")
    lean, full = both(capsys, monkeypatch, ["--repo", str(root), "--who", *paths])
    assert lean == full == (2, expected, error)


@pytest.mark.parametrize("place, text, tail", [
    ("CODEOWNERS", GITHUB, ', "owners": ["@all"], "line": 1}'),
    (".gitlab/CODEOWNERS", GITLAB, ', "owners": ["@all"], "line": 2, "lines": [2]}'),
])
def test_json_answers_say_which_paths_are_not_in_the_repository(tmp_path, capsys, place, text, tail):
    root = _repo(tmp_path, place, text)
    code = main(["codeowners", "--repo", str(root), "--format", "json", "--who", "src/../b.md", "../x", ""])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ('[\n  {"path": "b.md"' + tail + ',\n  {"path": "../x", "error": "not a path in the repository"},'
                   '\n  {"path": "", "error": "not a path in the repository"}\n]\n')
    assert err == ("governance-hooks: error: --who: 2 of 3 path(s) not in the repository (empty, the root or "
                   "outside it), the first: `../x`\n")


def test_paths_that_normalise_still_exit_0_with_the_summary(tmp_path, capsys, monkeypatch):
    root = _repo(tmp_path, "CODEOWNERS", GITHUB)
    lean, full = both(capsys, monkeypatch, ["--repo", str(root), "--who", "./src/a.py", "docs//"])
    assert lean == full == (0, "src/a.py: @src (line 2)\ndocs/: @all (line 1)\n"
                               "codeowners: 0 errors, 0 warnings, 0 notes; paths: 2\n"
                               "total: 1 check run, 0 errors, 0 warnings, 0 notes; exit 0 (nothing at or above error)\n",
                            "")


def _command(root: Path, *argv: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run([sys.executable, "-m", "governance_hooks", "codeowners", "--repo", str(root), *argv],
                          input=stdin, capture_output=True, env=env, check=False, timeout=60)


@pytest.mark.parametrize("place, text, extra", [
    ("CODEOWNERS", GITHUB, {}),
    (".gitlab/CODEOWNERS", GITLAB, {"lines": [2]}),
])
def test_json_answers_escape_non_utf8_names_losslessly(tmp_path, place, text, extra):
    """Real bytes on stdin: the output is UTF-8 JSON, and the name comes back as the same bytes."""
    root = _repo(tmp_path, place, text)
    proc = _command(root, "--format", "json", "--who", "-", stdin=b"bad\xff.py\n../\xfe\n")
    assert proc.returncode == 2
    assert b'"bad\\udcff.py"' in proc.stdout and b'"../\\udcfe"' in proc.stdout
    document = json.loads(proc.stdout)  # bytes: json.loads decodes them as UTF-8
    assert document == [{"path": "bad\udcff.py", "owners": ["@all"], "line": extra.get("lines", [1])[0], **extra},
                        {"path": "../\udcfe", "error": "not a path in the repository"}]
    assert os.fsencode(document[0]["path"]) == b"bad\xff.py"
    assert proc.stderr == (b"governance-hooks: error: --who: 1 of 2 path(s) not in the repository (empty, the root "
                           b"or outside it), the first: `../\\xfe`\n")


def test_review_json_escapes_non_utf8_names_losslessly(make_repo):
    repo = make_repo({"CODEOWNERS": "* @a\n"})
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / os.fsdecode(b"bad\xff.py")).write_text("")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "non-UTF-8 name")
    proc = _command(repo, "--changed-since", "main", "--who", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert b'"bad\\udcff.py"' in proc.stdout and b"\xff" not in proc.stdout
    document = json.loads(proc.stdout)
    assert [os.fsencode(f) for review in document["reviews"] for f in review["files"]] == [b"bad\xff.py"]


@pytest.mark.parametrize("fmt", ["sarif", "github"])
@pytest.mark.parametrize("who", [["--who", "src/a.py"], ["--changed-since", "main", "--who"]])
def test_who_refuses_formats_that_cannot_carry_answers(make_repo, capsys, fmt, who):
    repo = make_repo({"CODEOWNERS": GITHUB, "src/a.py": ""})
    code = main(["codeowners", "--repo", str(repo), "--format", fmt, *who])
    assert (code, *capsys.readouterr()) == (
        2, "", f"governance-hooks: error: --who answers in text or json; --format {fmt} is not supported with it\n")


def test_a_codeowners_named_outside_the_repository_is_read(tmp_path, capsys, monkeypatch):
    root = _repo(tmp_path / "repo", "CODEOWNERS", GITHUB)
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("")
    external = tmp_path / "ext" / "CODEOWNERS"
    external.parent.mkdir()
    external.write_text("* @ext\n", encoding="utf-8")
    (tmp_path / "ext-link").symlink_to(external)  # a link the operator named outside: also theirs
    for named in (external, tmp_path / "ext-link"):
        monkeypatch.setattr(sys, "stdin", io.StringIO(""))
        assert main(["codeowners", "--repo", str(root), str(named), "--who", "src/a.py"]) == 0
        out, err = capsys.readouterr()
        assert (out.splitlines()[0], err) == ("src/a.py: @ext (line 1)", "")
        assert main(["codeowners", "--repo", str(root), str(named)]) == 0
        out, err = capsys.readouterr()
        assert (out.splitlines()[0], err) == (
            "codeowners: 0 errors, 0 warnings, 0 notes; files: 2; rules: 1; unowned files: 0; dialect: github", "")


def test_a_codeowners_in_the_repository_that_links_outside_stays_refused(tmp_path, capsys, monkeypatch):
    root = tmp_path / "repo"
    (root / ".github").mkdir(parents=True)
    secret = tmp_path / "secret"
    secret.write_text("* @leaked\n", encoding="utf-8")
    (root / ".github" / "CODEOWNERS").symlink_to(secret)
    (tmp_path / "linked-repo").symlink_to(root)
    monkeypatch.chdir(root)
    through_link = str(tmp_path / "linked-repo" / ".github" / "CODEOWNERS")  # the repository via a linked folder
    shown = {None: ".github/CODEOWNERS", ".github/CODEOWNERS": ".github/CODEOWNERS",
             str(root / ".github" / "CODEOWNERS"): ".github/CODEOWNERS", through_link: through_link}
    for named, name in shown.items():
        assert main(["codeowners", "--repo", str(root), *([named] if named else []), "--who", "a"]) == 2
        out, err = capsys.readouterr()
        assert "@leaked" not in out + err
        assert err == (f"governance-hooks: error: {name}: "
                       + ("is a symbolic link or lies below one; it is not followed, so it requests no reviews: "
                          "replace it with the file before asking --who\n" if not named
                          else f"cannot read: is a symlink to {secret}, outside the repository\n"))


def test_safe_open_says_outside_for_a_plain_file_and_symlink_for_a_link(tmp_path):
    from governance_hooks.safe_open import UnsafeFile, in_repository, resolve_inside

    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    (root / "link").symlink_to(outside)
    with pytest.raises(UnsafeFile) as plain:
        resolve_inside(outside, root)
    with pytest.raises(UnsafeFile) as linked:
        resolve_inside(root / "link", root)
    assert (plain.value.reason, linked.value.reason) == (
        "is outside the repository", f"is a symlink to {outside}, outside the repository")
    (tmp_path / "alias").symlink_to(root)
    assert [in_repository(p, root) for p in (root / "link", tmp_path / "alias" / "link", outside,
                                             tmp_path / "repo-other" / "x", root / ".." / "outside.txt")] == [
        True, True, False, False, False]


def test_a_refused_path_with_a_rule_too_long_to_match_names_both_on_stderr(tmp_path, capsys):
    """No summary follows the answers: the finding that fails the query is printed before the error."""
    root = _repo(tmp_path, "CODEOWNERS", "* @a\n" + "x" * 140_000 + " @b\n")
    code = main(["codeowners", "--repo", str(root), "--who", "a", "../x"])
    assert (code, *capsys.readouterr()) == (
        2, "a: @a (line 1)\n../x: not a path in the repository\n",
        "CODEOWNERS:2: error codeowners/pattern-too-long: the pattern is 140,000 characters long, over the "
        "131,072-character analysis budget: the files it matches were not worked out, so the owners of any file "
        "it may match are unknown\n"
        "governance-hooks: error: --who: 1 of 2 path(s) not in the repository (empty, the root or outside it), "
        "the first: `../x`\n")


def test_the_refusal_line_cannot_carry_a_workflow_command_on_either_path(tmp_path, capsys, monkeypatch):
    """The first refused path is quoted on stderr: it comes from an untrusted list, so its `##[` is broken
    there as on the full command's guarded stderr (the runner reads `##[` anywhere in a line)."""
    (tmp_path / "CODEOWNERS").write_text("* @all\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    results = both(capsys, monkeypatch, ["--repo", str(tmp_path), "--who", "-"],
                   stdin="a.py\n../##[add-mask]x\n")
    assert results[0] == results[1]
    code, out, err = results[0]
    assert code == 2
    assert out == "a.py: @all (line 1)\n../#\\u0023[add-mask]x: not a path in the repository\n"
    assert err == ("governance-hooks: error: --who: 1 of 2 path(s) not in the repository (empty, the root or "
                   "outside it), the first: `../#\\u0023[add-mask]x`\n")


STDIN_BYTES = b"src/a.py\nsrc/b\xff.py\r\n\n\xc3\xa9\xfe/x\n"
STDIN_ANSWERS = ("src/a.py: @src (line 2)\nsrc/b\\xff.py: @src (line 2)\n\u00e9\\xfe/x: @all (line 1)\n"
                 "codeowners: 0 errors, 0 warnings, 0 notes; paths: 3\n"
                 "total: 1 check run, 0 errors, 0 warnings, 0 notes; exit 0 (nothing at or above error)\n")


@pytest.mark.parametrize("encoding, errors", [("utf-8", "strict"), ("utf-8", "surrogateescape"),
                                              ("latin-1", "strict"), ("ascii", "strict")])
def test_stdin_is_read_as_file_name_bytes_whatever_its_text_encoding(tmp_path, capsys, monkeypatch,
                                                                    encoding, errors):
    """Lean and full command: non-UTF-8 bytes on a strict UTF-8 (or Latin-1, ASCII) stdin are decoded as
    file names are (``0xff`` is shown ``\\xff``), the same answers for every stdio encoding."""
    root = _repo(tmp_path, "CODEOWNERS", GITHUB)
    argv = ["--repo", str(root), "--who", "-"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert lean_takes(argv)
    results = []
    for extra in ([], ["--fail-on", "error"]):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(STDIN_BYTES), encoding=encoding, errors=errors))
        code = main(["codeowners", *extra, *argv])
        results.append((code, *capsys.readouterr()))
    assert results == [(0, STDIN_ANSWERS, "")] * 2


def test_stdin_encoding_does_not_change_the_answer_in_a_real_process(tmp_path):
    root = _repo(tmp_path, "CODEOWNERS", GITHUB)
    outputs = {}
    for encoding in ("utf-8", "utf-8:strict", "latin-1"):
        proc = subprocess.run([sys.executable, "-m", "governance_hooks", "codeowners", "--repo", str(root), "--who", "-"],
                              input=STDIN_BYTES, capture_output=True, check=False, timeout=60,
                              env=dict(os.environ, PYTHONPATH=str(SRC), PYTHONIOENCODING=encoding))
        outputs[encoding] = (proc.returncode, proc.stdout.replace(b"\xe9", "\u00e9".encode()), proc.stderr)
    # stdout is written in PYTHONIOENCODING: the one non-ASCII answer (é) is é's byte in Latin-1
    assert set(outputs.values()) == {(0, STDIN_ANSWERS.encode("utf-8"), b"")}, outputs
