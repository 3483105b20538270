"""Regexes in data files: JSON Schema ``pattern``/``patternProperties`` and configured keys.

JSON is parsed by a small position-keeping reader (string contents decoded by
the standard library's own ``json.decoder.scanstring``) so each pattern gets
the line and column of its literal.  YAML uses PyYAML's ``compose`` (safe:
nodes only, no object construction), whose marks carry positions.

JSON Schema validators in Python (``jsonschema``) apply ``pattern`` with
``re.search``, so these are analysed as search call sites.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any, Iterable, List, Optional, Tuple

from .sites import RegexSite, SourceProblem

MAX_DEPTH = 400
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WS = re.compile(r"[ \t\n\r]*")


class PosStr(str):
    """A str that remembers the offset of its opening quote in the document."""

    offset: int = 0


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, message: str, pos: int) -> None:
        raise ValueError(f"{message} at offset {pos}")

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    def value(self, pos: int, depth: int) -> Tuple[Any, int]:
        if depth > MAX_DEPTH:
            self.fail("nesting deeper than %d" % MAX_DEPTH, pos)
        pos = self.ws(pos)
        if pos >= len(self.text):
            self.fail("unexpected end of document", pos)
        ch = self.text[pos]
        if ch == '"':
            raw, end = scanstring(self.text, pos + 1)
            value = PosStr(raw)
            value.offset = pos
            return value, end
        if ch == "{":
            obj = {}
            pos = self.ws(pos + 1)
            if self.text.startswith("}", pos):
                return obj, pos + 1
            while True:
                pos = self.ws(pos)
                if not self.text.startswith('"', pos):
                    self.fail("expected a key", pos)
                key, pos = self.value(pos, depth + 1)
                pos = self.ws(pos)
                if not self.text.startswith(":", pos):
                    self.fail("expected ':'", pos)
                obj[key], pos = self.value(pos + 1, depth + 1)
                pos = self.ws(pos)
                if self.text.startswith(",", pos):
                    pos += 1
                    continue
                if self.text.startswith("}", pos):
                    return obj, pos + 1
                self.fail("expected ',' or '}'", pos)
        if ch == "[":
            arr = []
            pos = self.ws(pos + 1)
            if self.text.startswith("]", pos):
                return arr, pos + 1
            while True:
                item, pos = self.value(pos, depth + 1)
                arr.append(item)
                pos = self.ws(pos)
                if self.text.startswith(",", pos):
                    pos += 1
                    continue
                if self.text.startswith("]", pos):
                    return arr, pos + 1
                self.fail("expected ',' or ']'", pos)
        for word, val in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, pos):
                return val, pos + len(word)
        m = _NUMBER.match(self.text, pos)
        if m:
            return json.loads(m.group()), m.end()
        self.fail("unexpected character", pos)
        raise AssertionError  # unreachable


def parse_json(text: str) -> Any:
    """Parse JSON keeping string offsets (``PosStr``).

    Raises:
        ValueError: malformed JSON or nesting deeper than ``MAX_DEPTH``.
    """
    reader = _Reader(text)
    value, end = reader.value(0, 0)
    if reader.ws(end) != len(text):
        reader.fail("trailing data", reader.ws(end))
    return value


def _line_col(text: str, offset: int) -> Tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def _walk(node: Any, schema_context: bool, keys: frozenset) -> Iterable[Tuple[PosStr, str]]:
    """Yield ``(pattern string, origin)`` pairs from a parsed JSON document."""
    stack: List[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if schema_context and key == "pattern" and isinstance(value, str):
                    yield value, "JSON Schema pattern"
                elif schema_context and key == "patternProperties" and isinstance(value, dict):
                    for name in value:
                        yield name, "JSON Schema patternProperties"
                elif key in keys and isinstance(value, str):
                    yield value, f"key {key!r}"
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


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
        document = parse_json(text)
    except ValueError as exc:
        return [], [SourceProblem(path, None, None, f"cannot parse JSON: {exc}")]
    schema = schema or (isinstance(document, dict) and "$schema" in document)
    sites = []
    for value, origin in _walk(document, schema, frozenset(keys)):
        line, column = _line_col(text, getattr(value, "offset", 0))
        sites.append(RegexSite(path, line, column, str(value), 0, {"search"}, [origin], "json-schema" if schema else "data",
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
