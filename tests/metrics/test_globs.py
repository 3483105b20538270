"""Globs of the `schemas` and `exclude` keys."""

from __future__ import annotations

import pytest

from governance_hooks.metrics.globs import compile_glob


@pytest.mark.parametrize("glob, path, matches", [
    ("evals/**/*.ndjson", "evals/a/b/x.ndjson", True),
    ("evals/**/*.ndjson", "evals/x.ndjson", True),
    ("evals/**/*.ndjson", "train/evals/x.ndjson", False),
    ("*.jsonl", "deep/down/x.jsonl", True),          # no "/": the name in any folder
    ("runs/*.jsonl", "runs/a/x.jsonl", False),       # "*" stays in one folder
    ("run-?.ndjson", "run-7.ndjson", True),
    ("run-[0-9].ndjson", "run-x.ndjson", False),
    ("run-[!0-9].ndjson", "run-x.ndjson", True),
    ("/top.ndjson", "top.ndjson", True),
    ("a+b.ndjson", "a+b.ndjson", True),
])
def test_globs(glob, path, matches):
    assert bool(compile_glob(glob).match(path)) is matches


@pytest.mark.parametrize("glob", ["", "run-[0-9.ndjson"])
def test_bad_globs(glob):
    with pytest.raises(ValueError):
        compile_glob(glob)
