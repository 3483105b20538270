"""Regexes in data files: JSON Schema ``pattern``/``patternProperties`` and configured keys.

JSON is parsed by :func:`governance_hooks.jsonpos.parse`, which keeps the line
and column of every value and key, so each pattern gets the position of its
literal.  YAML uses PyYAML's ``compose`` (safe: nodes only, no object
construction), whose marks carry positions.

JSON Schema validators in Python (``jsonschema``) apply ``pattern`` with
``re.search``, so these are analysed as search call sites.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Tuple

from ..jsonpos import Document, JsonPositionError, Position, child_pointer, parse
from .sites import RegexSite, SourceProblem

MAX_DEPTH = 400

# The wording of this check's ``cannot parse JSON: ...`` problems, kept stable for baselines and users.
_REASONS = {"depth": f"nesting deeper than {MAX_DEPTH}", "end": "unexpected end of document", "key": "expected a key",
            "colon": "expected ':'", "object": "expected ',' or '}'", "array": "expected ',' or ']'",
            "character": "unexpected character", "extra": "trailing data"}


def _describe(exc: JsonPositionError) -> str:
    if exc.reason == "string":  # worded like ``json.JSONDecodeError``
        return f"{exc.message}: line {exc.line} column {exc.column} (char {exc.offset})"
    if exc.reason == "number":  # worded by ``int()`` itself
        return str(exc.__cause__ or exc.message)
    return f"{_REASONS.get(exc.reason, exc.message)} at offset {exc.offset}"


def _walk(document: Document, schema_context: bool, keys: frozenset) -> Iterable[Tuple[str, Position, str]]:
    """Yield ``(pattern, (line, column) of its literal, origin)`` from a parsed JSON document."""
    stack: List[Tuple[Any, str]] = [(document.value, "")]
    while stack:
        item, pointer = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                child = child_pointer(pointer, key)
                if schema_context and key == "pattern" and isinstance(value, str):
                    yield value, document.position(child), "JSON Schema pattern"
                elif schema_context and key == "patternProperties" and isinstance(value, dict):
                    for name in value:
                        yield name, document.key_position(child_pointer(child, name)), \
                            "JSON Schema patternProperties"
                elif key in keys and isinstance(value, str):
                    yield value, document.position(child), f"key {key!r}"
                if isinstance(value, (dict, list)):
                    stack.append((value, child))
        elif isinstance(item, list):
            stack.extend((value, child_pointer(pointer, index)) for index, value in enumerate(item))


def _decode(data: bytes) -> Optional[str]:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def extract_json(path: str, data: bytes, schema: bool, keys: Iterable[str] = ()) -> Tuple[List[RegexSite], List[SourceProblem]]:
    """Patterns in one JSON file.

    Args:
        schema: treat the file as a JSON Schema (``pattern``, ``patternProperties``);
            when False, a document with a ``$schema`` key is still treated as one.
        keys: extra key names whose string values are regexes.
    """
    text = _decode(data)
    if text is None:
        return [], [SourceProblem(path, None, None, "cannot decode JSON: not valid UTF-8")]
    try:
        document = parse(text, MAX_DEPTH)
    except JsonPositionError as exc:
        return [], [SourceProblem(path, None, None, f"cannot parse JSON: {_describe(exc)}")]
    schema = schema or (isinstance(document.value, dict) and "$schema" in document.value)
    sites = []
    for value, (line, column), origin in _walk(document, schema, frozenset(keys)):
        sites.append(RegexSite(path, line, column, value, 0, {"search"}, [origin], "json-schema" if schema else "data",
                               line))
    return sorted(sites, key=lambda s: (s.line, s.column)), []


def extract_yaml(path: str, data: bytes, keys: Iterable[str]) -> Tuple[List[RegexSite], List[SourceProblem]]:
    """String values of ``keys`` anywhere in a YAML file (all documents)."""
    import yaml

    text = _decode(data)
    if text is None:
        return [], [SourceProblem(path, None, None, "cannot decode YAML: not valid UTF-8")]
    wanted = frozenset(keys)
    sites: List[RegexSite] = []
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return [], [SourceProblem(path, line, None, f"cannot parse YAML: {getattr(exc, 'problem', None) or exc}")]
    except RecursionError:
        return [], [SourceProblem(path, None, None, "cannot parse YAML: nesting too deep")]
    stack = [d for d in documents if d is not None]
    seen = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value in wanted and isinstance(value, yaml.ScalarNode) \
                        and value.tag.endswith(":str"):
                    sites.append(RegexSite(path, value.start_mark.line + 1, value.start_mark.column + 1, value.value,
                                           0, {"search"}, [f"key {key.value!r}"], "data", value.end_mark.line + 1))
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(sites, key=lambda s: (s.line, s.column)), []
