"""The AST post-analysis of Semgrep matches (no Semgrep needed): exact verdicts and reasons."""

from __future__ import annotations

from governance_hooks.semgrep.refine import refine

SOURCE = '''\
import pickle, torch, yaml

def f(path, blob):
    a = torch.load("weights/tracked.pt")
    b = torch.load("weights/missing.pt")
    c = pickle.loads(pickle.dumps(blob))
    d = pickle.loads(blob)
    e = eval(path) if path.isdigit() else path
    return a, b, c, d, e
'''


def result(rule, line, col):
    return {"check_id": f"pack.{rule}", "path": "src/m.py", "start": {"line": line, "col": col},
            "end": {"line": line, "col": col + 5}, "extra": {"message": "Base message.", "severity": "ERROR"}}


def test_verdicts_reasons_and_notes():
    results = [
        result("torch-load-without-weights-only", 4, 9),
        result("torch-load-without-weights-only", 5, 9),
        result("pickle-load-untrusted", 6, 9),
        result("pickle-load-untrusted", 7, 9),
        result("eval-exec-non-literal", 8, 9),
        result("yaml-unsafe-load", 8, 9),  # a rule without post-analysis is kept as is
    ]
    outcome = refine(results, lambda p: SOURCE, lambda p: p, {"weights/tracked.pt", "src/m.py"})
    assert [(r["check_id"].split(".")[1], r["start"]["line"], r["extra"]["message"]) for r in outcome.kept] == [
        ("torch-load-without-weights-only", 5,
         "Base message. ('weights/missing.pt' is not a file this repository tracks, so nothing reviewed it.)"),
        ("pickle-load-untrusted", 7, "Base message."),
        ("yaml-unsafe-load", 8, "Base message."),
    ]
    assert outcome.accepted == {
        "a literal path to a tracked (reviewed) file": 1,
        "serialised in the same expression": 1,
        "evaluated only under a numeric or identifier guard": 1,
    }


def test_outside_git_no_literal_path_is_reviewed_and_unparsable_files_keep_everything():
    results = [result("torch-load-without-weights-only", 4, 9)]
    outcome = refine(results, lambda p: SOURCE, lambda p: p, None)
    assert [r["extra"]["message"] for r in outcome.kept] == [
        "Base message. ('weights/tracked.pt' cannot be checked against tracked files outside a git repository.)"]
    broken = refine(results, lambda p: "def (:\n", lambda p: p, {"weights/tracked.pt"})
    assert (len(broken.kept), broken.accepted) == (1, {})


TRANSACTION = '''\
import torch

def save(fs, path, state):
    with fs.transaction:
        with fs.open(path, "wb") as f:
            torch.save(state, f)
    with fs.open(path + ".last", "wb") as f:
        torch.save(state, f)
'''


def test_writes_inside_an_fsspec_transaction_are_accepted_and_others_kept():
    results = [result("non-atomic-checkpoint-write", 6, 13), result("non-atomic-checkpoint-write", 8, 9)]
    outcome = refine(results, lambda p: TRANSACTION, lambda p: p, {"src/m.py"})
    assert [r["start"]["line"] for r in outcome.kept] == [8]
    assert outcome.accepted == {"written inside an fsspec transaction (a temporary file moved on commit)": 1}
