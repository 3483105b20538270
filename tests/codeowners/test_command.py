"""The command: location resolution, dead files, size limit, --files-from, --who, config, --online."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from governance_hooks.cli import main


def run(capsys, *argv):
    code = main(["codeowners", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_github_location_order_and_dead_files(make_repo, capsys):
    repo = make_repo({
        ".github/CODEOWNERS": "* @org/core\n",
        "CODEOWNERS": "* @someone-else\n",
        "docs/CODEOWNERS": "* @docs\n",
        "src/a.py": "",
    })
    code, out, err = run(capsys, "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert code == 0 and err == ""
    assert [(f["rule_id"], f["path"], f["line"]) for f in report["findings"]] == [
        ("codeowners/multiple-files", "CODEOWNERS", None),
        ("codeowners/multiple-files", "docs/CODEOWNERS", None),
    ]
    assert report["findings"][0]["message"] == "GitHub uses `.github/CODEOWNERS`; this CODEOWNERS file is ignored"
    assert report["summary"]["codeowners"]["unowned_files"] == 0


def test_root_file_used_when_no_github_folder(make_repo, capsys):
    repo = make_repo({"CODEOWNERS": "/src/ @a\nmissing/ @b\n", "src/a.py": ""})
    code, out, _ = run(capsys, "--repo", str(repo))
    assert code == 0
    assert out.splitlines()[0] == "CODEOWNERS:2:1: warning codeowners/unmatched-pattern `missing/` matches none of the 2 tracked files at any depth"
    assert out.splitlines()[-2] == "codeowners: 0 errors, 1 warning, 0 notes; files: 2; rules: 2; unowned files: 1; dialect: github"


def test_gitlab_folder_used_only_when_github_finds_nothing(make_repo, capsys):
    repo = make_repo({".gitlab/CODEOWNERS": "[Core] @core\nsrc/\n", "src/a.py": ""})
    code, out, _ = run(capsys, "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert report["summary"]["codeowners"]["dialect"] == "gitlab"
    assert report["findings"] == []


def test_missing_file_is_a_note(make_repo, capsys):
    repo = make_repo({"a.py": ""})
    code, out, _ = run(capsys, "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert [f["rule_id"] for f in report["findings"]] == ["codeowners/missing-file"]
    assert report["findings"][0]["message"] == "no CODEOWNERS file in .github/, the root, docs/ or .gitlab/"
    assert report["summary"]["codeowners"]["unowned_files"] == 1


def test_file_over_three_megabytes_is_an_error(make_repo, capsys):
    big = "* @a\n" + ("# padding line\n" * 210_000)
    repo = make_repo({".github/CODEOWNERS": big, "a.py": ""})
    code, out, _ = run(capsys, "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert [(f["rule_id"], f["path"]) for f in report["findings"]] == [("codeowners/file-too-large", ".github/CODEOWNERS")]
    assert report["summary"]["codeowners"]["unowned_files"] == 2


def test_walk_outside_git_skips_dot_git(tmp_path, capsys):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "CODEOWNERS").write_text("/src/ @a\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("")
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--format", "json")
    assert json.loads(out)["summary"]["codeowners"]["files"] == 2


def test_files_from_overrides_and_require_owner(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("/src/ @a\n")
    listing = tmp_path / "files.txt"
    listing.write_text("./src/a.py\r\nREADME.md\n\nlib/b.py\n")
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--files-from", str(listing), "--require-owner", "*.py")
    assert code == 1
    assert out.splitlines() == [
        "lib/b.py: error codeowners/unowned-file `lib/b.py` has no code owner: no rule matches it",
        "codeowners: 1 error, 0 warnings, 0 notes; files: 3; rules: 1; unowned files: 2; dialect: github",
        "total: 1 check run, 1 error, 0 warnings, 0 notes; exit 1 (findings at or above error)",
    ]


def test_explicit_file_argument(tmp_path, capsys):
    target = tmp_path / "owners.txt"
    target.write_text("@org/team\n")
    listing = tmp_path / "files.txt"
    listing.write_text("a\n")
    code, out, _ = run(capsys, "--repo", str(tmp_path), str(target), "--files-from", str(listing))
    assert code == 1
    assert out.startswith("owners.txt:1:1: error codeowners/owner-only-line ")


def test_who_text_and_json(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("* @all\n/vendor/\n/docs/ @docs @org/writers\n")
    listing = tmp_path / "files.txt"
    listing.write_text("x\n")
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--files-from", str(listing),
                       "--who", "docs/a.md", "vendor/lib.c", "README.md")
    assert code == 0
    assert out.splitlines()[:3] == [
        "docs/a.md: @docs @org/writers (line 3)",
        "vendor/lib.c: no owners (line 2 matches it and lists no owners)",
        "README.md: @all (line 1)",
    ]
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--files-from", str(listing), "--format", "json",
                       "--who", "docs/a.md", "vendor/lib.c")
    document = json.loads(out)
    answers = document if isinstance(document, list) else document["summary"]["codeowners"]["who"]
    assert answers == [
        {"path": "docs/a.md", "owners": ["@docs", "@org/writers"], "line": 3},
        {"path": "vendor/lib.c", "owners": [], "line": 2},
    ]


def test_who_line_is_null_when_nothing_matches(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("/docs/ @docs\n")
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--format", "json", "--who", "src/a.py")
    document = json.loads(out)
    answers = document if isinstance(document, list) else document["summary"]["codeowners"]["who"]
    assert answers == [{"path": "src/a.py", "owners": [], "line": None}]


def test_known_owners_from_config(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("* @org/core @ghost\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.governance-hooks.codeowners]\nknown-owners = ["@org/core"]\n')
    code, out, _ = run(capsys, "--repo", str(tmp_path))
    assert code == 1
    assert out.splitlines()[0] == "CODEOWNERS:1:13: error codeowners/unknown-owner owner `@ghost` is not in the known-owners list"


@pytest.mark.parametrize("config, message", [
    ('dialect = "svn"', "dialect must be auto, github or gitlab"),
    ('colour = 1', "unknown key 'colour'"),
    ('known-owners = "@a"', "known-owners must be a list"),
])
def test_bad_config_exits_2_with_one_line(tmp_path, capsys, config, message):
    (tmp_path / "CODEOWNERS").write_text("* @a\n")
    (tmp_path / "pyproject.toml").write_text(f"[tool.governance-hooks.codeowners]\n{config}\n")
    code, out, err = run(capsys, "--repo", str(tmp_path))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_missing_files_from_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "--repo", str(tmp_path), "--files-from", str(tmp_path / "nope.txt"))
    assert code == 2 and "cannot read --files-from" in err


class _FakeGitHub(BaseHTTPRequestHandler):
    existing = {"/users/octocat", "/orgs/acme/teams/core"}
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        _FakeGitHub.seen.append((self.path, self.headers.get("Authorization")))
        status = 200 if self.path in self.existing else 404
        body = b'{"login": "x"}' if status == 200 else b'{"message": "Not Found"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_github():
    server = HTTPServer(("127.0.0.1", 0), _FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeGitHub.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_online_verification_against_local_api(tmp_path, capsys, monkeypatch, fake_github):
    (tmp_path / "CODEOWNERS").write_text("* @octocat @acme/core\n/docs/ @ghost-user @acme/nope mail@example.com\n")
    listing = tmp_path / "files.txt"
    listing.write_text("docs/a.md\nx\n")
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--files-from", str(listing), "--online", "--api-url", fake_github)
    assert code == 1
    assert out.splitlines()[:2] == [
        "CODEOWNERS:2:8: error codeowners/unknown-owner owner `@ghost-user` does not exist on GitHub (REST API answered 404)",
        "CODEOWNERS:2:20: error codeowners/unknown-owner owner `@acme/nope` does not exist on GitHub (REST API answered 404)",
    ]
    assert sorted(_FakeGitHub.seen) == [
        ("/orgs/acme/teams/core", "Bearer test-token"), ("/orgs/acme/teams/nope", "Bearer test-token"),
        ("/users/ghost-user", "Bearer test-token"), ("/users/octocat", "Bearer test-token")]


def test_online_without_token_exits_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "CODEOWNERS").write_text("* @a\n")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    code, _, err = run(capsys, "--repo", str(tmp_path), "--online")
    assert code == 2 and "GITHUB_TOKEN" in err


def test_online_network_failure_is_analysis_incomplete(tmp_path, capsys, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "CODEOWNERS").write_text("* @a\n")
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    code, out, _ = run(capsys, "--repo", str(tmp_path), "--online", "--api-url", f"http://127.0.0.1:{port}")
    assert code == 0
    assert "warning codeowners/analysis-incomplete online owner verification incomplete (0 checked)" in out


def test_default_run_is_offline(tmp_path, capsys, monkeypatch):
    import urllib.request

    def refuse(*a, **k):
        raise AssertionError("network used without --online")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    (tmp_path / "CODEOWNERS").write_text("* @a\n")
    assert run(capsys, "--repo", str(tmp_path))[0] == 0


def test_bad_require_owner_glob_exits_2(tmp_path, capsys):
    (tmp_path / "CODEOWNERS").write_text("* @a\n")
    code, _, err = run(capsys, "--repo", str(tmp_path), "--require-owner", "src/[abc")
    assert code == 2
    assert err.strip() == "governance-hooks: error: --require-owner 'src/[abc': unterminated character class `[`"


def test_symlinked_codeowners_outside_the_repository_is_reported_not_read(tmp_path, capsys):
    outside = tmp_path / "outside.txt"
    outside.write_text("* @a\n")
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    (repo / ".github" / "CODEOWNERS").symlink_to(outside)
    (repo / "a.py").write_text("")
    code, out, err = run(capsys, "--repo", str(repo), "--format", "json")
    report = json.loads(out)
    assert (code, err) == (1, "")
    assert [(f["rule_id"], f["path"], f["severity"]) for f in report["findings"]] == [
        ("codeowners/missing-file", "", "note"), ("codeowners/symlinked-file", ".github/CODEOWNERS", "error")]
    assert report["summary"]["codeowners"]["rules"] == 0  # nothing was read through the link


def test_gitlab_location_order(make_repo, capsys):
    repo = make_repo({
        "CODEOWNERS": "[Core] @core\nsrc/\n",
        ".gitlab/CODEOWNERS": "* @old\n",
        ".github/CODEOWNERS": "* @github-only\n",
        "src/a.py": "",
    })
    code, out, _ = run(capsys, "--repo", str(repo), "--dialect", "gitlab", "--format", "json")
    report = json.loads(out)
    assert [(f["rule_id"], f["path"], f["message"]) for f in report["findings"]] == [
        ("codeowners/multiple-files", ".gitlab/CODEOWNERS", "GitLab uses `CODEOWNERS`; this CODEOWNERS file is ignored")]
    assert report["summary"]["codeowners"]["dialect"] == "gitlab"


def test_who_without_any_codeowners_file(tmp_path, capsys):
    code, out, err = run(capsys, "--repo", str(tmp_path), "--who", "src/a.py")
    assert code == 2
    assert out == ""
    assert err == (f"governance-hooks: error: {tmp_path}: no CODEOWNERS file in .github/, the root, docs/ or .gitlab/; "
                   "--repo names the repository root\n")
