"""Replay the peers' CODEOWNERS test cases (``../shared/conformance/codeowners-peers/*.json``) in-process.

Each case is judged by :func:`outcome`, which returns ``(passed, detail)``. Where a peer contradicts
GitHub's or GitLab's documentation (or GitLab's matcher), ``peer_decisions.tsv`` beside this module
records the decision and the quotation that decides it: ``ours`` (our different answer is the
documented one; the case counts as passed when we give that answer), ``peer`` (the peer is right and
the case is scored as written) or ``undecided`` (the documentation does not say; not scored).
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from governance_hooks.codeowners.analysis import Options, analyze
from governance_hooks.codeowners.locate import locate
from governance_hooks.codeowners.model import CodeownersFile
from governance_hooks.codeowners.ownership import Ownership
from governance_hooks.codeowners.parser import decode, parse
from governance_hooks.findings import Severity

DECISIONS = Path(__file__).with_name("peer_decisions.tsv")
_SEVERITY = {"note": Severity.NOTE, "warning": Severity.WARNING, "error": Severity.ERROR}


def load_cases(folder: Path) -> List[dict]:
    """Every case of every suite file, in file order, each with its ``file`` name added."""
    cases = []
    for path in sorted(folder.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            cases.append(dict(case, file=path.name))
    return cases


def load_decisions(path: Path = DECISIONS) -> Dict[Tuple[str, str], dict]:
    """``{(file, case id): row}`` from the tab-separated decisions table (``#`` lines are comments)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t",
                              quoting=csv.QUOTE_NONE)
        return {(row["file"], row["id"]): row for row in rows}


#: Findings about the file list rather than the file's syntax: a case with no files
#: (``"files": []``) is a syntax check, where every pattern would be "unmatched" (except in
#: mszostok's file-existence suite, where the empty list is the point).
FILE_LIST_RULES = {"codeowners/unmatched-pattern", "codeowners/shadowed-rule", "codeowners/duplicate-pattern",
                   "codeowners/late-catch-all", "codeowners/unowned-file"}


def _model(text: str, dialect: Optional[str]):
    decoded, issues = decode(text.encode("utf-8"))
    if decoded is None:  # binary or UTF-16: nothing to parse, the issue says why
        return CodeownersFile(dialect=dialect or "github", issues=issues)
    return parse(decoded, dialect or "auto", issues)


def _query(path: str, dialect: str) -> str:
    """Peers' queries as repository paths. GitLab prefixes every path with ``/`` before matching
    (``File#entries_for_path``), so a leading ``/`` is the same path; on GitHub a path never has one."""
    if dialect == "gitlab":
        return path.lstrip("/")
    return path


def match(pattern: str, path: str, dialect: str) -> bool:
    """Whether the one-rule file ``pattern @owner`` gives ``path`` (a folder when it ends in ``/``) an owner."""
    owner = "@peer-owner"
    model = _model(f"{pattern} {owner}\n", dialect)
    return Ownership(model).resolve(_query(path, dialect)).owners == [owner]


def who(case: dict) -> Tuple[List[str], Optional[int]]:
    model = _model(case["codeowners"], case.get("dialect"))
    decision = Ownership(model).resolve(_query(case["path"], model.dialect))
    return decision.owners, decision.line


def findings(case: dict):
    model = _model(case["codeowners"], case.get("dialect"))
    files = list(case.get("files", []))
    found = analyze(model, files, "CODEOWNERS", Options()).findings
    if not files and not case["source"].endswith("file_exists_test.go"):
        found = [f for f in found if f.rule_id not in FILE_LIST_RULES]
    return found


def located(present: List[str]) -> Optional[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for rel in present:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text("* @owner\n", encoding="utf-8")
        return locate(root, "auto").in_effect


def actual(case: dict):
    """What we answer for ``case``, in the shape of its expectation (for messages and the table)."""
    kind = case["kind"]
    if kind == "match":
        return match(case["pattern"], case["path"], case.get("dialect") or "github")
    if kind == "who":
        owners, line = who(case)
        return {"owners": owners, "line": line}
    if kind == "locate":
        return located(case["present"])
    found = findings(case)
    return sorted((f.rule_id, f.location.line or 0, f.severity.label) for f in found)


def outcome(case: dict) -> Tuple[bool, object]:
    """``(passed, what we answered)`` for one case judged as the peer wrote it."""
    kind = case["kind"]
    got = actual(case)
    if kind == "match":
        return got == case["expect"], got
    if kind == "locate":
        return got == case["expect"], got
    if kind == "who":
        owners, line = got["owners"], got["line"]
        ok = True
        if "expect_owners" in case:
            want = [o.lower() for o in case["expect_owners"]]
            have = [o.lower() for o in owners]
            ok = set(want) <= set(have) if case.get("owners_contain") else sorted(want) == sorted(have)
        if "expect_line" in case:
            ok = ok and line == case["expect_line"]
        return ok, got
    return _validate(case, findings(case)), got


def _validate(case: dict, found) -> bool:
    if case.get("expect_clean"):
        # Clean: nothing at warning or above (a note is advice, not a complaint about validity).
        return not [f for f in found if f.severity >= Severity.WARNING]
    ok = True
    if "expect_flag_lines" in case:
        floor = _SEVERITY[case.get("min_severity", "note")]
        relevant = [f for f in found if f.severity >= floor
                    and (not case.get("flag_rules") or f.rule_id in case["flag_rules"])]
        lines = {f.location.line for f in relevant}
        if case.get("flag_line_any_of"):
            ok = all(any(line in lines for line in group) for group in case["flag_line_any_of"])
        else:
            ok = lines == set(case["expect_flag_lines"])
    if "expect_none_of_rules" in case:
        ok = ok and not [f for f in found if f.rule_id in case["expect_none_of_rules"]]
    if "expect_dead_lines" in case:
        dead = {f.location.line for f in found if f.rule_id == "codeowners/shadowed-rule"}
        for f in found:
            if f.rule_id == "codeowners/late-catch-all":
                dead.update((f.evidence or {}).get("overridden_lines", []))
        ok = ok and set(case["expect_dead_lines"]) <= dead
    return ok


def score(cases: List[dict], decisions: Dict[Tuple[str, str], dict]) -> Dict[str, Dict[str, object]]:
    """Per suite file: ``cases``, ``decided``, ``passed``, ``undecided`` and the ids that ``failed``.

    A case with decision ``ours`` passes when we answer the ``documented`` value; ``undecided``
    cases run (they must not raise) but are not scored; every other case is judged as the peer wrote it.
    """
    table: Dict[str, Dict[str, object]] = {}
    for case in cases:
        row = table.setdefault(case["file"], {"cases": 0, "decided": 0, "passed": 0, "undecided": 0, "failed": []})
        row["cases"] += 1
        decision = decisions.get((case["file"], case["id"]))
        if decision is not None and decision["decision"] == "undecided":
            actual(case)
            row["undecided"] += 1
            continue
        row["decided"] += 1
        if decision is not None and decision["decision"] == "ours":
            ok = actual(case) == json.loads(decision["documented"])
        else:
            ok = outcome(case)[0]
        if ok:
            row["passed"] += 1
        else:
            row["failed"].append(case["id"])
    return table


def format_table(table: Dict[str, Dict[str, object]]) -> str:
    lines = ["| suite file | cases | passed / decided | undecided |", "|---|---:|---:|---:|"]
    for name in sorted(table):
        row = table[name]
        lines.append(f"| {name} | {row['cases']} | {row['passed']} / {row['decided']} | {row['undecided']} |")
    total = {key: sum(row[key] for row in table.values()) for key in ("cases", "passed", "decided", "undecided")}
    lines.append(f"| all | {total['cases']} | {total['passed']} / {total['decided']} | {total['undecided']} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m tests.codeowners.peer_cases [FOLDER]
    import sys

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / ".." / "shared" / "conformance" / "codeowners-peers"
    print(format_table(score(load_cases(folder), load_decisions())))
