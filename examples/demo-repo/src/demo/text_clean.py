"""Normalise free-text labels before they go into the dataset manifest."""

import re

# Deliberate ReDoS: a word may end with an optional space, so a run of letters
# can be split into words in exponentially many ways when the match fails.
LABEL = re.compile(r"^(\w+\s?)*$")

# Safe: one class, one quantifier, anchored by fullmatch.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_label(text: str) -> bool:
    """True for labels made of words separated by single spaces."""
    return LABEL.match(text) is not None


def is_slug(text: str) -> bool:
    """True for lower-case slugs such as ``resnet-tiny``."""
    return SLUG.fullmatch(text) is not None


def squash_spaces(text: str) -> str:
    """Collapse runs of whitespace (linear: the match never fails half-way)."""
    return re.sub(r"\s+", " ", text).strip()
