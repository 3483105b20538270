"""The ``network-policy`` hook through the real ``pre-commit try-repo``."""

from __future__ import annotations

import shutil

import pytest

from ..conftest import PROJECT, git

pytestmark = pytest.mark.integration

DEMO = PROJECT / "examples" / "demo-repo"


def test_network_policy_hook_reports_the_demo_violation_with_its_witness(make_repo, try_repo):
    root = make_repo({})
    shutil.copytree(DEMO / ".governance", root / ".governance")
    shutil.copy(DEMO / ".env", root / ".env")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "demo policy")
    result = try_repo(root, "network-policy")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    lines = (DEMO / ".governance" / "policy.yaml").read_text(encoding="utf-8").splitlines()
    line = lines.index("  - id: wandb-cloud") + 1
    assert (f".governance/policy.yaml:{line}: error policy/egress-outside-allowlist rule 'wandb-cloud' (line {line}) allows "
            "wandb -> GET https://ml-datasets.s3.amazonaws.com:443/ (offline=false tracking_opt_in=false branch=(other) "
            "principal=(other)), outside the allowlist") in output
    assert (f".governance/policy.yaml:{line}: error policy/tracking-without-opt-in rule 'wandb-cloud' (line {line}) allows "
            "tracking wandb -> GET https://host.hf.co:443/ (offline=false tracking_opt_in=false branch=(other) "
            "principal=(other)) without tracking_opt_in") in output
    assert ".env:2:21: error policy/endpoint-not-allowed MLFLOW_TRACKING_URI http://mlflow.example.com:5000" in output
    assert ".env:3:12: error policy/wandb-online-mode" in output


def test_network_policy_hook_passes_a_clean_policy(make_repo, try_repo):
    root = make_repo({
        ".governance/policy.yaml": (
            "version: 1\n"
            "allowlist:\n  - {hosts: [pypi.org], ports: 443, schemes: https}\n"
            "egress:\n  - {id: pip, effect: allow, tools: pip, hosts: pypi.org, ports: 443, schemes: https,"
            " when: {offline: false}}\n"
        ),
        "requirements.txt": "--index-url https://pypi.org/simple\nnumpy\n",
    })
    result = try_repo(root, "network-policy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
