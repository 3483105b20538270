"""What a person sees: --list-rules as JSON, colour and links by environment, quiet success, progress
only on a terminal, a missing extra named with its fix, one exit-code contract for every subcommand."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from governance_hooks import commands, emit, progress
from governance_hooks.cli import main
from governance_hooks.rules import CHECKS, all_rules, help_uri

from ..conftest import PROJECT


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_list_rules_as_json_for_everything_and_for_one_check(capsys):
    assert main(["--list-rules", "--format", "json"]) == 0
    everything = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in everything] == list(all_rules())
    first = everything[0]
    assert set(first) == {"id", "check", "severity", "summary", "help"}
    assert main(["redos", "--list-rules", "--format", "json"]) == 0
    redos = json.loads(capsys.readouterr().out)
    assert {r["check"] for r in redos} == {"redos"}
    assert [r["id"] for r in redos] == [r["id"] for r in everything if r["check"] == "redos"]


def test_list_rules_refuses_formats_it_cannot_write(capsys):
    assert main(["redos", "--list-rules", "--format", "sarif"]) == 2
    assert capsys.readouterr().err == "governance-hooks: error: --list-rules supports --format text or json, not sarif\n"


@pytest.mark.parametrize(
    "environ, tty, expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, False),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_follows_no_color_force_color_and_the_terminal(environ, tty, expected):
    stream = Tty() if tty else io.StringIO()
    assert emit.use_color(stream, environ) is expected


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, False), ({"TERM": "xterm-256color"}, False), ({"WT_SESSION": "x"}, True),
        ({"TERM_PROGRAM": "iTerm.app"}, True), ({"VTE_VERSION": "7600"}, True), ({"VTE_VERSION": "4000"}, False),
        ({"FORCE_HYPERLINK": "1"}, True), ({"FORCE_HYPERLINK": "0", "WT_SESSION": "x"}, False),
    ],
)
def test_links_only_where_the_terminal_supports_them(environ, expected):
    assert emit.use_links(environ) is expected


def test_terminal_output_groups_by_file_with_links(make_repo, monkeypatch):
    repo = make_repo({"a.py": "import re\nA = re.compile(r'(a+)+$')\nB = re.compile(r'(b+)+$')\nA.search(input()), B.search(input())\n",
                      "b.py": "import re\nC = re.compile(r'(c*)*$')\nC.search(input())\n"})
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("FORCE_HYPERLINK", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["redos", "--repo", str(repo)]) == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "\x1b[1ma.py\x1b[0m"
    link = f"\x1b]8;;{help_uri('redos/exponential-backtracking')}\x1b\\redos/exponential-backtracking\x1b]8;;\x1b\\"
    assert lines[1].startswith(f"     2:16  \x1b[31merror\x1b[0m    {link}  exponential backtracking")
    assert sum(1 for line in lines if line.startswith("\x1b[1m")) == 3  # a.py, b.py, and the total
    assert lines[-1].startswith("\x1b[1mtotal: 1 check run\x1b[0m, 3 errors, 0 warnings, 0 notes;")


def test_quiet_prints_nothing_on_success_and_everything_otherwise(make_repo, capsys):
    clean = make_repo({"a.py": "x = 1\n"}, name="clean")
    assert main(["redos", "--repo", str(clean), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["redos", "--repo", str(clean)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "total: 1 check run, 0 errors, 0 warnings, 0 notes; exit 0 (nothing at or above error)"
    dirty = make_repo({"a.py": "import re\nA = re.compile(r'(a+)+$')\nA.search(input())\n"}, name="dirty")
    assert main(["run", str(dirty), "--checks", "redos", "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("a.py:2:16: error redos/exponential-backtracking")
    assert out[-1] == "total: 1 check run (6 skipped), 1 error, 0 warnings, 0 notes; exit 1 (findings at or above error)"


@pytest.mark.parametrize(
    "environ, tty, expected",
    [({}, True, True), ({}, False, False), ({"CI": "true"}, True, False), ({"GITHUB_ACTIONS": "true"}, True, False),
     ({"TERM": "dumb"}, True, False)],
)
def test_progress_only_on_a_terminal_outside_ci(environ, tty, expected):
    stream = Tty() if tty else io.StringIO()
    assert progress.enabled(stream, environ) is expected
    with progress.progress(stream, "hashing", total=3, environ=environ) as bar:
        assert bar.active is expected
        for name in ("a", "b\x1b[2K", "c"):
            bar.advance(1, note=name)
    if not expected:
        assert stream.getvalue() == ""


def test_progress_bar_erases_itself_and_escapes_notes():
    stream = Tty()
    bar = progress.Progress(stream, "hashing", total=2, environ={})
    bar._bar.delay = 0  # show at once; the real bar waits half a second
    bar.advance(1, note="evil\x1b]52;c;eA==\x07.bin")
    bar._bar.refresh()
    bar.close()
    shown = stream.getvalue()
    assert "hashing" in shown and "evil\\x1b]52;c;eA==\\x07.bin" in shown
    assert "\x07" not in shown


def test_a_ticking_bar_moves_without_steps_and_stops_when_closed():
    import time

    stream = Tty()
    bar = progress.Progress(stream, "semgrep\x1b[2K", total=None, environ={}, tick=True)
    bar._bar.delay = 0
    deadline = time.monotonic() + 10  # two ticks (0.5 s apart): redrawn though nothing advanced
    while stream.getvalue().count("semgrep") < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    bar.close()
    shown = stream.getvalue()
    assert shown.count("semgrep\\x1b[2K") >= 2  # redrawn, the label's escape made visible
    assert "semgrep\x1b[2K" not in shown
    ticks = len(shown)
    time.sleep(0.7)
    assert len(stream.getvalue()) == ticks  # the ticker stopped with the bar


def test_a_missing_extra_is_a_one_line_exit_2_naming_the_fix(tmp_path, capsys, monkeypatch):
    def needs_z3(args, ctx):
        raise ModuleNotFoundError("No module named 'z3'", name="z3")

    class FakePolicy:
        HELP = "policy"
        run = staticmethod(needs_z3)

        @staticmethod
        def add_arguments(parser):
            parser.add_argument("paths", nargs="*")

    real = commands.command_module
    monkeypatch.setattr(commands, "command_module", lambda name: FakePolicy if name == "policy" else real(name))
    assert main(["policy", "--repo", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        "governance-hooks: error: policy: needs z3, which is not installed: "
        "python -m pip install 'governance-hooks[policy]' (for a pre-commit hook: its additional_dependencies)\n")


def test_policy_is_the_only_hook_with_z3_and_the_core_has_no_heavy_dependency():
    import tomllib

    import yaml

    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    core = " ".join(project["dependencies"])
    for heavy in ("z3", "jsonschema", "semgrep"):
        assert heavy not in core
    hooks = {h["id"]: " ".join(h.get("additional_dependencies", []))
             for h in yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())}
    assert [h for h, deps in hooks.items() if "z3" in deps] == ["network-policy"]
    assert [h for h, deps in hooks.items() if "semgrep" in deps] == ["semgrep-governance"]
    assert [h for h, deps in hooks.items() if "jsonschema" in deps] == ["metrics-ndjson"]


@pytest.mark.parametrize("command", list(CHECKS) + ["run", "report"])
def test_every_subcommand_exits_2_with_one_line_for_a_bad_argument_and_a_bad_configuration(command, tmp_path):
    argv = ["manifest", "verify"] if command == "manifest" else [command]
    env_src = str(PROJECT / "src")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "governance_hooks", *args], cwd=tmp_path, capture_output=True,
                              text=True, env={"PYTHONPATH": env_src, "PATH": "/usr/bin:/bin"}, timeout=120)

    bad_option = run(*argv, "--no-such-option")
    assert bad_option.returncode == 2 and len(bad_option.stderr.splitlines()) == 1, bad_option.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.governance-hooks]\nfail-on = "sometimes"\n')
    bad_config = run(*argv, "--repo", str(tmp_path))
    assert bad_config.returncode == 2, bad_config.stderr
    assert bad_config.stderr.splitlines() == [
        f"governance-hooks: error: {tmp_path / 'pyproject.toml'}: fail-on: unknown severity 'sometimes' (expected error, warning or note)"]
