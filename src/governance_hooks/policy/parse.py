"""Parse and validate a YAML policy into :class:`~.model.Policy`.

Every problem is a :class:`ToolError` ``file:line: reason`` (exit 2): unknown
keys, bad CIDRs, ports out of range, unknown tools, flags, operations, duplicate
ids. The language is documented in ``docs/policy.md``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple
from urllib.parse import urlsplit

from ..errors import ToolError
from . import model as m
from .hosts import normalize_host, parse_host_pattern
from .paths import METHODS, parse_path_prefix
from .yamlload import MarkedDict, MarkedList, load_marked

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_WORD = re.compile(r"^[a-z][a-z0-9_+.-]{0,63}$")

TOP_KEYS = ("version", "semantics", "tools", "flags", "schemes", "allowlist", "egress", "tracking", "admin", "invariants",
            "include", "groups", "identities")
#: What an included file may hold (version 2): shared named groups.
INCLUDE_KEYS = ("version", "groups")
MAX_INCLUDES = 32
#: ``include_loader(path as written, including source) -> (text, shown name)``; raises ToolError.
IncludeLoader = Callable[[str, str], Tuple[str, str]]
MATCH_KEYS = ("tools", "hosts", "ports", "schemes", "paths", "methods", "principals", "roles", "when")
#: Keys a version 1 policy may not use.
V2_MATCH_KEYS = ("paths", "methods", "principals", "roles")
#: A principal (user or service account), a branch, an environment or a repository (``owner/name``).
_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:/+-]{0,199}$")
#: Most egress rules, allowlist entries and contracts a policy may have (a budget, not a style rule).
MAX_RULES = 10_000


class _Reader:
    """Validation helpers bound to one source file."""

    def __init__(self, source: str):
        self.source = source
        #: version 2 named groups: name -> parsed members (host patterns / port ranges)
        self.host_groups: Dict[str, Tuple[m.HostPattern, ...]] = {}
        self.port_groups: Dict[str, Tuple[m.PortRange, ...]] = {}
        self.group_origin: Dict[str, str] = {}
        self.version = 2
        self.roles: Dict[str, FrozenSet[str]] = {}

    @staticmethod
    def found(value: Any) -> str:
        """How a wrong value reads in an error message: what was found."""
        if value is None:
            return "nothing"
        kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
        if isinstance(value, (list, MarkedList)):
            return "a list"
        if isinstance(value, (dict, MarkedDict)):
            return "a mapping"
        return f"{kinds.get(type(value), type(value).__name__)} {value!r}"

    def fail(self, line: int, reason: str) -> ToolError:
        return ToolError(f"{self.source}:{line}: {reason}")

    def mapping(self, value: Any, line: int, what: str, allowed: Tuple[str, ...]) -> MarkedDict:
        if not isinstance(value, MarkedDict):
            raise self.fail(line, f"{what} must be a mapping, found {self.found(value)}")
        for key in value:
            if key not in allowed:
                raise self.fail(value.line_of(key), f"unknown key {key!r} in {what} (known: {', '.join(allowed)})")
        return value

    def seq(self, value: Any, line: int, what: str) -> MarkedList:
        if not isinstance(value, MarkedList):
            raise self.fail(line, f"{what} must be a list, found {self.found(value)}")
        return value

    def words(self, value: Any, line: int, what: str) -> List[Tuple[str, int]]:
        """A string or a list of strings, each with its line."""
        if isinstance(value, str):
            return [(value, line)]
        if not isinstance(value, MarkedList):
            raise self.fail(line, f"{what} must be a string or a list of strings, found {self.found(value)}"
                            + (" (quote it)" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""))
        items = value
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise self.fail(items.line_of(i), f"{what} entries must be strings, found {self.found(item)}")
            out.append((item, items.line_of(i)))
        if not out:
            raise self.fail(line, f"{what} must not be empty (omit the key to mean any)")
        return out

    def boolean(self, value: Any, line: int, what: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(line, f"{what} must be true or false, found {self.found(value)}")
        return value

    def ident(self, value: Any, line: int, what: str) -> str:
        if value is None:
            raise self.fail(line, f"{what} is missing: add 'id: NAME' (letters, digits, '_', '.', '-')")
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(line, f"{what} must be an id of letters, digits, '_', '.', '-', found {self.found(value)}")
        return value


def load_policy(text: str, source: str, display_path: Optional[str] = None,
                include_loader: Optional[IncludeLoader] = None) -> m.Policy:
    """Parse policy YAML ``text``.

    Args:
        text: the document.
        source: name used in error messages (``file``).
        display_path: path stored in the model for findings (default ``source``).
        include_loader: reads a version 2 ``include:`` (inside the repository only); without
            one, ``include:`` is an error.

    Raises:
        ToolError: ``source:line: reason`` for every policy error.
    """
    document = load_marked(text, source)
    return build_policy(document, source, display_path or source, include_loader)


def build_policy(document: Any, source: str, path: str, include_loader: Optional[IncludeLoader] = None) -> m.Policy:
    """Validate a marked YAML document into a :class:`Policy` (see :func:`load_policy`)."""
    r = _Reader(source)
    if document is None:
        raise r.fail(1, "the policy is empty")
    doc = r.mapping(document, 1, "the policy", TOP_KEYS)
    if "version" not in doc:
        raise r.fail(doc.line, "missing 'version: 1' (or 2)")
    version = doc["version"]
    if version not in (1, 2) or isinstance(version, bool):
        raise r.fail(doc.value_lines["version"], f"unsupported policy version {version!r} (expected 1 or 2)")
    if version == 1:
        for key in ("include", "groups", "identities"):
            if key in doc:
                raise r.fail(doc.line_of(key), f"'{key}' is a version 2 feature: write 'version: 2'")
    if "include" in doc:
        for name, line in r.words(doc["include"], doc.value_lines["include"], "include"):
            if include_loader is None:
                raise r.fail(line, f"include {name!r}: includes are read only from a policy file in a repository")
            text, shown = include_loader(name, source)
            _included_groups(r, load_marked(text, shown), shown)
    if "groups" in doc:
        _groups(r, r, doc["groups"], doc.value_lines["groups"], source)
    r.version = version
    policy = m.Policy(path=path, line=doc.line)
    if "identities" in doc:
        _identities(r, doc["identities"], doc.value_lines["identities"])
        policy.roles = dict(r.roles)
    semantics = doc.get("semantics", m.DENY_OVERRIDES)
    if semantics not in (m.DENY_OVERRIDES, m.FIRST_MATCH):
        raise r.fail(doc.value_lines.get("semantics", 1), f"semantics must be {m.DENY_OVERRIDES} or {m.FIRST_MATCH}")
    policy.semantics = semantics
    policy.tools = _universe(r, doc, "tools", m.BUILTIN_TOOLS)
    policy.flags = _universe(r, doc, "flags", m.BUILTIN_FLAGS)
    policy.schemes = _universe(r, doc, "schemes", m.BUILTIN_SCHEMES)
    universe = (frozenset(policy.tools), frozenset(policy.flags), frozenset(policy.schemes))

    if "allowlist" in doc:
        entries = r.seq(doc["allowlist"], doc.value_lines["allowlist"], "allowlist")
        if len(entries) > MAX_RULES:
            raise r.fail(entries.line, f"{len(entries)} allowlist entries; at most {MAX_RULES} are checked")
        allow = []
        for i, entry in enumerate(entries):
            line = entries.line_of(i)
            entry = r.mapping(entry, line, "an allowlist entry", ("hosts", "ports", "schemes", "paths", "methods"))
            if "hosts" not in entry:
                raise r.fail(line, "an allowlist entry needs hosts")
            allow.append(m.AllowEntry(_match(r, entry, universe), line))
        policy.allowlist = tuple(allow)

    if "egress" in doc:
        policy.egress = _egress(r, doc, universe)
    if "tracking" in doc:
        policy.tracking = _tracking(r, doc["tracking"], doc.value_lines["tracking"], policy)
    if "admin" in doc:
        _admin(r, doc["admin"], doc.value_lines["admin"], policy)
    _invariants(r, doc, policy, universe)
    return policy


def _included_groups(r: _Reader, document: Any, shown: str) -> None:
    """The ``groups`` of an included file (version 2, nothing else), added to ``r``'s groups."""
    inner = _Reader(shown)
    doc = inner.mapping(document, 1, "an included policy file", INCLUDE_KEYS)
    if doc.get("version") != 2 or isinstance(doc.get("version"), bool):
        raise inner.fail(doc.value_lines.get("version", doc.line), "an included file needs 'version: 2'")
    if "groups" in doc:
        _groups(r, inner, doc["groups"], doc.value_lines["groups"], shown)


def _groups(r: _Reader, where: _Reader, value: Any, line: int, shown: str) -> None:
    """Named host groups and port sets: ``groups: {hosts: {NAME: [...]}, ports: {NAME: [...]}}``.

    Members are parsed where they are written (errors name that file and line);
    a group cannot refer to another group, and a name is defined once across
    the policy and its includes.
    """
    spec = where.mapping(value, line, "groups", ("hosts", "ports"))
    for kind in ("hosts", "ports"):
        if kind not in spec:
            continue
        table = where.mapping(spec[kind], spec.value_lines[kind], f"groups.{kind}", tuple(spec[kind]) if isinstance(spec[kind], MarkedDict) else ())
        for name, members in table.items():
            gline = table.line_of(name)
            where.ident(name, gline, f"group name {name!r}")
            key = f"{kind}:{name}"
            if key in r.group_origin:
                raise where.fail(gline, f"{kind} group '{name}' is defined twice (first in {r.group_origin[key]})")
            r.group_origin[key] = f"{shown}:{gline}"
            if kind == "hosts":
                parsed = []
                for word, wline in where.words(members, table.value_lines[name], f"host group '{name}'"):
                    if word.startswith("@"):
                        raise where.fail(wline, f"host group '{name}' refers to {word}: groups cannot nest")
                    try:
                        parsed.append(parse_host_pattern(word))
                    except ValueError as exc:
                        raise where.fail(wline, str(exc)) from None
                r.host_groups[name] = tuple(parsed)
            else:
                if isinstance(members, str) and members.startswith("@") or (
                        isinstance(members, MarkedList) and any(isinstance(x, str) and x.startswith("@") for x in members)):
                    raise where.fail(table.value_lines[name], f"port set '{name}' refers to another set: sets cannot nest")
                r.port_groups[name] = tuple(_ports(where, members, table.value_lines[name]))


def _universe(r: _Reader, doc: MarkedDict, key: str, builtin: Tuple[str, ...]) -> Tuple[str, ...]:
    names = set(builtin)
    if key in doc:
        for word, line in r.words(doc[key], doc.value_lines[key], key):
            if not _WORD.match(word):
                raise r.fail(line, f"{key}: {word!r} is not a lower-case name")
            names.add(word)
    return tuple(sorted(names))


def _egress(r: _Reader, doc: MarkedDict, universe) -> Tuple[m.EgressRule, ...]:
    rules = r.seq(doc["egress"], doc.value_lines["egress"], "egress")
    if len(rules) > MAX_RULES:
        raise r.fail(rules.line, f"{len(rules)} egress rules; at most {MAX_RULES} are checked")
    out: List[m.EgressRule] = []
    seen: Dict[str, int] = {}
    for i, raw in enumerate(rules):
        line = rules.line_of(i)
        rule = r.mapping(raw, line, "an egress rule", ("id", "effect") + MATCH_KEYS)
        if "id" not in rule:
            raise r.fail(line, "an egress rule needs an id")
        rule_id = r.ident(rule["id"], rule.value_lines["id"], "id")
        if rule_id in seen:
            raise r.fail(rule.value_lines["id"], f"duplicate rule id {rule_id!r} (first on line {seen[rule_id]})")
        seen[rule_id] = line
        effect = rule.get("effect")
        if effect not in (m.ALLOW, m.DENY):
            raise r.fail(rule.line_of("effect"), f"rule {rule_id}: effect must be allow or deny")
        out.append(m.EgressRule(rule_id, effect, _match(r, rule, universe), line, i))
    return tuple(out)


def _match(r: _Reader, spec: MarkedDict, universe) -> m.Match:
    tools_u, flags_u, schemes_u = universe
    tools = schemes = hosts = ports = paths = methods = None
    for key in V2_MATCH_KEYS:
        if key in spec and r.version == 1:
            raise r.fail(spec.line_of(key), f"'{key}' is a version 2 feature: write 'version: 2'")
    if "methods" in spec:
        methods = _chosen(r, spec, "methods", METHODS,
                          lambda w: f"unknown HTTP method {w!r} (expected one of {', '.join(METHODS)}, upper case)")
    if "paths" in spec:
        prefixes = []
        for word, line in r.words(spec["paths"], spec.value_lines["paths"], "paths"):
            try:
                prefixes.append(parse_path_prefix(word))
            except ValueError as exc:
                raise r.fail(line, str(exc)) from None
        paths = None if any(not p.segments for p in prefixes) else tuple(prefixes)
    attributes: Dict[str, Tuple[set, bool]] = {}
    for key in ("principals", "roles"):
        if key not in spec:
            continue
        chosen = attributes.setdefault(m.PRINCIPAL, (set(), False))[0]
        for word, line in r.words(spec[key], spec.value_lines[key], key):
            if key == "roles":
                if word not in r.roles:
                    known = ", ".join(sorted(r.roles)) or "none (define them under identities.roles)"
                    raise r.fail(line, f"unknown role {word!r} (defined: {known})")
                chosen.update(r.roles[word])
            else:
                chosen.add(_value(r, word, line, "principal"))
    if "tools" in spec:
        tools = _chosen(r, spec, "tools", tools_u, lambda w: f"unknown tool {w!r} (declare it under 'tools:'; "
                                                             f"known: {', '.join(sorted(tools_u))})")
    if "schemes" in spec:
        schemes = _chosen(r, spec, "schemes", schemes_u, lambda w: f"unknown scheme {w!r} (declare it under 'schemes:'; "
                                                                   f"known: {', '.join(sorted(schemes_u))})")
    if "hosts" in spec:
        parsed = []
        for word, line in r.words(spec["hosts"], spec.value_lines["hosts"], "hosts"):
            if word.startswith("@"):
                if word[1:] not in r.host_groups:
                    known = ", ".join("@" + g for g in sorted(r.host_groups)) or "none (define them under groups.hosts)"
                    raise r.fail(line, f"unknown host group {word!r} (defined: {known})")
                parsed.extend(r.host_groups[word[1:]])
                continue
            try:
                parsed.append(parse_host_pattern(word))
            except ValueError as exc:
                raise r.fail(line, str(exc)) from None
            if r.version == 1 and parsed[-1].kind == "labels":
                raise r.fail(line, f"host {word!r}: the single-label wildcard '+' is a version 2 feature: write 'version: 2'")
        hosts = tuple(parsed)
        if any(h.kind == "any" for h in hosts):
            hosts = None
    if "ports" in spec:
        ports = tuple(_ports(r, spec["ports"], spec.value_lines["ports"]))
        if any(p.lo == 1 and p.hi == 65535 for p in ports):
            ports = None
    when: Tuple[Tuple[str, bool], ...] = ()
    if "when" in spec:
        context = tuple(k for k in m.CONTEXT_KEYS if k not in flags_u) if r.version == 2 else ()
        cond = r.mapping(spec["when"], spec.value_lines["when"], "when", tuple(sorted(flags_u)) + context)
        when = tuple(sorted((k, r.boolean(v, cond.value_lines[k], f"when.{k}")) for k, v in cond.items() if k in flags_u))
        for key in context:
            if key in cond:
                attributes[key] = _condition(r, cond[key], cond.value_lines[key], key)
    return m.Match(tools, hosts, ports, schemes, when, paths, methods,
                   tuple(sorted((k, frozenset(v), neg) for k, (v, neg) in attributes.items())))


def _chosen(r: _Reader, spec: MarkedDict, key: str, known, unknown: Callable[[str], str]) -> FrozenSet[str]:
    """The names under ``key``, each one of ``known`` (else the error ``unknown(name)``)."""
    names = []
    for word, line in r.words(spec[key], spec.value_lines[key], key):
        if word not in known:
            raise r.fail(line, unknown(word))
        names.append(word)
    return frozenset(names)


def _value(r: _Reader, word: str, line: int, what: str) -> str:
    if not _VALUE.match(word) or ".." in word or word.endswith("/"):
        raise r.fail(line, f"bad {what} {word!r}: expected a name of letters, digits and '_.@:/+-' "
                           f"(no '..', no '/' at the end, no wildcards: list the values)")
    return word


def _condition(r: _Reader, value: Any, line: int, key: str) -> Tuple[set, bool]:
    """A context condition: a value (equality), a list (membership) or ``{not: value or list}``."""
    negated = False
    if isinstance(value, MarkedDict):
        spec = r.mapping(value, line, f"when.{key}", ("not",))
        if "not" not in spec:
            raise r.fail(line, f"when.{key}: expected a value, a list or {{not: [...]}}, found an empty mapping")
        value, line, negated = spec["not"], spec.value_lines["not"], True
    if isinstance(value, bool):
        raise r.fail(line, f"when.{key} compares {key} with names, found a boolean {value!r} "
                           f"(write a name, a list of names or {{not: [...]}})")
    return {_value(r, w, wline, key) for w, wline in r.words(value, line, f"when.{key}")}, negated


def _identities(r: _Reader, value: Any, line: int) -> None:
    """``identities: {roles: {NAME: [principal, ...]}}``: named groups of users and service accounts."""
    spec = r.mapping(value, line, "identities", ("roles",))
    if "roles" not in spec:
        return
    table = r.mapping(spec["roles"], spec.value_lines["roles"], "identities.roles",
                      tuple(spec["roles"]) if isinstance(spec["roles"], MarkedDict) else ())
    for name, members in table.items():
        rline = table.line_of(name)
        r.ident(name, rline, f"role name {name!r}")
        r.roles[name] = frozenset(_value(r, w, wline, f"principal of role '{name}'")
                                  for w, wline in r.words(members, table.value_lines[name], f"role '{name}'"))


def _ports(r: _Reader, value: Any, line: int) -> List[m.PortRange]:
    items = [(value, line)] if not isinstance(value, MarkedList) else [(v, value.line_of(i)) for i, v in enumerate(value)]
    if not items:
        raise r.fail(line, "ports must not be empty (omit the key to mean any)")
    out = []
    for item, item_line in items:
        if isinstance(item, str) and item.startswith("@"):
            if item[1:] not in r.port_groups:
                known = ", ".join("@" + g for g in sorted(r.port_groups)) or "none (define them under groups.ports)"
                raise r.fail(item_line, f"unknown port set {item!r} (defined: {known})")
            out.extend(r.port_groups[item[1:]])
            continue
        if isinstance(item, bool):
            raise r.fail(item_line, f"bad port {item!r}")
        if item == "*":
            lo, hi = 1, 65535
        elif isinstance(item, int):
            lo = hi = item
        elif isinstance(item, str) and re.fullmatch(r"\s*\d{1,6}\s*-\s*\d{1,6}\s*", item):
            lo, hi = (int(x) for x in item.split("-"))
        elif isinstance(item, str) and re.fullmatch(r"\s*\d{1,6}\s*", item):
            lo = hi = int(item)
        else:
            raise r.fail(item_line, f"bad port {item!r} (a number, 'lo-hi' or '*')")
        for p in (lo, hi):
            if not 1 <= p <= 65535:
                raise r.fail(item_line, f"port {p} out of range 1-65535")
        if lo > hi:
            raise r.fail(item_line, f"empty port range {item!r}")
        out.append(m.PortRange(lo, hi))
    return out


def parse_endpoint_url(url: str) -> Tuple[str, str, int]:
    """``(scheme, host, port)`` of an absolute URL; the port defaults by scheme.

    Raises:
        ValueError: not an absolute URL with a host, or an unknown default port.
    """
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        raise ValueError(f"{url!r} is not an absolute URL with a host")
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r} has a bad port") from None
    if port is None:
        port = m.DEFAULT_PORTS.get(scheme)
        if port is None:
            raise ValueError(f"{url!r} has no port and scheme {scheme!r} has no default")
    if not 1 <= port <= 65535:
        raise ValueError(f"{url!r}: port {port} out of range 1-65535")
    host = normalize_host(parts.hostname or "")
    return scheme, host, port


def _tracking(r: _Reader, value: Any, line: int, policy: m.Policy) -> m.Tracking:
    spec = r.mapping(value, line, "tracking", ("tools", "opt_in_flag", "mlflow", "wandb"))
    tools: FrozenSet[str] = frozenset({"mlflow", "wandb"})
    if "tools" in spec:
        names = []
        for word, wline in r.words(spec["tools"], spec.value_lines["tools"], "tracking.tools"):
            if word not in policy.tools:
                raise r.fail(wline, f"unknown tool {word!r}")
            names.append(word)
        tools = frozenset(names)
    flag = spec.get("opt_in_flag", "tracking_opt_in")
    if flag not in policy.flags:
        raise r.fail(spec.value_lines.get("opt_in_flag", line), f"unknown flag {flag!r} (declare it under 'flags:')")
    endpoints: List[m.TrackingEndpoint] = []
    wandb_mode = "offline"
    if "mlflow" in spec:
        ml = r.mapping(spec["mlflow"], spec.value_lines["mlflow"], "tracking.mlflow", ("allowed_uris",))
        if "allowed_uris" in ml:
            for uri, uline in r.words(ml["allowed_uris"], ml.value_lines["allowed_uris"], "allowed_uris"):
                endpoint = _endpoint(r, "mlflow", uri, uline, policy)
                if endpoint is not None:
                    endpoints.append(endpoint)
    if "wandb" in spec:
        wb = r.mapping(spec["wandb"], spec.value_lines["wandb"], "tracking.wandb", ("mode", "base_urls"))
        if "mode" in wb:
            wandb_mode = wb["mode"]
            if wandb_mode not in ("offline", "disabled"):
                raise r.fail(wb.value_lines["mode"], "tracking.wandb.mode must be offline or disabled (online needs the opt-in)")
        if "base_urls" in wb:
            for uri, uline in r.words(wb["base_urls"], wb.value_lines["base_urls"], "base_urls"):
                endpoint = _endpoint(r, "wandb", uri, uline, policy)
                if endpoint is None:
                    raise r.fail(uline, f"W&B base URL {uri!r} must be an http(s) URL")
                endpoints.append(endpoint)
    return m.Tracking(tools, flag, tuple(endpoints), wandb_mode, line)


def _endpoint(r: _Reader, tool: str, uri: str, line: int, policy: m.Policy) -> Optional[m.TrackingEndpoint]:
    """A remote endpoint, or ``None`` for a local MLflow store (``file:``, a path, ``sqlite:``)."""
    try:
        local = is_local_tracking_uri(uri)
    except ValueError as exc:
        raise r.fail(line, str(exc)) from None
    if local:
        return None
    try:
        scheme, host, port = parse_endpoint_url(uri)
    except ValueError as exc:
        raise r.fail(line, str(exc)) from None
    if scheme not in policy.schemes:
        raise r.fail(line, f"unknown scheme {scheme!r} in {uri!r}")
    if tool not in policy.tools:
        raise r.fail(line, f"unknown tool {tool!r}")
    return m.TrackingEndpoint(tool, uri.strip(), scheme, host, port, line)


def is_local_tracking_uri(uri: str) -> bool:
    """True for MLflow stores that never leave the machine: ``file:``, ``sqlite:``, plain paths.

    Raises:
        ValueError: a URL with the ``:`` after its scheme missing (``http//host``), which would
            otherwise read as a relative path and hide a remote endpoint.
    """
    text = uri.strip()
    broken = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)//", text)
    if broken:
        raise ValueError(f"{text!r} looks like a URL with the ':' after {broken.group(1)!r} missing; "
                         f"expected {broken.group(1)}://HOST (a local store is file:PATH or a path)")
    scheme = urlsplit(text).scheme.lower()
    if re.match(r"^[A-Za-z]:[\\/]", text):  # a Windows drive path
        return True
    return scheme in ("", "file", "sqlite")


def _admin(r: _Reader, value: Any, line: int, policy: m.Policy) -> None:
    spec = r.mapping(value, line, "admin", ("gates", "operations", "grants", "gate_rules"))
    if "gate_rules" in spec and r.version == 1:
        raise r.fail(spec.line_of("gate_rules"), "'gate_rules' is a version 2 feature: write 'version: 2'")
    ops: List[m.Operation] = []
    if "operations" in spec:
        items = r.seq(spec["operations"], spec.value_lines["operations"], "admin.operations")
        seen: Dict[str, int] = {}
        for i, raw in enumerate(items):
            oline = items.line_of(i)
            op = r.mapping(raw, oline, "an admin operation", ("id", "class"))
            op_id = r.ident(op.get("id"), op.line_of("id"), "operation id")
            if op_id in seen:
                raise r.fail(oline, f"duplicate operation {op_id!r} (first on line {seen[op_id]})")
            seen[op_id] = oline
            cls = op.get("class", m.ADMIN)
            if cls not in (m.ADMIN, m.READ_ONLY):
                raise r.fail(op.line_of("class"), "class must be admin or read-only")
            ops.append(m.Operation(op_id, cls, oline))
    policy.operations = tuple(ops)
    known = {op.id for op in ops}
    if "gates" in spec:
        g = r.mapping(spec["gates"], spec.value_lines["gates"], "admin.gates", GATE_KEYS)
        policy.gates = _gates(r, g, spec.value_lines["gates"])
    if "gate_rules" in spec:
        items = r.seq(spec["gate_rules"], spec.value_lines["gate_rules"], "admin.gate_rules")
        rules: List[m.GateRule] = []
        seen_rules: Dict[str, int] = {}
        for i, raw in enumerate(items):
            gline = items.line_of(i)
            g = r.mapping(raw, gline, "a gate rule", ("id", "operations", "principals", "roles") + GATE_KEYS)
            gid = r.ident(g.get("id"), g.line_of("id"), "gate rule id")
            if gid in seen_rules:
                raise r.fail(gline, f"duplicate gate rule id {gid!r} (first on line {seen_rules[gid]})")
            seen_rules[gid] = gline
            ops = None
            if "operations" in g:
                ops = frozenset(_known_operation(r, word, wline, f"gate rule {gid}", known)
                                for word, wline in r.words(g["operations"], g.value_lines["operations"], "operations"))
            rules.append(m.GateRule(gid, ops, _principals(r, g), _gates(r, g, gline), gline))
        policy.gate_rules = tuple(rules)
    grants: List[m.Grant] = []
    if "grants" in spec:
        items = r.seq(spec["grants"], spec.value_lines["grants"], "admin.grants")
        seen = {}
        for i, raw in enumerate(items):
            gline = items.line_of(i)
            g = r.mapping(raw, gline, "an admin grant", ("id", "operations", "mode", "requires", "principals", "roles"))
            gid = r.ident(g.get("id"), g.line_of("id"), "grant id")
            if gid in seen:
                raise r.fail(gline, f"duplicate grant id {gid!r} (first on line {seen[gid]})")
            seen[gid] = gline
            if "operations" not in g:
                raise r.fail(gline, f"grant {gid}: operations is required")
            op_names = []
            for word, wline in r.words(g["operations"], g.value_lines["operations"], "operations"):
                op_names.append(_known_operation(r, word, wline, f"grant {gid}", known))
            mode = g.get("mode", m.ADMIN)
            if mode not in (m.ADMIN, m.READ_ONLY):
                raise r.fail(g.line_of("mode"), "mode must be admin or read-only")
            req = g.get("requires", None)
            if req is None:
                req = MarkedDict()
                req.line = gline
            req = r.mapping(req, g.line_of("requires"), "requires", ("opt_in", "min_approvals", "approver_not_author", "environments"))
            envs_opt = frozenset(_ident_list(r, req, "environments")) if "environments" in req else None
            grants.append(m.Grant(
                id=gid, operations=frozenset(op_names), mode=mode,
                opt_in=r.boolean(req.get("opt_in", False), req.line_of("opt_in"), "opt_in"),
                min_approvals=_count(r, req, "min_approvals", 0),
                approver_not_author=r.boolean(req.get("approver_not_author", False), req.line_of("approver_not_author"), "approver_not_author"),
                environments=envs_opt, line=gline, principals=_principals(r, g),
            ))
    policy.grants = tuple(grants)


GATE_KEYS = ("opt_in", "min_approvals", "approver_not_author", "protected_environments")


def _gates(r: _Reader, g: MarkedDict, line: int) -> m.Gates:
    envs = frozenset(_ident_list(r, g, "protected_environments")) if "protected_environments" in g else frozenset()
    return m.Gates(
        opt_in=r.boolean(g.get("opt_in", True), g.line_of("opt_in"), "opt_in"),
        min_approvals=_count(r, g, "min_approvals", 1),
        approver_not_author=r.boolean(g.get("approver_not_author", True), g.line_of("approver_not_author"), "approver_not_author"),
        protected_environments=envs,
        line=line,
    )


def _known_operation(r: _Reader, word: str, line: int, where: str, known) -> str:
    if word not in known:
        raise r.fail(line, f"{where}: unknown operation {word!r} (declare it under admin.operations)")
    return word


def _principals(r: _Reader, spec: MarkedDict) -> Optional[FrozenSet[str]]:
    """The principals a grant or gate rule names (``principals`` and the members of ``roles``), ``None``: anyone."""
    if "principals" not in spec and "roles" not in spec:
        return None
    if r.version == 1:
        key = "principals" if "principals" in spec else "roles"
        raise r.fail(spec.line_of(key), f"'{key}' is a version 2 feature: write 'version: 2'")
    out = set()
    if "principals" in spec:
        out |= {_value(r, w, line, "principal") for w, line in r.words(spec["principals"], spec.value_lines["principals"], "principals")}
    if "roles" in spec:
        for word, line in r.words(spec["roles"], spec.value_lines["roles"], "roles"):
            if word not in r.roles:
                known = ", ".join(sorted(r.roles)) or "none (define them under identities.roles)"
                raise r.fail(line, f"unknown role {word!r} (defined: {known})")
            out |= r.roles[word]
    return frozenset(out)


def _ident_list(r: _Reader, spec: MarkedDict, key: str) -> List[str]:
    return [r.ident(w, line, key) for w, line in r.words(spec[key], spec.value_lines[key], key)]


def _count(r: _Reader, spec: MarkedDict, key: str, default: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
        raise r.fail(spec.line_of(key), f"{key} must be an integer 0-1000")
    return value


def _invariants(r: _Reader, doc: MarkedDict, policy: m.Policy, universe) -> None:
    enabled = {name: doc.line for name in m.BOOLEAN_INVARIANTS}
    contracts: List[m.Contract] = []
    if "invariants" in doc:
        line = doc.value_lines["invariants"]
        spec = r.mapping(doc["invariants"], line, "invariants", m.BOOLEAN_INVARIANTS + ("must-allow", "must-deny"))
        for name in m.BOOLEAN_INVARIANTS:
            if name in spec:
                if r.boolean(spec[name], spec.value_lines[name], name):
                    enabled[name] = spec.line_of(name)
                else:
                    del enabled[name]
        seen: Dict[str, int] = {}
        for kind in ("must-allow", "must-deny"):
            if kind not in spec:
                continue
            items = r.seq(spec[kind], spec.value_lines[kind], kind)
            for i, raw in enumerate(items):
                cline = items.line_of(i)
                c = r.mapping(raw, cline, f"a {kind} contract", ("id",) + MATCH_KEYS)
                cid = r.ident(c.get("id"), c.line_of("id"), "contract id")
                if cid in seen:
                    raise r.fail(cline, f"duplicate contract id {cid!r} (first on line {seen[cid]})")
                seen[cid] = cline
                contracts.append(m.Contract(cid, kind, _match(r, c, universe), cline))
    policy.invariants = enabled
    policy.contracts = tuple(contracts)
