"""Suggestions for vulnerable patterns (filled in below)."""


def suggest(pattern, flags, kind, verdict):
    return None
