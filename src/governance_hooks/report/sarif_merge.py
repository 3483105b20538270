"""Merge the SARIF logs of sharded jobs into one log with one run, for one code-scanning upload.

``python -m governance_hooks.report.sarif_merge OUT.sarif IN.sarif...``

Code scanning rejects several runs of one tool under one category, so the
shards' runs (each a ``governance-hooks`` run over part of the work) become
one run: rules are the union by id (first definition wins), each result's
``ruleIndex`` points into that union, a result reported by two shards (the
same rule, location and message) is kept once, and fingerprints stay unique
(a repeat gets ``:n``, as within one run). Exit 0, or 2 with one line when an
input is missing, not SARIF 2.1.0, or from another tool.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from ..errors import ToolError
from ..escape import json_safe, no_workflow_command, terminal_safe
from ..safe_open import read_repo_bytes
from .sarif import FINGERPRINT_KEY

#: Largest SARIF log merged, in bytes (GitHub code scanning accepts at most 10 MB gzipped).
SARIF_LIMIT = 1 << 30

TOOL = "governance-hooks"


def _runs(path: Path) -> List[Dict[str, Any]]:
    try:
        # Operator-named files (root=None): still regular or a pipe, non-blocking, size-capped.
        log = json.loads(read_repo_bytes(path, None, limit=SARIF_LIMIT).decode("utf-8"))
    except OSError as exc:
        raise ToolError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ToolError(f"{path}: not JSON: {exc}") from None
    if not isinstance(log, dict) or log.get("version") != "2.1.0" or not isinstance(log.get("runs"), list):
        raise ToolError(f"{path}: not a SARIF 2.1.0 log")
    for run in log["runs"]:
        name = run.get("tool", {}).get("driver", {}).get("name")
        if name != TOOL:
            raise ToolError(f"{path}: a run of {name!r}, not {TOOL}")
    return log["runs"]


def _identity(result: Dict[str, Any]) -> str:
    return json.dumps([result.get("ruleId"), result.get("locations"), result.get("message")], sort_keys=True)


def merge(logs: Sequence[Path]) -> Dict[str, Any]:
    """One SARIF 2.1.0 log holding every result of every run in ``logs``.

    Raises:
        ToolError: an input cannot be read or is not governance-hooks SARIF 2.1.0.
    """
    if not logs:
        raise ToolError("no SARIF logs to merge")
    first: Optional[Dict[str, Any]] = None
    rules: List[Dict[str, Any]] = []
    index: Dict[str, int] = {}
    results: List[Dict[str, Any]] = []
    seen = set()
    for path in logs:
        for run in _runs(path):
            first = first or run
            driver_rules = run["tool"]["driver"].get("rules", [])
            for rule in driver_rules:
                if rule["id"] not in index:
                    index[rule["id"]] = len(rules)
                    rules.append(rule)
            for result in run.get("results", []):
                key = _identity(result)
                if key in seen:
                    continue
                seen.add(key)
                merged = dict(result)
                if "ruleIndex" in merged:
                    merged["ruleIndex"] = index[result["ruleId"]]
                results.append(merged)
    counts: Counter = Counter()
    for result in results:
        prints = result.get("partialFingerprints", {})
        if FINGERPRINT_KEY in prints:
            base = prints[FINGERPRINT_KEY].split(":")[0]
            counts[base] += 1
            result["partialFingerprints"] = {**prints, FINGERPRINT_KEY: base if counts[base] == 1 else f"{base}:{counts[base]}"}
    assert first is not None
    run = {key: value for key, value in first.items() if key not in ("results", "tool")}
    run["tool"] = {"driver": {**first["tool"]["driver"], "rules": rules}}
    run["results"] = results
    return {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [run]}


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2:
        sys.stderr.write("usage: python -m governance_hooks.report.sarif_merge OUT.sarif IN.sarif...\n")
        return 2
    out, inputs = Path(argv[0]), [Path(p) for p in argv[1:]]
    try:
        log = merge(inputs)
        text = json_safe(json.dumps(log, indent=2, ensure_ascii=False)) + "\n"
        from ..atomic import write_atomic

        write_atomic(out, text)
    except OSError as exc:
        sys.stderr.write(no_workflow_command(terminal_safe(
            f"governance-hooks sarif-merge: error: {out}: cannot write: {exc.strerror or exc}")) + "\n")
        return 2
    except ToolError as exc:
        # The message may quote an input log (a run's tool name): no legacy `##[command]` either.
        sys.stderr.write(no_workflow_command(terminal_safe(f"governance-hooks sarif-merge: error: {exc}")) + "\n")
        return 2
    sys.stderr.write(f"governance-hooks sarif-merge: {len(log['runs'][0]['results'])} results from {len(inputs)} logs in {out}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
