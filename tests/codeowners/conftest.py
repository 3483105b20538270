"""The CODEOWNERS tests choose the host themselves: a CI runner's GITHUB_ACTIONS / GITLAB_CI would
otherwise decide the dialect of every test that leaves it to the environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_host_from_the_environment(monkeypatch):
    for name in ("GITHUB_ACTIONS", "GITLAB_CI"):
        monkeypatch.delenv(name, raising=False)
