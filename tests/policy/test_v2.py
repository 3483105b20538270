"""Policy language version 2: named host groups, port sets and includes of shared group files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from governance_hooks.errors import ToolError
from governance_hooks.policy.parse import load_policy
from governance_hooks.policy.prove import prove
from governance_hooks.policy.runner import load_policy_file

from .helpers import ALL_OFF, summary

V2 = """\
version: 2
groups:
  hosts:
    pypi-mirrors: [pypi.org, files.pythonhosted.org]
    cluster: [10.20.0.0/16]
  ports:
    web: [443, "8000-8100"]
allowlist:
  - {hosts: ["@pypi-mirrors", "@cluster"], ports: "@web", schemes: https}
egress:
  - {id: pip, effect: allow, tools: pip, hosts: "@pypi-mirrors", ports: 443, schemes: https}
  - {id: cache, effect: allow, tools: [pip, hf_hub], hosts: ["@cluster"], ports: ["@web"], schemes: https}
"""


WRITTEN_OUT = """\
version: 1
allowlist:
  - {hosts: [pypi.org, files.pythonhosted.org, 10.20.0.0/16], ports: [443, "8000-8100"], schemes: https}
egress:
  - {id: pip, effect: allow, tools: pip, hosts: [pypi.org, files.pythonhosted.org], ports: 443, schemes: https}
  - {id: cache, effect: allow, tools: [pip, hf_hub], hosts: [10.20.0.0/16], ports: [443, "8000-8100"], schemes: https}
"""


def test_groups_expand_to_the_same_policy_as_written_out():
    grouped = load_policy(V2 + ALL_OFF, "p.yaml")
    written = load_policy(WRITTEN_OUT + ALL_OFF, "q.yaml")
    assert [r.match for r in grouped.egress] == [r.match for r in written.egress]
    assert [e.match for e in grouped.allowlist] == [e.match for e in written.allowlist]


def test_a_v2_policy_is_proved_like_any_other():
    text = V2 + ALL_OFF.replace("egress-within-allowlist: false", "egress-within-allowlist: true") + """\
  must-deny:
    - {id: no-cache-from-git, tools: git, hosts: "@cluster"}
"""
    result = prove(load_policy(text, "p.yaml"))
    assert result.findings == [] and result.proved == 2


@pytest.mark.parametrize("text, message", [
    ("version: 1\ngroups: {hosts: {a: [x.org]}}\n", "p.yaml:2: 'groups' is a version 2 feature: write 'version: 2'"),
    ("version: 2\negress:\n  - {id: a, effect: allow, hosts: '@nope'}\n",
     "p.yaml:3: unknown host group '@nope' (defined: none (define them under groups.hosts))"),
    ("version: 2\ngroups: {ports: {web: [443]}}\negress:\n  - {id: a, effect: allow, ports: '@webb'}\n",
     "p.yaml:4: unknown port set '@webb' (defined: @web)"),
    ("version: 2\ngroups: {hosts: {a: [x.org], b: ['@a']}}\n", "p.yaml:2: host group 'b' refers to @a: groups cannot nest"),
    ("version: 2\ngroups: {hosts: {a: [10.0.0.256]}}\n",
     "p.yaml:2: bad host '10.0.0.256': not a valid IP address (each IPv4 part 0-255, no leading zeros, four parts), "
     "and not a host name either: the last label of a name cannot be all digits"),
    ("version: 3\n", "p.yaml:1: unsupported policy version 3 (expected 1 or 2)"),
    ("version: 2\ninclude: shared.yaml\n", "p.yaml:2: include 'shared.yaml': includes are read only from a policy file in a repository"),
])
def test_v2_errors(text, message):
    with pytest.raises(ToolError) as caught:
        load_policy(text, "p.yaml")
    assert str(caught.value) == message


def _repo(tmp_path: Path, policy: str, shared: str) -> Path:
    (tmp_path / ".governance").mkdir()
    (tmp_path / "platform").mkdir()
    (tmp_path / ".governance" / "policy.yaml").write_text(textwrap.dedent(policy))
    (tmp_path / "platform" / "groups.yaml").write_text(textwrap.dedent(shared))
    return tmp_path / ".governance" / "policy.yaml"


def test_include_reads_shared_groups_inside_the_repository(tmp_path):
    path = _repo(tmp_path, """\
        version: 2
        include: ../platform/groups.yaml
        egress:
          - {id: pip, effect: allow, hosts: "@pypi", ports: "@web"}
        """, """\
        version: 2
        groups:
          hosts: {pypi: [pypi.org]}
          ports: {web: [443]}
        """)
    policy = load_policy_file(path, tmp_path)
    assert [h.text for h in policy.egress[0].match.hosts] == ["pypi.org"]
    assert [str(p) for p in policy.egress[0].match.ports] == ["443"]


@pytest.mark.parametrize("include, shared, message", [
    ("../../outside.yaml", "version: 2\n", ".governance/policy.yaml: include '../../outside.yaml' leads outside "
                                           "the repository; refusing to read it"),
    ("/etc/passwd", "version: 2\n", ".governance/policy.yaml: include '/etc/passwd' must be a path relative to the "
                                    "policy, inside the repository"),
    ("missing.yaml", "version: 2\n", ".governance/policy.yaml: include 'missing.yaml': no such regular file"),
    ("../platform/groups.yaml", "version: 2\negress: []\n",
     "platform/groups.yaml:2: unknown key 'egress' in an included policy file (known: version, groups)"),
    ("../platform/groups.yaml", "version: 1\ngroups: {}\n", "platform/groups.yaml:1: an included file needs 'version: 2'"),
])
def test_include_errors(tmp_path, include, shared, message):
    path = _repo(tmp_path, f"version: 2\ninclude: {include}\n", shared)
    with pytest.raises(ToolError) as caught:
        load_policy_file(path, tmp_path)
    assert str(caught.value) == message


def test_an_include_that_is_a_link_out_of_the_repository_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "g.yaml").write_text("version: 2\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    path = _repo(repo, "version: 2\ninclude: link.yaml\n", "version: 2\n")
    (repo / ".governance" / "link.yaml").symlink_to(outside / "g.yaml")
    with pytest.raises(ToolError) as caught:
        load_policy_file(path, repo)
    assert str(caught.value) == ".governance/policy.yaml: include 'link.yaml' leads outside the repository; refusing to read it"
