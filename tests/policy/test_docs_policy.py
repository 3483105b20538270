"""The policies shown in docs/policy.md pass their own check, and the demo policy fails as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from governance_hooks.policy.parse import load_policy
from governance_hooks.policy.prove import prove

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "policy.md"


def _blocks():
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text("utf-8"), re.S)


def _documented_includes():
    """Blocks that start with ``# path.yaml``: the shared files the examples include."""
    return {m.group(1): b for b in _blocks() if (m := re.match(r"# (\S+\.yaml)\n", b))}


def _documented_policies():
    return [b for b in _blocks() if re.match(r"(#[^\n]*\n)*version: [12]\b", b) and not re.match(r"# \S+\.yaml\n", b)]


def _load(name: str, source: str):
    return _documented_includes()[name], name


def test_the_documentation_shows_policies():
    assert len(_documented_policies()) >= 1


@pytest.mark.parametrize("index", range(len(_documented_policies())))
def test_every_documented_policy_proves_every_invariant(index):
    text = _documented_policies()[index]
    result = prove(load_policy(text, f"docs/policy.md#policy{index}", include_loader=_load))
    assert [(f.rule_id, f.message) for f in result.findings] == []
    assert result.violated == 0 and result.unknown == 0 and result.proved > 0
