"""GitLab matching against a direct transcription of GitLab's algorithm, on generated patterns.

GitLab (``ee/lib/gitlab/code_owners/file.rb``): ``normalize_pattern`` (``*`` -> ``/**/*``; no
leading ``/`` -> ``/**/`` in front; trailing ``/`` -> ``**/*`` after), then
``File.fnmatch?(pattern, "/" + path, FNM_PATHNAME | FNM_DOTMATCH)``: ``**/`` spans zero or more
directories, ``*`` and ``?`` never match ``/``, other ``**`` is ``*``. The reference below turns that
into a regular expression; the trie matcher must agree with it on every generated case.
"""

from __future__ import annotations

import random
import re

from governance_hooks.codeowners.ownership import Ownership

from .helpers import model_of


def normalize(pattern: str) -> str:
    if pattern == "*":
        return "/**/*"
    if not pattern.startswith("/"):
        pattern = "/**/" + pattern
    if pattern.endswith("/"):
        pattern += "**/*"
    return pattern


def fnmatch_pathname(pattern: str, path: str) -> bool:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i) and (i == 0 or pattern[i - 1] == "/"):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.fullmatch("".join(out), path) is not None


SEGMENTS = ["a", "b", "ab", "*", "?", "a*", "*b", "**", ".a"]
NAMES = ["a", "b", "ab", "ba", ".a", "aab"]


def test_gitlab_matching_agrees_with_the_transcribed_algorithm():
    rng = random.Random(15)
    checked = matched = 0
    for _ in range(400):
        parts = [rng.choice(SEGMENTS) for _ in range(rng.randint(1, 3))]
        pattern = ("/" if rng.random() < 0.4 else "") + "/".join(parts) + ("/" if rng.random() < 0.3 else "")
        ownership = Ownership(model_of(f"{pattern} @o\n", "gitlab"))
        for _ in range(12):
            path = "/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 4)))
            want = fnmatch_pathname(normalize(pattern), "/" + path)
            assert (ownership.resolve(path).owners == ["@o"]) is want, (pattern, path)
            checked += 1
            matched += want
    assert checked == 4800 and matched > 600
