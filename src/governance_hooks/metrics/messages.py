"""One-line messages for schema errors, identical whichever backend found them.

The two validation libraries word their errors differently (``'x' is a
required property`` versus ``"x" is a required property``); findings must
not depend on the backend, so both are reduced to ``(keyword, instance,
detail)`` and worded here.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

_MAX_SHOWN = 60


def show(value: Any) -> str:
    """Compact JSON for a value, cut to about 60 characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


def json_type(value: Any) -> str:
    """The JSON type name of a Python value from a JSON parser."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _either(items: Sequence[Any]) -> str:
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _names(keys: Sequence[str]) -> str:
    return ", ".join(repr(k) for k in sorted(keys))


def describe(keyword: str, instance: Any, detail: Mapping[str, Any]) -> str:
    """The message for a failed ``keyword``.

    Args:
        keyword: the JSON Schema keyword that failed (``type``, ``required``, ...;
            ``false`` for a false schema).
        instance: the offending value.
        detail: keyword-specific facts: ``types``, ``property``, ``unexpected``,
            ``pattern``, ``options``, ``expected``, ``limit``.
    """
    v = show(instance)
    if keyword == "type":
        expected = _either(detail.get("types", ()))
        if instance is None:
            return f"null is not allowed; expected {expected}"
        return f"{v} is {json_type(instance)}; expected {expected}"
    if keyword == "required":
        return f"missing required key {detail.get('property')!r}"
    if keyword in ("additionalProperties", "unevaluatedProperties") and "unexpected" in detail:
        keys = detail["unexpected"]
        noun = "key" if len(keys) == 1 else "keys"
        return f"unexpected {noun} {_names(keys)} ({keyword})"
    if keyword == "pattern":
        return f"{v} does not match the pattern {detail.get('pattern')}"
    if keyword == "enum":
        return f"{v} is not one of {_either([show(o) for o in detail.get('options', ())])}"
    if keyword == "const":
        return f"{v} is not the expected constant {show(detail.get('expected'))}"
    if keyword in ("items", "additionalItems") and "allowed" in detail:
        count = len(instance) if isinstance(instance, list) else 0
        return f"array has {count} items, more than the {detail['allowed']} allowed ({keyword}: false)"
    if keyword == "contains":
        bounds = f"at least {detail.get('min', 1)}"
        if detail.get("max") is not None:
            bounds += f" and at most {detail['max']}"
        return f"{v} must have {bounds} items matching 'contains'"
    if keyword in ("dependentRequired", "dependencies") and "missing" in detail:
        pairs = "; ".join(f"{need!r} (required by {key!r})" for key, need in detail["missing"])
        return f"missing {pairs}"
    limit = detail.get("limit")
    if keyword == "minimum":
        return f"{v} is less than the minimum {show(limit)}"
    if keyword == "maximum":
        return f"{v} is greater than the maximum {show(limit)}"
    if keyword == "exclusiveMinimum":
        return f"{v} is not greater than {show(limit)}"
    if keyword == "exclusiveMaximum":
        return f"{v} is not less than {show(limit)}"
    if keyword == "minLength":
        return f"{v} is shorter than {limit} characters"
    if keyword == "maxLength":
        return f"{v} is longer than {limit} characters"
    if keyword == "minItems":
        return f"array has fewer than {limit} items"
    if keyword == "maxItems":
        return f"array has more than {limit} items"
    if keyword == "minProperties":
        return f"object has fewer than {limit} keys"
    if keyword == "maxProperties":
        return f"object has more than {limit} keys"
    if keyword == "anyOf":
        return f"{v} matches none of the anyOf alternatives"
    if keyword == "oneOf":
        return f"{v} does not match exactly one of the oneOf alternatives"
    if keyword == "not":
        return f"{v} matches a schema it must not match (not)"
    if keyword == "false":
        return f"no value is allowed here (false schema), got {v}"
    return f"{v} fails the {keyword!r} keyword"
