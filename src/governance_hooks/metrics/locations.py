"""Schema locations spelt one way for both backends: the file, then a pointer from its root.

``jsonschema-rs`` reports an *absolute keyword location* relative to the
innermost schema resource (``https://example.com/counter.json#/minimum`` for
a subschema with its own ``$id`` embedded in ``defs.json``); ``jsonschema``
gives subschema objects from which the translated copy knows the document
and pointer. Findings name the file the keyword is written in and the JSON
pointer from that file's root (``defs.json#/$defs/counter/minimum``), so the
operator can open the file and follow the pointer.

Source: JSON Schema Core 2020-12 §8.2.1 (``$id`` starts a schema resource),
§12.4.2 (absolute keyword location), draft-07 §8.2 (``$id`` as base URI).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote, urldefrag, urljoin

from .schema_loader import SchemaBundle

Location = Tuple[str, Tuple[Any, ...]]  # (document URI, pointer tokens from its root)

_DATA_KEYWORDS = ("const", "enum", "examples", "default")


_METASCHEMAS: Optional[Dict[str, Any]] = None
_METASCHEMA_ORIGIN: Optional[Dict[int, Location]] = None


def metaschemas() -> Dict[str, Any]:
    """The draft metaschemas bundled with ``jsonschema-specifications``: URI (no fragment) -> document."""
    global _METASCHEMAS
    if _METASCHEMAS is None:
        from jsonschema_specifications import REGISTRY

        _METASCHEMAS = {urldefrag(uri)[0]: REGISTRY.contents(uri) for uri in REGISTRY}
    return _METASCHEMAS


def metaschema_origin() -> Dict[int, Location]:
    """``id()`` of every subschema object of the bundled metaschemas -> where it is written.

    ``jsonschema`` hands out these very objects when a schema ``$ref``s a
    metaschema, so an error inside one is located by identity.
    """
    global _METASCHEMA_ORIGIN
    if _METASCHEMA_ORIGIN is None:
        found: Dict[int, Location] = {}
        for uri, doc in metaschemas().items():
            stack: List[Tuple[Any, Tuple[Any, ...]]] = [(doc, ())]
            while stack:
                node, tokens = stack.pop()
                if isinstance(node, dict):
                    found.setdefault(id(node), (uri, tokens))
                    stack.extend((v, tokens + (k,)) for k, v in node.items() if k not in _DATA_KEYWORDS)
                elif isinstance(node, list):
                    stack.extend((v, tokens + (i,)) for i, v in enumerate(node))
        _METASCHEMA_ORIGIN = found
    return _METASCHEMA_ORIGIN


class SchemaIndex:
    """Where every schema resource of a bundle is written: resource URI -> (document URI, tokens)."""

    def __init__(self, bundle: SchemaBundle):
        self.bundle = bundle
        self.resources: Dict[str, Location] = {}
        self._located: Dict[str, Optional[Location]] = {}
        for uri, doc in bundle.documents.items():
            self.resources.setdefault(uri, (uri, ()))
            self._index(doc, uri, uri)

    def _index(self, root: Any, doc_uri: str, base: str) -> None:
        stack: List[Tuple[Any, str, Tuple[Any, ...]]] = [(root, base, ())]
        while stack:
            node, current, tokens = stack.pop()
            if isinstance(node, dict):
                sub_id = node.get("$id")
                if isinstance(sub_id, str) and not sub_id.startswith("#"):
                    current = urldefrag(urljoin(current, sub_id))[0]
                    self.resources.setdefault(current, (doc_uri, tokens))
                for key, value in node.items():
                    if key not in _DATA_KEYWORDS and isinstance(value, (dict, list)):
                        stack.append((value, current, tokens + (key,)))
            elif isinstance(node, list):
                stack.extend((value, current, tokens + (i,)) for i, value in enumerate(node))

    def locate(self, absolute: Optional[str]) -> Optional[Location]:
        """(document URI, tokens) of an absolute keyword location, or ``None`` when unknown (cached:
        the same few keywords fail again and again)."""
        if not absolute:
            return None
        try:
            return self._located[absolute]
        except KeyError:
            pass
        found = self._locate(absolute)
        if len(self._located) < 10_000:
            self._located[absolute] = found
        return found

    def _locate(self, absolute: str) -> Optional[Location]:
        base, fragment = urldefrag(absolute)
        where = self.resources.get(base)
        if where is None and base in metaschemas():
            where = (base, ())
        if where is None or (fragment and not fragment.startswith("/")):
            return None
        doc_uri, prefix = where
        tokens = [unquote(t).replace("~1", "/").replace("~0", "~") for t in fragment.split("/")[1:]] if fragment else []
        return doc_uri, prefix + tuple(self._typed(doc_uri, prefix, tokens))

    def _typed(self, doc_uri: str, prefix: Tuple[Any, ...], tokens: List[str]) -> List[Any]:
        """Tokens with array indices as ints (so a pointer walks the document)."""
        node = self.value_at(doc_uri, prefix)
        out: List[Any] = []
        for token in tokens:
            if isinstance(node, list) and token.isdigit():
                out.append(int(token))
                node = node[int(token)] if int(token) < len(node) else None
            else:
                out.append(token)
                node = node.get(token) if isinstance(node, dict) else None
        return out

    def value_at(self, doc_uri: str, tokens) -> Any:
        """The value at ``tokens`` in the document ``doc_uri`` (``None`` when absent)."""
        node: Any = self.bundle.documents.get(doc_uri)
        if node is None:
            node = metaschemas().get(doc_uri)
        for token in tokens:
            if isinstance(node, dict):
                node = node.get(token if isinstance(token, str) else str(token))
            elif isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
                node = node[token]
            else:
                return None
        return node
