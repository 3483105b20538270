"""Hostile text in every output: lone surrogates, non-UTF-8 and control-character names, terminal
escapes, workflow commands, Markdown and HTML.

Every output format must carry any file name and any string from any input,
losslessly escaped, and never crash, move a terminal's cursor, start a
workflow command or render markup from the repository. The end-to-end cases
run the real console entry point in a subprocess, because only a real stdout
encodes strictly as UTF-8 (pytest's capture would hide a lone surrogate).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes

import cmarkgfm
import jsonschema
import pytest
from cmarkgfm.cmark import Options

from governance_hooks.findings import Finding, Location, Severity
from governance_hooks.report import CheckSummary, Report, render
from governance_hooks.escape import markdown_code, markdown_text, path_bytes, terminal_safe
from governance_hooks.report.github import render_summary
from governance_hooks.report.sarif import artifact_location

from ..conftest import PROJECT, RUNNER_WHITE, SHOWN_WHITE, git

NON_UTF8 = os.fsdecode(b"data/bad\xffname.py")
CONTROL_NAME = "ctl\x1b[2K\x07name.py"
COMMAND_NAME = "::stop-commands::tok.py"
CODE_NAME = "we`ird\\name `x`.py"
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
LINE_ERASE = "\x1b[2K\r"
MARKUP = "![x](http://evil.example/x.png) <img src=x onerror=alert(1)> [link](https://evil.example) www.evil.example *b*"
INJECTED = "first\n::stop-commands::tok\n::error::pwned"

HOSTILE = [
    Finding("codeowners/invalid-owner", Severity.ERROR, f"owner {OSC52} lacks its @{LINE_ERASE}", Location("CODEOWNERS", 1, 2)),
    Finding("codeowners/invalid-owner", Severity.ERROR, f"owner {OSC52} lacks its @{LINE_ERASE}", Location("CODEOWNERS", 1, 2)),
    Finding("metrics/schema-violation", Severity.ERROR, 'value "\ud800x" is not a number', Location("logs/a.ndjson", 1, 10),
            evidence={"value": "\ud800x", "key": "\udfff"}),
    Finding("metrics/schema-violation", Severity.WARNING, MARKUP, Location("logs/a.ndjson", 2, 1),
            suggestion="use `a``b` or C:\\dir\\ instead"),
    Finding("redos/exponential-backtracking", Severity.ERROR, INJECTED, Location(NON_UTF8, 2, 16)),
    Finding("redos/exponential-backtracking", Severity.NOTE, "control name", Location(CONTROL_NAME, 1)),
    Finding("redos/exponential-backtracking", Severity.WARNING, "command name", Location(COMMAND_NAME, 3, 1)),
    Finding("redos/exponential-backtracking", Severity.WARNING, "code name", Location(CODE_NAME, 4, 1)),
]


def hostile_report() -> Report:
    checks = [CheckSummary("codeowners", {"error": 2, "warning": 0, "note": 0}, status="fail"),
              CheckSummary("redos", {"error": 1, "warning": 2, "note": 1}, status="fail",
                           stats={"note": OSC52}),
              CheckSummary("metrics", {"error": 1, "warning": 1, "note": 0}, status="error", reason=INJECTED)]
    return Report(sorted(HOSTILE, key=Finding.sort_key), checks, "0.1.0", root="/work/repo")


def gfm_html(markdown: str) -> str:
    """What GitHub renders (cmark-gfm, GitHub's own fork), with raw HTML allowed so that any leak shows."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


# ------------------------------------------------------------------ every format over hostile findings


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_every_format_encodes_as_strict_utf8_without_raw_controls(fmt):
    text = render(fmt, hostile_report())
    text.encode("utf-8")  # strict: no lone surrogate survives
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", text)  # no escape, bell or CR (only tab and newline)
    assert not any(line.lstrip().startswith("::") for line in text.splitlines() if not re.match(r"::(error|warning|notice) ", line))


def test_json_carries_every_string_and_name_losslessly():
    doc = json.loads(render("json", hostile_report()))
    by_message = {(f["path"], f["message"]) for f in doc["findings"]}
    assert by_message == {(f.location.path, f.message) for f in HOSTILE}
    [evidence] = [f["evidence"] for f in doc["findings"] if f["evidence"]]
    assert evidence == {"value": "\ud800x", "key": "\udfff"}
    assert os.fsencode(next(f["path"] for f in doc["findings"] if f["path"].startswith("data/"))) == b"data/bad\xffname.py"
    assert doc["summary"]["metrics"]["reason"] == INJECTED


def test_sarif_is_valid_lossless_and_fingerprints_are_unique(sarif_schema):
    log = json.loads(render("sarif", hostile_report()))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    results = log["runs"][0]["results"]
    uris = {unquote_to_bytes(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results}
    assert uris == {path_bytes(f.location.path) for f in HOSTILE}
    assert b"data/bad\xffname.py" in uris
    assert {r["message"]["text"].split(" Suggestion: ")[0] for r in results} == {f.message for f in HOSTILE}
    prints = [r["partialFingerprints"]["governanceHooks/v1"] for r in results]
    assert len(set(prints)) == len(prints) == len(HOSTILE)
    # The two identical CODEOWNERS findings: the second gets an occurrence number.
    assert sorted(p for p in prints if p.startswith(HOSTILE[0].fingerprint())) == [
        HOSTILE[0].fingerprint(), HOSTILE[0].fingerprint() + ":2"]


def test_text_shows_controls_as_visible_escapes_one_line_per_finding():
    text = render("text", hostile_report())
    lines = text.splitlines()
    assert "data/bad\\xffname.py:2:16: error redos/exponential-backtracking first\\n::stop-commands::tok\\n::error::pwned" in lines
    assert "CODEOWNERS:1:2: error codeowners/invalid-owner owner \\x1b]52;c;ZXZpbA==\\x07 lacks its @\\x1b[2K\\r" in lines
    assert "ctl\\x1b[2K\\x07name.py:1: note redos/exponential-backtracking control name" in lines
    assert "./::stop-commands::tok.py:3:1: warning redos/exponential-backtracking command name" in lines
    assert "logs/a.ndjson:1:10: error metrics/schema-violation value \"\\ud800x\" is not a number" in lines
    assert "metrics: 1 error, 1 warning, 0 notes [error: first\\n::stop-commands::tok\\n::error::pwned]" in lines
    assert "redos: 1 error, 2 warnings, 1 note; note: \\x1b]52;c;ZXZpbA==\\x07" in lines
    # The coloured terminal layout escapes the same text; its only escapes are its own SGR colours.
    coloured = render("text", hostile_report(), color=True, links=True)
    own = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;;[^\x1b]*\x1b\\", "", coloured)
    assert "\x1b" not in own and "\x07" not in own
    assert "\\x1b]52;c;ZXZpbA==\\x07" in own


def test_annotations_are_one_command_each_with_escaped_properties():
    lines = render("github", hostile_report()).splitlines()
    assert len(lines) == len(HOSTILE)
    assert all(re.match(r"::(error|warning|notice) ", line) for line in lines)
    assert ("::error file=data/bad\\xffname.py,line=2,col=16,title=redos/exponential-backtracking::"
            "first%0A::stop-commands::tok%0A::error::pwned") in lines
    assert "::notice file=ctl\\x1b[2K\\x07name.py,line=1,title=redos/exponential-backtracking::control name" in lines
    assert any(line.startswith("::warning file=%3A%3Astop-commands%3A%3Atok.py,line=3,") for line in lines)


def test_job_summary_renders_repository_text_literally():
    markdown = render_summary(hostile_report())
    markdown.encode("utf-8")
    html = gfm_html(markdown)
    assert "<img" not in html and "<b>" not in html and "href=\"http" not in html and "href=\"https" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "![x](http://evil.example/x.png)" in html
    assert "www.evil.example *b*" in html
    # Code spans: backticks and backslashes exactly as in the name, `|` does not split the cell.
    assert "<code>we`ird\\name `x`.py:4</code>" in html
    assert "<code>ctl\\x1b[2K\\x07name.py:1</code>" in html
    assert "<code>data/bad\\xffname.py:2</code>" in html
    assert "first\\n::stop-commands::tok\\n::error::pwned" in html
    assert "use `a``b` or C:\\dir\\ instead" in html
    bodies = "".join(part.split("</tbody>")[0] for part in html.split("<tbody>")[1:])
    assert bodies.count("<tr>") == len(HOSTILE) + 3  # every finding and every check is exactly one row


@pytest.mark.parametrize("text", ["plain", "a|b", "`", "``x``", "x`", " `y` ", "\\", "a\\`b", "|`|", "\x1b[2K"])
def test_code_spans_show_their_text_exactly(text):
    html = gfm_html(f"| h |\n|---|\n| {markdown_code(text)} |\n")
    cell = re.search(r"<td><code>([^<]*)</code></td>", html).group(1)  # the text has no raw `<`: it is escaped
    assert cell.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') == terminal_safe(text)


@pytest.mark.parametrize("text", [MARKUP, "a*b*_c_ ~~d~~ $x$ &amp; <br> \\ ` | # + -", "https://a.example/x http://b.example"])
def test_markdown_text_shows_its_text_exactly(text):
    html = gfm_html(f"| h |\n|---|\n| {markdown_text(text)} |\n")
    cell = re.search(r"<td>([^<]*)</td>", html).group(1)  # no tag inside: nothing was rendered as markup
    assert cell.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') == text


def test_paths_outside_the_repository_are_not_under_srcroot():
    assert artifact_location("/etc/passwd", "/work/repo") == {"uri": "file:///etc/passwd"}
    assert artifact_location("../other/x.py", "/work/repo") == {"uri": "file:///work/other/x.py"}
    assert artifact_location("a/../../x.py", "/work/repo") == {"uri": "file:///work/x.py"}
    assert artifact_location("C:\\x.py", "/work/repo") == {"uri": "file:///C:/x.py"}
    assert artifact_location("src/a b.py", "/work/repo") == {"uri": "src/a%20b.py", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("", "/work/repo") == {"uri": ".", "uriBaseId": "%SRCROOT%"}


# ------------------------------------------------------------------ end to end, through a real stdout


def _cli(*args: str, cwd: Path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run([sys.executable, "-m", "governance_hooks", *args], cwd=cwd, env=env,
                          capture_output=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def hostile_repo(make_repo):
    return make_repo({
        os.fsdecode(b"bad\xffname.py"): "import re\nR = re.compile(r'(a+)+$')\nR.search(input())\n",
        "logs/run.ndjson": '{"epoch": "\\ud800x"}\n{"epoch": 1, "\\ud800": 1, "\\ud800": 2}\n',
        "CODEOWNERS": f"{OSC52}{LINE_ERASE} @bad owner\n* @ok/team\n",
    })


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_run_over_a_hostile_repository_in_every_format(hostile_repo, tmp_path, fmt, sarif_schema):
    code, out, err = _cli("run", "--checks", "codeowners,redos,metrics", "--format", fmt,
                          "--report", str(tmp_path / "audit"), "--summary", str(tmp_path / "summary.md"), str(hostile_repo),
                          cwd=hostile_repo)
    assert (code, err.decode("utf-8")) == (1, "")
    text = out.decode("utf-8")  # strict
    assert "\x1b" not in text and "\x07" not in text
    audit = json.loads((tmp_path / "audit" / "report.json").read_bytes().decode("utf-8"))
    assert audit["totals"]["error"] >= 3
    (tmp_path / "audit" / "report.md").read_bytes().decode("utf-8")
    summary = (tmp_path / "summary.md").read_bytes().decode("utf-8")
    assert "\x1b" not in summary
    if fmt == "json":
        doc = json.loads(text)
        paths = {os.fsencode(f["path"]) for f in doc["findings"]}
        assert b"bad\xffname.py" in paths
        assert any("\ud800" in f["message"] for f in doc["findings"])
    if fmt == "sarif":
        log = json.loads(text)
        jsonschema.Draft4Validator(sarif_schema).validate(log)
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
        assert "bad%FFname.py" in uris
    if fmt == "text":
        assert "bad\\xffname.py:2:16: error redos/exponential-backtracking" in text
        assert "CODEOWNERS:1:2: error codeowners/invalid-pattern pattern `\\x1b]52;c;ZXZpbA==\\x07\\x1b[2K\\r`" in text


def test_report_to_stdout_is_valid_utf8(hostile_repo):
    code, out, err = _cli("report", "--format", "json", "--checks", "redos", str(hostile_repo), cwd=hostile_repo)
    assert (code, err) == (1, b"")
    inputs = json.loads(out.decode("utf-8"))["checks"][1]["inputs"]
    assert [os.fsencode(i["path"]) for i in inputs] == [b"bad\xffname.py"]


def test_text_to_a_file_is_escaped_too(hostile_repo, tmp_path):
    out_file = tmp_path / "out.txt"
    code, out, err = _cli("codeowners", "--output", str(out_file), cwd=hostile_repo)
    assert (code, out, err) == (1, b"", b"")
    text = out_file.read_bytes().decode("utf-8")
    assert "\x1b" not in text and "\\x1b]52;c;ZXZpbA==\\x07" in text


def test_an_error_line_from_configuration_cannot_start_a_workflow_command(make_repo):
    repo = make_repo({
        "logs/a.ndjson": '{"epoch": 1}\n',
        "pyproject.toml": '[tool.governance-hooks.metrics]\nschema = "nope\\n::stop-commands::tok\\n::error::pwned"\n',
    })
    code, out, err = _cli("metrics", cwd=repo)
    assert (code, out) == (2, b"")
    lines = err.decode("utf-8").splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("governance-hooks: error: nope\\n::stop-commands::tok\\n::error::pwned")


def test_a_pipeline_error_line_is_escaped(make_repo):
    repo = make_repo({"logs/a.ndjson": '{"epoch": 1}\n',
                      "pyproject.toml": '[tool.governance-hooks.metrics]\nschema = "x\\n::error::pwned"\n'})
    code, out, err = _cli("run", "--checks", "metrics", "--format", "github", cwd=repo)
    assert code == 2
    for line in err.decode("utf-8").splitlines():
        assert not line.startswith("::")
    assert all(line.startswith("::error title=metrics/internal-error::") or not line.startswith("::")
               for line in out.decode("utf-8").splitlines())


def test_a_file_named_like_a_workflow_command_cannot_start_one(make_repo):
    repo = make_repo({"::stop-commands::tok.py": "import re\nR = re.compile(r'(a+)+$')\nR.search(input())\n"})
    git(repo, "status")
    code, out, _ = _cli("redos", cwd=repo)
    assert code == 1
    lines = out.decode("utf-8").splitlines()
    assert lines[0].startswith("./::stop-commands::tok.py:2:16: error redos/exponential-backtracking")
    assert not any(line.lstrip().startswith("::") for line in lines)


def guarded(pieces) -> str:
    """What ``CommandGuard`` writes for ``pieces`` written one after the other, then ``close_line``."""
    import io

    from governance_hooks.escape import CommandGuard

    sink = io.StringIO()
    guard = CommandGuard(sink)
    for piece in pieces:
        guard.write(piece)
    guard.close_line()
    return sink.getvalue()


@pytest.mark.parametrize("pieces", [
    ["note: ok\n::stop-commands::tok\n  ::error::x\n:a\n"],
    ["note: ok\n:", ":stop-commands::tok\n", " ", " :", ":error::x\n", ":", "a\n"],
    list("note: ok\n::stop-commands::tok\n  ::error::x\n:a\n"),
])
def test_check_streams_cannot_start_a_workflow_command_whatever_the_write_boundaries(pieces):
    assert guarded(pieces) == "note: ok\n\\::stop-commands::tok\n  \\::error::x\n:a\n"


def chatty_check(monkeypatch, capsys, tmp_path, err: str, out: str):
    """``(stdout, stderr)`` of the command line when a check writes ``err`` and ``out`` to its streams."""
    from governance_hooks import commands
    from governance_hooks.check import CheckResult
    from governance_hooks.cli import main

    class Chatty:
        HELP = "writes repository text to its streams"

        @staticmethod
        def add_arguments(parser):
            parser.add_argument("paths", nargs="*")

        @staticmethod
        def run(args, ctx):
            ctx.stderr.write(err)
            ctx.stdout.write(out)
            return CheckResult(replaces_report=True)

    real = commands.command_module
    monkeypatch.setattr(commands, "command_module", lambda name: Chatty if name == "redos" else real(name))
    assert main(["redos", "--repo", str(tmp_path)]) == 0
    return capsys.readouterr()


def test_a_check_writing_to_its_streams_goes_through_the_guard(tmp_path, capsys, monkeypatch):
    out, err = chatty_check(monkeypatch, capsys, tmp_path, "::stop-commands::tok\n", "::add-mask::x\n")
    assert (out, err) == ("\\::add-mask::x\n", "\\::stop-commands::tok\n")


# ------------------------------------------------------------------ what the GitHub runner reads as a command

LEGACY_NAMES = ["##[error]x", "x ##[add-mask]y"]


def runner_commands(text: str) -> list:
    """The lines of ``text`` the runner would take for a workflow command: ``::`` after ``TrimStart()``
    (``TryParseV2``) or ``##[`` anywhere (``TryParse``), lines split at CR and LF as its reader does."""
    return [line for line in re.split("\r\n|\r|\n", text)
            if line.lstrip("".join(RUNNER_WHITE)).startswith("::") or "##[" in line]


def test_the_runner_white_space_is_dotnet_char_is_white_space():
    """.NET documents ``char.IsWhiteSpace`` as the categories Zs, Zl, Zp plus U+0009-000D and U+0085."""
    import unicodedata

    from governance_hooks.escape import RUNNER_BLANKS

    dotnet = {chr(c) for c in range(0x10000)
              if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp") or 0x09 <= c <= 0x0D or c == 0x85}
    assert sorted(RUNNER_BLANKS) == sorted(dotnet) == sorted(RUNNER_WHITE)


@pytest.mark.parametrize("white", RUNNER_WHITE, ids=lambda c: f"U+{ord(c):04X}")
def test_no_line_escape_skips_every_runner_white_space(white):
    from governance_hooks.escape import no_workflow_command

    assert no_workflow_command(f"{white}::error::x") == f"{white}\\::error::x"
    assert no_workflow_command(f"{white}{white}:x") == f"{white}{white}:x"


@pytest.mark.parametrize("line, safe", [
    ("##[error]x", "#\\u0023[error]x"),
    ("x ##[add-mask]y", "x #\\u0023[add-mask]y"),
    ("###[a]##[b]", "##\\u0023[a]#\\u0023[b]"),
    ("\u3000::warning::##[error]x", "\u3000\\::warning::#\\u0023[error]x"),
])
def test_no_line_escape_breaks_the_legacy_prefix_anywhere(line, safe):
    from governance_hooks.escape import no_workflow_command

    assert no_workflow_command(line) == safe
    assert runner_commands(safe) == []


def test_the_common_case_is_unchanged():
    """Text that holds no command is written as it is by every guard, whatever the write boundaries."""
    from governance_hooks.escape import json_safe, markdown_code, no_workflow_command

    text = ("src/a.py: @org/team (line 3)\n## heading # [x] #[y] a::b é\u00a0: \t:x\n"
            "docs/é.md: no owners (no rule matches)\n:\n #\n")
    for pieces in ([text], list(text), re.split("(:|#)", text)):
        assert guarded(pieces) == text
    assert [no_workflow_command(line) for line in text.splitlines()] == text.splitlines()
    assert json_safe('{"a": "# [x] #[y] a::b"}') == '{"a": "# [x] #[y] a::b"}'
    assert markdown_code("a#[b] ##x") == "`a#[b] ##x`"


@pytest.mark.parametrize("white", RUNNER_WHITE, ids=lambda c: f"U+{ord(c):04X}")
def test_check_streams_skip_every_runner_white_space(white):
    text = f"note\n{white}::error::x\n"
    for pieces in ([text], list(text), ["note\n" + white, ":", ":error::x\n"]):
        assert guarded(pieces) == f"note\n{white}\\::error::x\n"


@pytest.mark.parametrize("pieces", [
    ["##[error]x\nx ##[add-mask]y\n"],
    list("##[error]x\nx ##[add-mask]y\n"),
    ["#", "#", "[error]x\nx #", "#[add-mask]y\n"],
    ["##", "[error]x\nx ##", "[add-mask]y\n"],
])
def test_check_streams_break_the_legacy_prefix_whatever_the_write_boundaries(pieces):
    assert guarded(pieces) == "#\\u0023[error]x\nx #\\u0023[add-mask]y\n"


def test_held_hashes_are_written_by_close_line():
    import io

    from governance_hooks.escape import CommandGuard

    sink = io.StringIO()
    guard = CommandGuard(sink)
    guard.write("progress ##")
    assert sink.getvalue() == "progress "
    guard.close_line()
    assert sink.getvalue() == "progress ##"


def test_the_guard_agrees_with_the_line_escape_for_every_short_text_and_split():
    """Every text of up to five characters over the characters that matter, written whole, one character at
    a time and cut once anywhere: the guard writes what :func:`no_workflow_command` makes of each line."""
    from itertools import product

    from governance_hooks.escape import no_workflow_command

    def expected(text):
        parts = re.split("([\r\n])", text)
        return "".join(part if i % 2 else no_workflow_command(part) for i, part in enumerate(parts))

    for size in range(6):
        for chars in product(":#[ \u3000\n\r", repeat=size):
            text = "".join(chars)
            for pieces in ([text], list(text), *([text[:cut], text[cut:]] for cut in range(1, size))):
                assert guarded(pieces) == expected(text), (text, pieces)


def test_a_check_writing_hostile_lines_to_its_streams_is_guarded(tmp_path, capsys, monkeypatch):
    lines = "".join(f"{white}::error::x\n" for white in RUNNER_WHITE)
    out, err = chatty_check(monkeypatch, capsys, tmp_path, lines, "a ##[add-mask]y\n")
    assert (out, err) == ("a #\\u0023[add-mask]y\n", "".join(f"{white}\\::error::x\n" for white in RUNNER_WHITE))


def legacy_report() -> Report:
    findings = [Finding("codeowners/unowned-file", Severity.ERROR, f"`{name}` has no code owner", Location(name, 1))
                for name in LEGACY_NAMES]
    return Report(findings, [CheckSummary("codeowners", {"error": 2, "warning": 0, "note": 0}, status="fail")],
                  "0.1.0", root="/work/repo")


def test_legacy_prefix_in_names_in_text():
    assert render("text", legacy_report()).splitlines()[:2] == [
        "#\\u0023[error]x:1: error codeowners/unowned-file `#\\u0023[error]x` has no code owner",
        "x #\\u0023[add-mask]y:1: error codeowners/unowned-file `x #\\u0023[add-mask]y` has no code owner"]


def test_legacy_prefix_in_names_in_annotations_is_kept():
    """An annotation line starts with ``::error``: ``TryParseV2`` reads it, so ``TryParse`` (``##[``) never runs
    on it; the file property stays the real name, or GitHub could not place the annotation."""
    assert render("github", legacy_report()).splitlines() == [
        "::error file=##[error]x,line=1,title=codeowners/unowned-file::`##[error]x` has no code owner",
        "::error file=x ##[add-mask]y,line=1,title=codeowners/unowned-file::`x ##[add-mask]y` has no code owner"]


def test_legacy_prefix_in_names_in_json_and_sarif_decodes_to_the_name():
    text = render("json", legacy_report())
    assert '      "path": "#\\u0023[error]x",' in text.splitlines()
    assert runner_commands(text) == []
    assert [f["path"] for f in json.loads(text)["findings"]] == LEGACY_NAMES
    sarif = render("sarif", legacy_report())
    assert runner_commands(sarif) == []
    results = json.loads(sarif)["runs"][0]["results"]
    assert [r["message"]["text"] for r in results] == [f"`{name}` has no code owner" for name in LEGACY_NAMES]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == [
        "%23%23%5Berror%5Dx", "x%20%23%23%5Badd-mask%5Dy"]


def test_legacy_prefix_in_names_in_the_job_summary():
    markdown = render_summary(legacy_report())
    assert runner_commands(markdown) == []
    rows = [line for line in markdown.splitlines() if line.startswith("| `")]
    assert rows == ["| `#\\u0023[error]x:1` | `codeowners/unowned-file` | \\`##\\[error\\]x\\` has no code owner |",
                    "| `x #\\u0023[add-mask]y:1` | `codeowners/unowned-file` | \\`x ##\\[add-mask\\]y\\` has no code owner |"]
    html = gfm_html(markdown)
    assert "<code>#\\u0023[error]x:1</code>" in html and "<td>`##[error]x` has no code owner</td>" in html


def test_committed_names_with_runner_white_space_or_legacy_prefix_in_the_text_report(make_repo):
    names = [f"{white}::error::x.py" for white in RUNNER_WHITE] + LEGACY_NAMES
    repo = make_repo({**{name: "x\n" for name in names}, "CODEOWNERS": "/src/ @src\n"})
    code, out, err = _cli("codeowners", "--require-owner", cwd=repo)
    assert (code, err) == (1, b"")
    text = out.decode("utf-8")
    assert runner_commands(text) == []
    lines = text.splitlines()
    for white in RUNNER_WHITE:
        shown = SHOWN_WHITE.get(white)
        where = f"{shown}::error::x.py" if shown else f"./{white}::error::x.py"
        quoted = f"{shown or white}::error::x.py"
        assert f"{where}: error codeowners/unowned-file `{quoted}` has no code owner: no rule matches it" in lines
    assert "#\\u0023[error]x: error codeowners/unowned-file `#\\u0023[error]x` has no code owner: no rule matches it" \
        in lines
    assert ("x #\\u0023[add-mask]y: error codeowners/unowned-file `x #\\u0023[add-mask]y` has no code owner: "
            "no rule matches it") in lines


def test_a_sarif_merge_error_quoting_an_input_breaks_the_legacy_prefix(tmp_path, capsys):
    from governance_hooks.report.sarif_merge import main

    other = tmp_path / "other.sarif"
    other.write_text(json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x ##[add-mask]y"}}}]}),
                     encoding="utf-8")
    assert main([str(tmp_path / "out.sarif"), str(other)]) == 2
    assert capsys.readouterr().err == \
        f"governance-hooks sarif-merge: error: {other}: a run of 'x #\\u0023[add-mask]y', not governance-hooks\n"
