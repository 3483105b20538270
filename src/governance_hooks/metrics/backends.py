"""Two JSON Schema backends that report the same errors the same way.

* ``jsonschema`` (Python): the reference, always installed.
* ``jsonschema-rs`` (Rust, the ``fast`` extra): used when importable.

Both turn each error into a :class:`SchemaIssue` ``(json_path, schema_path,
keyword, message)``. Known differences between the libraries and how they are
neutralised:

* regular expressions: ``jsonschema`` uses Python's ``re`` (``$`` also matches
  before a final newline, ``\\d``/``\\w`` are Unicode-aware) while
  ``jsonschema-rs`` follows ECMA-262 as the JSON Schema spec asks
  (Validation 2020-12 §6.3.3). The reference backend validates against a copy
  of the schema whose patterns are translated to ECMA-262 meaning
  (:mod:`.ecma_regex`: ``$``, ``\\d``, ``\\w``, ``\\s``, ``.``, ``\\p{...}``);
  schema paths still show the original patterns;
* schema paths: ``jsonschema`` gives subschema objects (located through the
  copy), ``jsonschema-rs`` an absolute keyword location relative to the
  innermost ``$id``; both are reported as the file the keyword is written in
  and the pointer from its root (:mod:`.locations`);
* messages: worded by :func:`.messages.describe` from the schema's own values
  (``2.0`` stays ``2.0``, ``const`` keeps the schema's key order), never taken
  from a library;
* error sets: :func:`canonical` and the per-backend normalisers give one
  output (``items``/``additionalItems: false`` once per array, the
  ``contains`` family as ``contains``, ``dependentRequired`` at the keyword,
  ``propertyNames`` per name, ``unevaluated*`` dropped beside another failure
  of the same schema object); docs/metrics.md, "Error sets";
* library bugs: ``jsonschema`` 4.x reports a false ``unevaluatedProperties``
  error beside ``additionalProperties`` under 2019-09 and ignores
  ``$vocabulary``; the reference's copy drops that keyword and the keywords of
  a Validation vocabulary the metaschema leaves out;
* ``type`` lists: ``jsonschema-rs`` sorts them; both are sorted;
* NaN/Infinity and lone surrogates: ``jsonschema-rs`` turns NaN into ``null``.
  Such values only come from the slow parser; the scanner has their records
  validated by the reference backend, except that a schema without
  value-comparing keywords lets ``jsonschema-rs`` judge a copy with 0.5 in
  place of each non-finite number (:meth:`FastBackend.valid_despite_odd_values`);
* member names that look like numbers: ``jsonschema-rs`` reports ``"0"`` as
  the integer 0 in instance paths; the record tells names from indices;
* ``false`` subschemas: ``jsonschema`` loses the member name of their errors;
  the reference validates with ``{"not": {}}`` stand-ins reported as ``false``;
* ``format``: an annotation only, in both (no format assertion);
* nesting: records deeper than ``max-depth`` (:data:`MAX_DEPTH` by default) are
  not validated by either (``metrics/analysis-incomplete``, an error).
"""

from __future__ import annotations

import re
import sys
from itertools import compress, islice
from operator import not_
from typing import Any, Container, Dict, Iterable, List, NamedTuple, Optional, Tuple

from ..errors import ToolError
from .messages import describe
from .paths import json_path, json_pointer
from .ecma_regex import UnsupportedPattern, to_python
from .locations import SchemaIndex, metaschema_origin
from .schema_loader import SchemaBundle

#: Records nested deeper than this are not validated (both backends); ``max-depth`` changes it.
MAX_DEPTH = 256
#: Highest ``max-depth`` accepted: CPython's ``json`` stops near 990 levels (the
#: recursion limit) and the reference validator recurses several frames per level.
MAX_DEPTH_CEILING = 900
#: At most this many schema errors are collected per record (a hostile 16 MiB
#: line can hold a million bad members; memory stays bounded).
MAX_ISSUES_PER_RECORD = 1000

DIALECT_URI = {
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}
BACKENDS = ("auto", "jsonschema", "jsonschema-rs")


class SchemaIssue(NamedTuple):
    """One schema error in one record."""

    json_path: str
    schema_path: str
    keyword: str
    message: str
    tokens: Tuple[Any, ...] = ()  # the JSON path as member names (str) and indices (int)


class TooDeep(Exception):
    """A record is nested deeper than :data:`MAX_DEPTH`."""


def depth_of(value: Any) -> int:
    """Nesting depth: 0 for a scalar, 1 for ``{}``/``[]``, +1 per level (iterative)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in item if isinstance(v, (dict, list)))
    return deepest


# --------------------------------------------------------------------------- regex

def ecma_to_python(pattern: str) -> str:
    """``pattern`` rewritten for ``re`` with its ECMA-262 meaning (:func:`.ecma_regex.to_python`).

    A construct that cannot be translated is kept as written: ``re`` then
    refuses it, and the schema check has already reported it as invalid.
    """
    try:
        return to_python(pattern)
    except UnsupportedPattern:
        return pattern


def _search(pattern: str, text: str) -> bool:
    """``re.search`` of an already translated pattern (cached by ``re``)."""
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


_MAP_OF_SCHEMAS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_ONE_SCHEMA = ("not", "if", "then", "else", "additionalProperties", "unevaluatedProperties",
               "unevaluatedItems", "contains", "propertyNames", "contentSchema", "additionalItems")
_LIST_OR_SCHEMA = ("items", "prefixItems", "allOf", "anyOf", "oneOf")


class _Translation:
    """A copy of a bundle with ECMA patterns translated, and where each subschema came from."""

    def __init__(self, bundle: SchemaBundle):
        self.origin: Dict[int, Tuple[str, Tuple[Any, ...]]] = {}
        self.original_pattern: Dict[str, str] = {}
        #: ids of ``{"not": {}}`` stand-ins for ``false`` subschemas: jsonschema
        #: loses the member name and instance path of a false subschema's error.
        self.false_ids: set = set()
        #: ids of stand-ins for ``items: false`` / ``additionalItems: false``: reported once per array.
        self.array_false_ids: set = set()
        self._without: frozenset = frozenset()
        self.documents = {}
        for uri, doc in bundle.documents.items():
            self._without = _disabled_keywords(doc, bundle.documents)
            self.documents[uri] = self._copy(doc, uri, (), as_false=True)

    def _pattern(self, pattern: str) -> str:
        translated = ecma_to_python(pattern)
        self.original_pattern[translated] = pattern
        return translated

    def _copy(self, node: Any, uri: str, tokens: Tuple[Any, ...], as_false: bool = False) -> Any:
        if node is False and as_false:
            stand_in: Dict[str, Any] = {"not": {}}
            self.origin[id(stand_in)] = (uri, tokens)
            self.false_ids.add(id(stand_in))
            return stand_in
        if not isinstance(node, dict):
            return node
        out: Dict[str, Any] = {}
        for key, value in node.items():
            here = tokens + (key,)
            if key in self._without:
                continue
            if key == "unevaluatedProperties" and "additionalProperties" in node:
                # additionalProperties beside it evaluates every property, so this
                # keyword cannot fail (Core 2019-09 §9.3.2.4); jsonschema 4.x reports a
                # false error for it under 2019-09.
                continue
            if key in _MAP_OF_SCHEMAS and isinstance(value, dict):
                sub = {}
                for name, schema in value.items():
                    new_name = self._pattern(name) if key == "patternProperties" else name
                    sub[new_name] = self._copy(schema, uri, here + (name,), as_false=True)
                out[key] = sub
            elif key in ("items", "additionalItems") and value is False:
                stand_in = {"not": {}}
                self.origin[id(stand_in)] = (uri, here)
                self.array_false_ids.add(id(stand_in))
                out[key] = stand_in
            elif key in _ONE_SCHEMA:
                out[key] = self._copy(value, uri, here, as_false=key in ("not", "if", "then", "else"))
            elif key in _LIST_OR_SCHEMA:
                if isinstance(value, list):
                    out[key] = [self._copy(v, uri, here + (i,), as_false=True) for i, v in enumerate(value)]
                else:
                    out[key] = self._copy(value, uri, here)
            elif key == "dependencies" and isinstance(value, dict):
                out[key] = {n: self._copy(s, uri, here + (n,), as_false=True) for n, s in value.items()}
            elif key == "pattern" and isinstance(value, str):
                out[key] = self._pattern(value)
            else:
                out[key] = value
        self.origin[id(out)] = (uri, tokens)
        return out


#: Keywords of the Validation vocabulary (Validation 2020-12 §6, 2019-09 §6).
_VALIDATION_KEYWORDS = frozenset({
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
    "maxProperties", "minProperties", "required", "dependentRequired",
})


def _disabled_keywords(doc: Any, documents: Dict[str, Any]) -> frozenset:
    """Validation keywords to ignore in ``doc``: its ``$schema`` is a metaschema of the bundle whose
    ``$vocabulary`` leaves out the Validation vocabulary (Core 2020-12 §8.1.2); ``jsonschema``
    ignores ``$vocabulary``, ``jsonschema-rs`` honours it."""
    if not isinstance(doc, dict) or not isinstance(doc.get("$schema"), str):
        return frozenset()
    meta = documents.get(doc["$schema"].split("#", 1)[0])
    vocabularies = meta.get("$vocabulary") if isinstance(meta, dict) else None
    if not isinstance(vocabularies, dict) or any(v.endswith("/vocab/validation") for v in vocabularies):
        return frozenset()
    return _VALIDATION_KEYWORDS


# --------------------------------------------------------------------------- backends

def _value_at(record: Any, tokens: List[Any]) -> Any:
    node = record
    for token in tokens:
        node = node[token]
    return node


_CONTAINS_FAMILY = ("minContains", "maxContains")
_DEPENDENCY_KEYWORDS = ("dependentRequired", "dependencies")


def canonical(issues: Iterable[SchemaIssue]) -> List[SchemaIssue]:
    """The issues of one record in the one form both backends report (docs/metrics.md, "Error sets").

    * duplicates are dropped and the list is sorted;
    * ``unevaluatedProperties`` / ``unevaluatedItems`` of a schema object are
      dropped for a value that fails another keyword of the same schema object:
      what counts as evaluated then depends on which subschema failed, and the
      libraries decide that differently; the other failure is reported.
    """
    unique = set(issues)
    failing = {(i.json_path, i.schema_path.rsplit("/", 1)[0]) for i in unique
               if i.keyword not in ("unevaluatedProperties", "unevaluatedItems")}
    kept = [i for i in unique
            if i.keyword not in ("unevaluatedProperties", "unevaluatedItems")
            or (i.json_path, i.schema_path.rsplit("/", 1)[0]) not in failing]
    return sorted(kept)


class Backend:
    """Common interface: ``check(records) -> [(index, issues)]`` for invalid records only.

    ``issues`` is a sorted list of :class:`SchemaIssue`, or :class:`TooDeep`
    when the record was not validated.
    """

    name = "?"
    #: Records nested deeper than this are not validated (set from ``ScanOptions.max_depth``).
    max_depth = MAX_DEPTH

    def __init__(self, bundle: SchemaBundle):
        self.bundle = bundle
        self.index = SchemaIndex(bundle)
        self._where_cache: Dict[Tuple[str, Tuple[Any, ...]], str] = {}

    def _issue(self, tokens: List[Any], uri: str, schema_tokens: Tuple[Any, ...], keyword: str, instance: Any,
               detail: Optional[Dict[str, Any]] = None) -> SchemaIssue:
        """One issue, its message worded from the schema's own value of ``keyword``.

        The facts in a message (limits, options, constants, patterns) are read
        from the schema as written, never from a library's error: ``2.0`` stays
        ``2.0`` and object keys keep the schema's order, whichever backend found it.
        """
        if keyword in _CONTAINS_FAMILY:
            # jsonschema names ``contains``, jsonschema-rs the count keyword: one name, ``contains``.
            keyword, schema_tokens = "contains", schema_tokens[:-1] + ("contains",)
        cut = _dependency_cut(self.index, uri, schema_tokens)
        if cut is not None:
            keyword, schema_tokens = schema_tokens[cut], schema_tokens[:cut + 1]
        value = self.index.value_at(uri, schema_tokens)
        facts: Dict[str, Any] = dict(detail or {})
        if keyword == "contains":
            parent = self.index.value_at(uri, schema_tokens[:-1])
            parent = parent if isinstance(parent, dict) else {}
            facts["min"] = parent.get("minContains", 1)
            facts["max"] = parent.get("maxContains")
        elif keyword in _DEPENDENCY_KEYWORDS:
            facts["missing"] = _missing_dependencies(value, instance)
        if keyword == "type":
            facts["types"] = sorted(value) if isinstance(value, list) else [value]
        elif keyword == "enum":
            facts["options"] = value if isinstance(value, list) else []
        elif keyword == "const":
            facts["expected"] = value
        elif keyword == "pattern":
            facts["pattern"] = value
        elif "limit" not in facts:
            facts["limit"] = value
        return SchemaIssue(json_path(tokens), self._where(uri, schema_tokens), keyword,
                           describe(keyword, instance, facts), tuple(tokens))

    def _array_issue(self, tokens: List[Any], uri: str, schema_tokens: Tuple[Any, ...], array: Any) -> SchemaIssue:
        """The one issue of an array with items beyond what ``items: false`` / ``additionalItems: false`` allow."""
        keyword = str(schema_tokens[-1])
        parent = self.index.value_at(uri, schema_tokens[:-1])
        positional = parent.get("prefixItems" if keyword == "items" else "items") if isinstance(parent, dict) else None
        allowed = len(positional) if isinstance(positional, list) else 0
        return SchemaIssue(json_path(tokens), self._where(uri, schema_tokens), keyword,
                           describe(keyword, array, {"allowed": allowed}), tuple(tokens))

    def _where(self, uri: str, tokens) -> str:
        """``name#pointer`` for a schema location (cached: the same few locations fail again and again)."""
        key = (uri, tuple(tokens))
        text = self._where_cache.get(key)
        if text is None:
            text = f"{self.bundle.names.get(uri, uri)}#{json_pointer(tokens)}"
            if len(self._where_cache) < 10_000:
                self._where_cache[key] = text
        return text

    def check(self, records: List[Any], skip: Container[int] = ()) -> List[Tuple[int, Any]]:  # pragma: no cover
        """Validate ``records`` except the indices in ``skip``; return ``(index, outcome)`` for bad ones."""
        raise NotImplementedError

    def issues(self, record: Any) -> List[SchemaIssue]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _outcomes(self, records: List[Any], indices: Iterable[int], skip: Container[int]) -> List[Tuple[int, Any]]:
        """``(index, issues or TooDeep)`` for the records at ``indices`` (minus ``skip``) that fail."""
        bad: List[Tuple[int, Any]] = []
        for index in indices:
            if index in skip:
                continue
            record = records[index]
            if type(record) is not dict:
                bad.append((index, []))  # reported as not-an-object, whatever the schema says
                continue
            try:
                found = self.issues(record)
            except TooDeep as exc:
                bad.append((index, exc))
                continue
            if found:
                bad.append((index, found))
        return bad

    def valid_despite_odd_values(self, record: Any) -> bool:
        """True when ``record`` (holding NaN, infinities or lone surrogates) is surely valid.

        ``False`` means "not shown valid": the caller asks the reference backend.
        """
        return False


class ReferenceBackend(Backend):
    """Validation with the ``jsonschema`` library (the reference)."""

    name = "jsonschema"

    def __init__(self, bundle: SchemaBundle):
        super().__init__(bundle)
        from referencing import Resource
        from referencing.jsonschema import specification_with
        from jsonschema_specifications import REGISTRY as METASCHEMAS

        from .schema_loader import validator_class

        self._translation = _Translation(bundle)
        default_spec = specification_with(DIALECT_URI[bundle.dialect])
        resources = [
            (uri, Resource.from_contents(doc, default_specification=default_spec))
            for uri, doc in self._translation.documents.items()
        ]
        registry = METASCHEMAS.with_resources(resources).crawl()
        cls = validator_class(bundle.dialect)
        self._validator = cls(self._translation.documents[bundle.root_uri], registry=registry)

    def check(self, records: List[Any], skip: Container[int] = ()) -> List[Tuple[int, Any]]:
        return self._outcomes(records, range(len(records)), skip)

    def issues(self, record: Any) -> List[SchemaIssue]:
        """Every schema error of ``record``, sorted.

        Raises:
            TooDeep: nesting deeper than :data:`MAX_DEPTH`.
        """
        depth = depth_of(record)
        if depth > self.max_depth:
            raise TooDeep(depth)
        if depth > 40:  # jsonschema recurses ~8 Python frames per level
            old = sys.getrecursionlimit()
            sys.setrecursionlimit(max(old, 2000 + 40 * depth))
            try:
                errors = list(islice(self._validator.iter_errors(record), MAX_ISSUES_PER_RECORD))
            except RecursionError:
                raise TooDeep(depth) from None
            finally:
                sys.setrecursionlimit(old)
        else:
            errors = list(islice(self._validator.iter_errors(record), MAX_ISSUES_PER_RECORD))
        required_seen: Dict[Tuple[str, str], int] = {}
        out = []
        for error in errors:
            out.extend(self._normalise(error, required_seen, record))
        return canonical(out)

    def _normalise(self, error, required_seen, record: Any) -> List[SchemaIssue]:
        keyword = error.validator if error.validator is not None else "false"
        instance = error.instance
        tokens = list(error.absolute_path)
        if keyword == "not" and id(error.schema) in self._translation.false_ids:
            uri, schema_tokens = self._translation.origin[id(error.schema)]
            return [self._issue(tokens, uri, schema_tokens, "false", instance)]
        if keyword == "not" and id(error.schema) in self._translation.array_false_ids and tokens:
            uri, schema_tokens = self._translation.origin[id(error.schema)]
            return [self._array_issue(tokens[:-1], uri, schema_tokens, _value_at(record, tokens[:-1]))]
        uri, schema_tokens = self._location(error, keyword, tokens)
        detail: Dict[str, Any] = {}
        if keyword == "required":
            value = error.validator_value
            missing = [p for p in value if isinstance(instance, dict) and p not in instance]
            key = (json_path(tokens), uri, schema_tokens)
            index = required_seen.get(key, 0)
            required_seen[key] = index + 1
            detail["property"] = missing[index] if index < len(missing) else None
        elif keyword == "additionalProperties" and isinstance(instance, dict) and isinstance(error.schema, dict):
            props = error.schema.get("properties", {})
            patterns = error.schema.get("patternProperties", {})
            detail["unexpected"] = [
                k for k in instance
                if k not in props and not any(_search(p, k) for p in patterns)
            ]
        return [self._issue(tokens, uri, schema_tokens, keyword, instance, detail)]

    def _location(self, error, keyword: str, instance_tokens: List[Any]) -> Tuple[str, Tuple[Any, ...]]:
        schema = error.schema
        if isinstance(schema, dict):
            origin = self._translation.origin.get(id(schema))
            if origin is not None:
                uri, tokens = origin
                return uri, tokens + (keyword,)
            origin = metaschema_origin().get(id(schema))
            if origin is not None:  # a keyword of a metaschema the schema refers to
                uri, tokens = origin
                return uri, tokens + (keyword,)
        # Not a copied subschema (cannot happen for dict schemas): the relative path from the root.
        tokens = tuple(self._translation.original_pattern.get(t, t) if isinstance(t, str) else t
                       for t in error.absolute_schema_path)
        return self.bundle.root_uri, tokens


def _refuse_retrieval(uri: str):
    raise ValueError(f"remote $ref {uri!r} refused: schemas are never fetched")


class FastBackend(Backend):
    """Validation with ``jsonschema-rs``: ``is_valid`` on a whole batch, errors only for invalid records."""

    name = "jsonschema-rs"

    def __init__(self, bundle: SchemaBundle):
        super().__init__(bundle)
        import jsonschema_rs

        cls = {
            "draft-07": jsonschema_rs.Draft7Validator,
            "2019-09": jsonschema_rs.Draft201909Validator,
            "2020-12": jsonschema_rs.Draft202012Validator,
        }[bundle.dialect]
        others = [(uri, doc) for uri, doc in bundle.documents.items() if uri != bundle.root_uri]
        # Documents without ``$schema`` are read in the bundle's dialect (the library's default is 2020-12).
        draft = {"draft-07": jsonschema_rs.Draft7, "2019-09": jsonschema_rs.Draft201909,
                 "2020-12": jsonschema_rs.Draft202012}[bundle.dialect]
        kwargs = dict(validate_formats=False, retriever=_refuse_retrieval)
        try:
            registry = jsonschema_rs.Registry(others, draft=draft, retriever=_refuse_retrieval) if others else None
            self._validator = cls(bundle.root, registry=registry, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the library raises ValueError or its own types
            raise ToolError(f"{bundle.label}: jsonschema-rs rejects the schema: {str(exc).splitlines()[0]}") from None
        self._nan_safe = not any(_keys_anywhere(doc, _VALUE_KEYWORDS) for doc in bundle.documents.values())
        self._batch = None
        self._invalid_last_batch = False
        self._is_record_valid = self._validator.is_valid
        if isinstance(bundle.root, bool):
            # A root of ``true`` accepts any JSON value, but a metrics line must still be an object.
            accepted = bundle.root
            self._is_record_valid = lambda record: accepted and type(record) is dict
        else:
            try:
                batch_registry = jsonschema_rs.Registry(list(bundle.documents.items()), draft=draft, retriever=_refuse_retrieval)
                wrapper = {"$schema": DIALECT_URI[bundle.dialect], "type": "array", "items": {"allOf": [{"type": "object"}, {"$ref": bundle.root_uri}]}}
                self._batch = cls(wrapper, registry=batch_registry, **kwargs)
                one = {"$schema": DIALECT_URI[bundle.dialect], "allOf": [{"type": "object"}, {"$ref": bundle.root_uri}]}
                self._is_record_valid = cls(one, registry=batch_registry, **kwargs).is_valid
            except Exception:  # noqa: BLE001 - batching is an optimisation only
                self._batch = None

    def check(self, records: List[Any], skip: Container[int] = ()) -> List[Tuple[int, Any]]:
        if self._batch is not None and not self._invalid_last_batch:
            batch = records
            if skip:
                batch = records.copy()
                for index in sorted(skip, reverse=True):
                    del batch[index]
            try:
                if self._batch.is_valid(batch):
                    return []
            except ValueError:
                pass  # a record the library cannot convert; find it one by one
        # One C-level map over the records; a ValueError (nesting beyond the
        # library's limit) marks that record and the map resumes after it.
        flags: List[Any] = []
        it = iter(records)
        while True:
            try:
                flags.extend(map(self._is_record_valid, it))
                break
            except ValueError:
                flags.append(None)
        bad = self._outcomes(records, compress(range(len(flags)), map(not_, flags)), skip)
        self._invalid_last_batch = bool(bad)
        return bad

    def valid_despite_odd_values(self, record: Any) -> bool:
        """Validity of a record with non-finite numbers, without the reference backend.

        ``jsonschema-rs`` reads NaN as null, so each non-finite number is replaced
        by 0.5, which every ``type`` judges as the reference judges NaN and
        infinities (a number, not an integer). That is exact only for schemas
        without keywords that compare number values (:data:`_VALUE_KEYWORDS`);
        for others, for lone surrogates, and for invalid records, the answer is
        ``False`` and the reference decides and words the errors.
        """
        if not self._nan_safe:
            return False
        stand_in = _replace_non_finite(record)
        if stand_in is None:
            return False
        try:
            return bool(self._is_record_valid(stand_in))
        except ValueError:
            return False

    def issues(self, record: Any) -> List[SchemaIssue]:
        """Every schema error of ``record``, sorted.

        The scanner has already set aside records deeper than :data:`MAX_DEPTH`.

        Raises:
            TooDeep: nesting beyond the library's limit.
        """
        try:
            errors = list(islice(self._validator.iter_errors(record), MAX_ISSUES_PER_RECORD))
        except ValueError:  # the library's recursion limit when building an error's instance
            raise TooDeep(depth_of(record)) from None
        return canonical([issue for e in errors for issue in self._normalise(e, record)])

    def _normalise(self, error, record: Any) -> List[SchemaIssue]:
        kind = error.kind
        name = kind.name
        uri, schema_tokens = self._location(error)
        facts = kind.as_dict()
        instance = error.instance
        tokens = self._typed_path(record, error.instance_path)
        if name == "propertyNames":
            # The library wraps the error about the name; the name is the instance.
            inner = facts.get("error")
            if inner is not None:
                instance = inner.instance
                facts = inner.kind.as_dict()
                name = inner.kind.name
                if name != "falseSchema" and schema_tokens and schema_tokens[-1] == "propertyNames":
                    inner_path = list(inner.schema_path)
                    schema_tokens = schema_tokens + (str(inner_path[-1]) if inner_path else name,)
        keyword = "false" if name == "falseSchema" else (str(schema_tokens[-1]) if schema_tokens else name)
        if (schema_tokens and schema_tokens[-1] in ("items", "additionalItems")
                and self.index.value_at(uri, schema_tokens) is False):
            # One finding per array (the reference's form), not one per extra item.
            if name == "falseSchema" and tokens:
                tokens = tokens[:-1]
            return [self._array_issue(tokens, uri, schema_tokens, _value_at(record, tokens))]
        if keyword == "false" and schema_tokens and schema_tokens[-1] == "propertyNames" and isinstance(instance, dict):
            # ``propertyNames: false``: every name fails, one finding each (as the reference reports).
            return [self._issue(tokens, uri, schema_tokens, "false", key) for key in instance]
        detail: Dict[str, Any] = {}
        if keyword == "required":
            detail["property"] = facts.get("property")
        elif keyword == "additionalProperties":
            detail["unexpected"] = list(facts.get("unexpected", ()))
        return [self._issue(tokens, uri, schema_tokens, keyword, instance, detail)]

    def _location(self, error) -> Tuple[str, Tuple[Any, ...]]:
        """(document, pointer tokens) of the failing keyword, through ``$ref`` and embedded ``$id``."""
        found = self.index.locate(error.absolute_keyword_location)
        if found is not None:
            return found
        return self.bundle.root_uri, tuple(error.schema_path)

    @staticmethod
    def _typed_path(record: Any, tokens) -> List[Any]:
        """The instance path with member names as strings and array indices as ints.

        ``jsonschema-rs`` reports a member named ``"0"`` as the integer 0; walking
        the record tells a name from an index.
        """
        out: List[Any] = []
        node = record
        for token in tokens:
            if isinstance(node, list):
                token = int(token)
                node = node[token] if 0 <= token < len(node) else None
            else:
                token = str(token)
                node = node.get(token) if isinstance(node, dict) else None
            out.append(token)
        return out


def _dependency_cut(index: SchemaIndex, uri: str, tokens: Tuple[Any, ...]) -> Optional[int]:
    """Index of ``dependentRequired`` / array-form ``dependencies`` in ``tokens`` when the error is about it.

    jsonschema-rs points inside the keyword (``dependentRequired/0``); the
    finding names the keyword itself.
    """
    for i in range(len(tokens) - 1, -1, -1):
        if tokens[i] in _DEPENDENCY_KEYWORDS and i < len(tokens) - 1:
            value = index.value_at(uri, tokens[:i + 1])
            member = value.get(tokens[i + 1]) if isinstance(value, dict) else None
            if tokens[i] == "dependentRequired" or isinstance(member, list) or member is None:
                return i
            return None
    return None


def _missing_dependencies(value: Any, instance: Any) -> List[Tuple[str, str]]:
    """``(present key, missing key)`` pairs of a ``dependentRequired`` / array ``dependencies`` value."""
    if not isinstance(value, dict) or not isinstance(instance, dict):
        return []
    return [(key, need) for key, needs in value.items() if key in instance and isinstance(needs, list)
            for need in needs if need not in instance]


#: Keywords whose outcome depends on a number's value (not only on its type).
_VALUE_KEYWORDS = frozenset({
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "enum", "const", "uniqueItems",
})


def _keys_anywhere(node: Any, keys: frozenset) -> bool:
    """True if any object under ``node`` has one of ``keys`` (conservative: property names count too)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if keys.intersection(item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _replace_non_finite(value: Any) -> Any:
    """A copy with NaN/infinities replaced by 0.5; ``None`` for lone surrogates or excessive depth."""
    def copy(item: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _GiveUp
        if isinstance(item, float):
            return item if item - item == 0.0 else 0.5
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise _GiveUp from None
            return item
        if isinstance(item, dict):
            return {copy(k, depth): copy(v, depth + 1) for k, v in item.items()}
        if isinstance(item, list):
            return [copy(v, depth + 1) for v in item]
        return item

    try:
        return copy(value, 1)
    except (_GiveUp, RecursionError):
        return None


class _GiveUp(Exception):
    pass


def fast_available() -> bool:
    """True if ``jsonschema-rs`` can be imported."""
    try:
        import jsonschema_rs
    except ImportError:
        return False
    return bool(jsonschema_rs.validator_for)


def make_backend(bundle: SchemaBundle, name: str = "auto") -> Backend:
    """The backend called ``name`` (``auto``: ``jsonschema-rs`` when installed, else ``jsonschema``).

    Raises:
        ToolError: ``jsonschema-rs`` asked for but not installed, or it rejects the schema.
    """
    if name not in BACKENDS:
        raise ToolError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")
    if name == "jsonschema" or (name == "auto" and not fast_available()):
        return ReferenceBackend(bundle)
    if not fast_available():
        raise ToolError("backend jsonschema-rs is not installed (pip install 'governance-hooks[fast]')")
    return FastBackend(bundle)
