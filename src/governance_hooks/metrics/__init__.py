"""Metrics NDJSON check: every line of a metric log validated against a JSON Schema.

Data flow: :mod:`.reader` streams blocks of raw lines (plain or gzip) ->
:mod:`.scan` parses them (orjson fast path, :mod:`.lineparse` for exact
diagnostics) and validates them with a backend from :mod:`.backends` ->
optional :mod:`.crossline` checks -> :class:`~governance_hooks.findings.Finding`.
:mod:`.engine` plans the work over files and chunks and uses several
processes when it pays. :mod:`.command` is the thin CLI adapter.
"""
