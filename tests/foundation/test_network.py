"""Credentials and network targets come only from the command line and the environment; https only
(loopback aside); the token never follows a redirect to another origin. Local servers on 127.0.0.1 only."""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request

import pytest

from governance_hooks.cli import main
from governance_hooks.errors import ToolError
from governance_hooks.net import allowed_url, check_api_url, open_url


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers 200 ``{}``, or redirects ``/hop/...`` to ``self.server.redirect + rest``; records each request."""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith("/hop/") and self.server.redirect:
            self.send_response(302)
            self.send_header("Location", self.server.redirect + self.path[len("/hop"):])
            self.end_headers()
            return
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def servers():
    started = []

    def start(host="127.0.0.1", redirect=None):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen, server.redirect = [], redirect
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server, f"http://{host}:{server.server_address[1]}"

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def _get(url, token="secret-token"):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with open_url(request, 10) as response:
        return response.read()


@pytest.mark.parametrize("url, allowed", [
    ("https://api.github.com", True), ("https://ghe.example.com/api/v3", True),
    ("http://127.0.0.1:8080", True), ("http://localhost:1", True), ("http://[::1]:9", True),
    ("http://api.github.com", False), ("http://evil.example", False), ("ftp://api.github.com", False),
    ("file:///etc/passwd", False), ("https://", False), ("api.github.com", False),
])
def test_only_https_or_loopback_may_receive_a_token(url, allowed):
    assert allowed_url(url) is allowed
    if not allowed:
        with pytest.raises(ToolError):
            check_api_url(url)


def test_redirect_to_another_origin_drops_the_token(servers):
    other, other_url = servers(host="localhost")          # same machine, different origin (host differs)
    first, first_url = servers(redirect=other_url)
    assert _get(first_url + "/hop/users/octocat") == b"{}"
    assert first.seen == [("/hop/users/octocat", "Bearer secret-token")]
    assert other.seen == [("/users/octocat", None)]


def test_redirect_within_the_origin_keeps_the_token(servers):
    server, url = servers()
    server.redirect = url
    assert _get(url + "/hop/users/octocat") == b"{}"
    assert server.seen == [("/hop/users/octocat", "Bearer secret-token"), ("/users/octocat", "Bearer secret-token")]


def test_redirect_to_plain_http_elsewhere_is_refused_before_connecting(servers):
    first, first_url = servers(redirect="http://exfiltrate.invalid")
    with pytest.raises(urllib.error.URLError) as info:
        _get(first_url + "/hop/users/octocat")
    assert "refused" in str(info.value.reason)


@pytest.mark.parametrize("table", [
    "online = true\napi-url = \"{url}\"\n",
    "online = true\n",
    "api-url = \"{url}\"\n",
])
def test_repository_configuration_cannot_turn_online_or_choose_the_api(tmp_path, capsys, monkeypatch, servers, table):
    server, url = servers()
    monkeypatch.setenv("GITHUB_TOKEN", "operator-token")
    (tmp_path / "CODEOWNERS").write_text("* @octocat\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.governance-hooks.codeowners]\n" + table.format(url=url),
                                             encoding="utf-8")
    code = main(["codeowners", "--repo", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "is refused in repository configuration" in err
    assert server.seen == []


def test_the_command_line_still_goes_online(tmp_path, capsys, monkeypatch, servers):
    server, url = servers()
    monkeypatch.setenv("GITHUB_TOKEN", "operator-token")
    (tmp_path / "CODEOWNERS").write_text("* @octocat\n", encoding="utf-8")
    assert main(["codeowners", "--repo", str(tmp_path), "--online", "--api-url", url]) == 0
    assert server.seen == [("/users/octocat", "Bearer operator-token")]


def test_plain_http_api_url_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "operator-token")
    (tmp_path / "CODEOWNERS").write_text("* @octocat\n", encoding="utf-8")
    assert main(["codeowners", "--repo", str(tmp_path), "--online", "--api-url", "http://evil.example"]) == 2
    assert "only https URLs" in capsys.readouterr().err
