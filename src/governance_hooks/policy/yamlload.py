"""Safe YAML loading that keeps line numbers.

:func:`load_marked` parses with a :class:`yaml.SafeLoader` subclass whose
mappings and sequences are :class:`MarkedDict` / :class:`MarkedList`, which
remember the 1-based line of themselves, of every key and of every item.
Aliases, merge keys and duplicate keys are refused: a policy must read the
same to a person as to the tool.
"""

from __future__ import annotations

from typing import Any, Dict, List

from ..errors import ToolError

#: Largest policy document accepted (bytes); bigger is a policy error, not a hang.
MAX_BYTES = 4 * 1024 * 1024


class MarkedDict(dict):
    """A mapping with ``line`` (of the mapping), ``key_lines`` and ``value_lines`` (1-based)."""

    line: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: Dict[Any, int] = {}
        self.value_lines: Dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        """Line of ``key`` if present, else of the mapping itself."""
        return self.key_lines.get(key, self.line)


class MarkedList(list):
    """A sequence with ``line`` and ``item_lines`` (1-based)."""

    line: int = 0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: List[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def _loader_class():
    import yaml
    from yaml.constructor import ConstructorError

    base = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader  # libyaml when present: same nodes, 10x faster

    class MarkedLoader(base):
        """Safe loader that records node lines and refuses aliases, merge keys and duplicate keys."""

        def _child(self, node, where):
            # A node constructed twice is an alias (*name) of an anchored node.
            if node in self.constructed_objects or node in self.recursive_objects:
                raise ConstructorError(None, None, "aliases (*name) are not allowed in a policy", where)
            return self.construct_object(node, deep=True)

        def construct_mapping(self, node, deep=False):
            if not isinstance(node, yaml.MappingNode):
                raise ConstructorError(None, None, f"expected a mapping, found {node.id}", node.start_mark)
            result = MarkedDict()
            result.line = node.start_mark.line + 1
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise ConstructorError(None, None, "merge keys (<<) are not allowed in a policy", key_node.start_mark)
                key = self._child(key_node, key_node.start_mark)
                try:
                    hash(key)
                except TypeError:
                    raise ConstructorError(None, None, "a mapping key must be a scalar", key_node.start_mark) from None
                if key in result:
                    raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                result[key] = self._child(value_node, key_node.start_mark)
                result.key_lines[key] = key_node.start_mark.line + 1
                result.value_lines[key] = value_node.start_mark.line + 1
            return result

        def construct_sequence(self, node, deep=False):
            result = MarkedList()
            result.line = node.start_mark.line + 1
            for child in node.value:
                result.append(self._child(child, node.start_mark))
                result.item_lines.append(child.start_mark.line + 1)
            return result

    def _map(loader, node):
        return loader.construct_mapping(node)

    def _seq(loader, node):
        return loader.construct_sequence(node)

    MarkedLoader.add_constructor("tag:yaml.org,2002:map", _map)
    MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _seq)
    return MarkedLoader


_LOADER = None


def load_marked(text: str, source: str) -> Any:
    """Parse one YAML document from ``text`` into marked containers.

    Args:
        text: the document (already decoded).
        source: the file name used in error messages.

    Raises:
        ToolError: ``source:line: reason`` for any YAML error, alias, merge key,
            duplicate key, or more than one document.
    """
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    if len(text) > MAX_BYTES:
        raise ToolError(f"{source}: policy is larger than {MAX_BYTES // (1024 * 1024)} MiB")
    loader = _LOADER(text)
    try:
        document = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ToolError(f"{source}{line}: invalid YAML: {reason}") from None
    except yaml.YAMLError as exc:
        raise ToolError(f"{source}: invalid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise ToolError(f"{source}: invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return document


def load_marked_all(text: str, source: str) -> List[Any]:
    """Every document of a YAML stream, as marked containers (see :func:`load_marked`).

    Raises:
        ToolError: as :func:`load_marked`.
    """
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    if len(text) > MAX_BYTES:
        raise ToolError(f"{source}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    loader = _LOADER(text)
    documents = []
    try:
        while loader.check_data():
            documents.append(loader.get_data())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ToolError(f"{source}{line}: invalid YAML: {exc.problem}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ToolError(f"{source}: invalid YAML: {type(exc).__name__}") from None
    finally:
        loader.dispose()
    return documents
