"""ReDoS check: catastrophic backtracking under CPython's real ``re`` semantics.

Pipeline: :mod:`.extract_python` / :mod:`.extract_data` (sites) ->
:mod:`.analyze` (NFA ambiguity: EDA/IDA, attack string) -> :mod:`.confirm`
(timing the real engine in a child process) -> :mod:`.scan` (findings).
"""
