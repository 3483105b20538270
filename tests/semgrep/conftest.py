"""Fixtures of the semgrep check's tests: the Semgrep executable, or a skip with the reason."""

from __future__ import annotations

import pytest

from governance_hooks.semgrep.runner import find_semgrep


@pytest.fixture(scope="session")
def semgrep_exe() -> str:
    """The ``semgrep`` executable; skips when it is not installed (it is in the test extra)."""
    executable = find_semgrep()
    if executable is None:
        pytest.skip("semgrep is not installed (pip install governance-hooks[semgrep]); "
                    "the rule pack and the check cannot run without it")
    return executable
