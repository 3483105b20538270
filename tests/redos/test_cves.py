"""Every advisory of ``cves.json`` confirmed on CPython is found on its minimal re-creation.

``cves.json`` lists published ReDoS advisories in PyPI packages (file, line
and regex read from the released code; ``bench/redos_cves_confirm.py`` timed
each on CPython).  Each ``recreation`` is a few lines written for this test:
the same call kind, flags and way of building the pattern, never the
package's code.  ``bench/redos_cves.py`` scans the real releases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from governance_hooks.redos.scan import Options, scan

DATA = json.loads((Path(__file__).with_name("cves.json")).read_text())["advisories"]
CONFIRMED = [a for a in DATA if a["confirmed"] is True and not a.get("missed")]
# confirmed advisories the check is known to miss: each says why and which note it gets instead
MISSED = [a for a in DATA if a["confirmed"] is True and a.get("missed")]
RULES = ("redos/exponential-backtracking", "redos/polynomial-backtracking")


def test_the_list_is_complete_data():
    for adv in DATA:
        assert adv["kind"] in ("exponential", "polynomial")
        assert adv["confirmed"] is True or adv.get("exclusion"), adv["id"]
        assert adv["confirmation"].startswith("CPython 3.")
    assert (len(DATA), len(CONFIRMED), len(MISSED)) == (64, 61, 1)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    root = tmp_path_factory.mktemp("cves")
    names = []
    for index, adv in enumerate(CONFIRMED + MISSED):
        name = f"rec_{index:02d}.py"
        (root / name).write_text(adv["recreation"])
        names.append(name)
    result = scan(root, names, Options(confirm_timeout=4.0))
    by_file = {}
    for finding in result.findings:
        by_file.setdefault(finding.location.path, []).append(finding)
    return names, by_file


@pytest.mark.parametrize("index", range(len(CONFIRMED)),
                         ids=[f"{a['id']}-{a['package']}-{a['file'].split('/')[-1]}" for a in CONFIRMED])
def test_confirmed_advisory_is_found_on_its_recreation(scanned, index):
    names, by_file = scanned
    adv = CONFIRMED[index]
    findings = by_file.get(names[index], [])
    line = adv["recreation_line"]
    hits = [f for f in findings if f.rule_id in RULES and
            (f.location.line <= line <= (f.location.end_line or f.location.line)
             or line in (f.evidence or {}).get("call_lines", []))]
    assert hits, [(f.location.line, f.rule_id, f.message[:120]) for f in findings]
    # 'unconfirmed': flagged, but the generated attack does not slow the engine (the reason is in the data)
    assert any(f.evidence["confirmed"] for f in hits) is not bool(adv.get("unconfirmed")), [f.message for f in hits]


@pytest.mark.parametrize("index", range(len(MISSED)), ids=[f"{a['id']}-{a['package']}" for a in MISSED])
def test_known_miss_is_reported_incomplete_not_silent(scanned, index):
    names, by_file = scanned
    adv = MISSED[index]
    findings = by_file.get(names[len(CONFIRMED) + index], [])
    assert [f for f in findings if f.rule_id in RULES] == []
    notes = [f.message for f in findings if f.rule_id == "redos/analysis-incomplete"]
    assert any(adv["missed_note"] in m for m in notes), notes
