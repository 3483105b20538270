"""Every hostile fixture rebuilt from other scanners' suites and advisories is blocked by default.

``external/make_hostile.py`` writes the corpus (see its docstring for the sources); a file is
blocked when the check reports at least one error-severity finding, which is what makes the
commit hook exit non-zero.
"""

from __future__ import annotations

from collections import Counter

from governance_hooks.checkpoint import rules
from governance_hooks.checkpoint.allowlist import default_allowlist
from governance_hooks.checkpoint.scan import ScanOptions, scan_bytes
from governance_hooks.findings import Severity

from .external import make_hostile

SEVERITY = {rule.id: rule.severity for rule in rules.RULES}
OPTIONS = ScanOptions(default_allowlist())


def test_every_rebuilt_hostile_fixture_is_blocked():
    entries = make_hostile.entries()
    sources = Counter(name.split("__", 1)[0] for name, _, _ in entries)
    assert sources == {"picklescan": 95, "modelscan": 6, "fickling": 57, "issue13": 111}
    missed = [name for name, _, data in entries
              if not any(SEVERITY[i.rule_id] is Severity.ERROR for i in scan_bytes(data, OPTIONS).issues)]
    assert missed == []


def test_every_entry_names_its_source_and_names_are_unique():
    entries = make_hostile.entries()
    assert len({name for name, _, _ in entries}) == len(entries)
    assert all(source.strip() for _, source, _ in entries)
