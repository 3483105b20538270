"""``run --changed-since``: the configuration review of every check (:mod:`governance_hooks.weakening`).

What is pipeline-only: a check dropped from ``checks`` counts only when discovery
sees its inputs, ``fail-on`` only for the checks that run, and a baseline in the
repository that accepts more findings weakens every check that runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..weakening import baseline_growth, compare, findings, key_of
from ..findings import Finding


def review(root: Path, rev: str, config_source: Optional[Path], head: Dict[str, Any], running: List[str],
           discovered: List[str], baseline_rel: Optional[str], baseline_counts,
           overridden: Tuple[str, ...] = ()) -> Dict[str, List[Finding]]:
    """The ``configuration-weakened`` findings of a ``--changed-since REV`` run, per check.

    Args:
        config_source: the configuration file in force; one outside the repository
            (an operator's ``--config``) is trusted and not reviewed.
        head: that configuration's ``[tool.governance-hooks]`` table as loaded now.
        running: the checks that run now; discovered: the files discovery sees
            (a check dropped from ``checks`` counts only if it had inputs).
        baseline_rel / baseline_counts: the baseline in the repository and its
            fingerprints now, when one is used.
        overridden: keys the command line sets (``fail-on`` with ``--fail-on``): not weakened by the repository.
    """
    from .selection import DISCOVERY

    compared = compare(root, rev, config_source, head)
    if compared is None:
        return {}
    commit, config_rel, weak = compared
    kept: Dict[str, List[str]] = {}
    for check, reasons in weak.items():
        for reason in reasons:
            key = key_of(reason)
            if key == "checks" and not DISCOVERY[check][0](discovered):
                continue  # it had nothing to check anyway
            if (key == "fail-on" and check not in running) or key in overridden:
                continue
            kept.setdefault(check, []).append(reason)
    if baseline_rel is not None and baseline_counts is not None:
        grown = baseline_growth(root, commit, baseline_rel, baseline_counts)
        if grown:
            for check in running:
                kept.setdefault(check, []).append(f"the baseline {baseline_rel} accepts {grown} more finding(s)")
    return findings(kept, config_rel)
