"""Conformance: the endpoints a repository configures, checked against its policy.

Sources scanned (each hit keeps its file and 1-based line):

* ``.env`` files (``.env``, ``.env.*``, ``*.env``): ``KEY=value`` lines;
* YAML files (configs, GitHub workflow ``env:`` blocks, compose files):
  mapping keys and ``KEY=value`` list items, at any depth;
* Python: ``mlflow.set_tracking_uri("...")``, ``wandb.init(mode="...")``,
  ``os.environ["KEY"] = "..."`` and ``os.environ.setdefault("KEY", "...")``;
* pip requirements files: ``--index-url`` / ``-i`` / ``--extra-index-url``.

Keys: ``MLFLOW_TRACKING_URI``, ``WANDB_MODE``, ``WANDB_BASE_URL`` (also as
Kubernetes-style ``{name: KEY, value: ...}`` items). Values that are not
literals (``${VAR}``, ``${{ expr }}``) are skipped, and so are servers on the
machine itself (``localhost``, loopback addresses): they involve no egress. Each endpoint is
evaluated with the plain semantics of :mod:`.evaluate` as an online,
opted-in request (when the policy scopes rules by path and method: the URL's
path, ``POST`` for a tracker, ``GET`` for a package index).
"""

from __future__ import annotations

import ast
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, List, Optional
from urllib.parse import urlsplit

from .. import pysource
from ..errors import ToolError
from ..findings import Finding, Location, Severity
from ..safe_open import UnsafeFile, read_repo_text
from . import evaluate as ev
from . import model as m
from .parse import is_local_tracking_uri, parse_endpoint_url
from .paths import normalize_path

KEYS = ("MLFLOW_TRACKING_URI", "WANDB_MODE", "WANDB_BASE_URL")
#: Files larger than this are not scanned (bytes).
MAX_SCAN_BYTES = 2 * 1024 * 1024
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_INDEX = re.compile(r"^\s*(--index-url|--extra-index-url|-i)(?:\s*=\s*|\s+)(\S+)")
_ONLINE_MODES = ("online", "run")
_MARKERS = KEYS + ("set_tracking_uri", "wandb.init", "index-url", "-i ")


@dataclass(frozen=True)
class Setting:
    """One configured value: ``key`` (an env name or ``index-url``) at ``path:line:column``."""

    key: str
    value: str
    path: str
    line: int
    column: Optional[int] = None


def is_env_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def is_requirements_file(path: str) -> bool:
    p = PurePosixPath(path)
    return p.suffix == ".txt" and (p.name.startswith("requirements") or "requirements" in p.parts[:-1])


def scannable(path: str) -> bool:
    return is_env_file(path) or is_requirements_file(path) or path.endswith((".yml", ".yaml", ".py"))


def _literal(value: str) -> Optional[str]:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if not value or "${" in value or "$(" in value:
        return None
    return value


def scan_env(text: str, path: str) -> Iterator[Setting]:
    for number, line in enumerate(text.splitlines(), 1):
        match = _ENV_LINE.match(line)
        if not match or match.group(1) not in KEYS:
            continue
        raw = match.group(2)
        if raw[:1] not in ("'", '"'):
            raw = raw.split(" #", 1)[0]
        value = _literal(raw)
        if value is not None:
            yield Setting(match.group(1), value, path, number, match.start(2) + 1)


def scan_requirements(text: str, path: str) -> Iterator[Setting]:
    for number, line in enumerate(text.splitlines(), 1):
        match = _INDEX.match(line)
        if match:
            value = _literal(match.group(2))
            if value is not None:
                yield Setting("index-url", value, path, number, match.start(2) + 1)


def scan_yaml(text: str, path: str) -> Iterator[Setting]:
    from .yamlload import MarkedDict, MarkedList, load_marked_all

    try:
        documents = load_marked_all(text, path)
    except ToolError:
        return  # not ours to validate; other hooks check YAML syntax
    stack: List[object] = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, MarkedDict):
            name, value = node.get("name"), node.get("value")
            if name in KEYS and isinstance(value, str):  # Kubernetes-style env: [{name: K, value: V}]
                literal = _literal(value)
                if literal is not None:
                    yield Setting(name, literal, path, node.value_lines["value"])
            for key, value in node.items():
                if key in KEYS and isinstance(value, str):
                    literal = _literal(value)
                    if literal is not None:
                        yield Setting(key, literal, path, node.value_lines[key])
                elif isinstance(value, (MarkedDict, MarkedList)):
                    stack.append(value)
        elif isinstance(node, MarkedList):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    match = _ENV_LINE.match(item)
                    if match and match.group(1) in KEYS:
                        literal = _literal(match.group(2))
                        if literal is not None:
                            yield Setting(match.group(1), literal, path, node.line_of(index))
                elif isinstance(item, (MarkedDict, MarkedList)):
                    stack.append(item)


def _const_str(node: ast.AST) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ"
            and isinstance(node.value, ast.Name) and node.value.id == "os")


def scan_python(text: str, path: str) -> List[Setting]:
    """Literal tracking settings in Python source, in line order (unparsable source yields none)."""
    return sorted(_scan_python(text, path), key=lambda s: (s.line, s.column or 0))


def _scan_python(text: str, path: str) -> Iterator[Setting]:
    try:
        tree = pysource.parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            if func.attr == "set_tracking_uri" and node.args:
                value = _const_str(node.args[0])
                if value is not None:
                    yield Setting("MLFLOW_TRACKING_URI", value, path, node.args[0].lineno, node.args[0].col_offset + 1)
            elif func.attr == "init" and isinstance(func.value, ast.Name) and func.value.id == "wandb":
                for kw in node.keywords:
                    if kw.arg == "mode" and _const_str(kw.value) is not None:
                        yield Setting("WANDB_MODE", _const_str(kw.value), path, kw.value.lineno, kw.value.col_offset + 1)
            elif func.attr == "setdefault" and _is_environ(func.value) and len(node.args) == 2:
                key, value = _const_str(node.args[0]), _const_str(node.args[1])
                if key in KEYS and value is not None:
                    yield Setting(key, value, path, node.args[1].lineno, node.args[1].col_offset + 1)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _is_environ(target.value):
                    key, value = _const_str(target.slice), _const_str(node.value)
                    if key in KEYS and value is not None:
                        yield Setting(key, value, path, node.value.lineno, node.value.col_offset + 1)


def scan_file(root: Path, path: str) -> List[Setting]:
    """Settings configured in one repository file (unreadable or huge files yield none)."""
    full = root / path
    try:
        text = read_repo_text(full, root, limit=MAX_SCAN_BYTES, encoding="utf-8-sig", errors="replace")
    except UnsafeFile:
        return []
    if not any(k in text for k in _MARKERS):
        return []  # cheap filter before any parsing
    if is_env_file(path):
        return list(scan_env(text, path))
    if is_requirements_file(path):
        return list(scan_requirements(text, path))
    if path.endswith((".yml", ".yaml")):
        return list(scan_yaml(text, path))
    if path.endswith(".py"):
        return list(scan_python(text, path))
    return []


def _is_loopback(url: str) -> bool:
    """True for URLs whose host is ``localhost`` or a loopback address (no egress)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _request(policy: m.Policy, tool: str, url: str, opted_in: bool) -> m.Request:
    scheme, host, port = parse_endpoint_url(url)
    tracking = policy.tracking or m.Tracking()
    flags = {f: False for f in policy.flags}
    if opted_in:
        flags[tracking.opt_in_flag] = True
    if not policy.scoped:
        return m.Request(tool, host, port, scheme, tuple(sorted(flags.items())))
    return m.Request(tool, host, port, scheme, tuple(sorted(flags.items())), normalize_path(urlsplit(url.strip()).path),
                     endpoint_method(tool, tracking))


def endpoint_method(tool: str, tracking: m.Tracking) -> str:
    """The HTTP method an endpoint is checked with: trackers log runs (``POST``), others download (``GET``)."""
    return "POST" if tool in tracking.tools else "GET"


def _same_endpoint(url: str, listed: m.TrackingEndpoint) -> bool:
    try:
        scheme, host, port = parse_endpoint_url(url)
    except ValueError:
        return False
    if (scheme, host, port) != (listed.scheme, listed.host, listed.port):
        return False
    want = urlsplit(listed.url).path.rstrip("/")
    have = urlsplit(url.strip()).path.rstrip("/")
    return have == want or have.startswith(want + "/")


def check_settings(policy: m.Policy, settings: Iterable[Setting]) -> List[Finding]:
    """Findings for settings the policy does not allow."""
    findings: List[Finding] = []
    tracking = policy.tracking or m.Tracking()

    def report(rule: str, s: Setting, message: str, evidence=None) -> None:
        findings.append(Finding(rule, Severity.ERROR, message, Location(s.path, s.line, s.column),
                                evidence=evidence, identity=f"{s.key}={s.value}"))

    for s in settings:
        if s.key == "WANDB_MODE":
            if s.value.strip().lower() in _ONLINE_MODES:
                report("policy/wandb-online-mode", s,
                       f"WANDB_MODE={s.value} turns W&B online by default; the policy requires "
                       f"{tracking.wandb_mode} unless the user opts in ({tracking.opt_in_flag})")
            continue
        tool = {"MLFLOW_TRACKING_URI": "mlflow", "WANDB_BASE_URL": "wandb", "index-url": "pip"}[s.key]
        if tool == "mlflow":
            try:
                if is_local_tracking_uri(s.value):
                    continue
            except ValueError as exc:  # "http//host": a remote endpoint written wrongly, not a local path
                report("policy/endpoint-not-allowed", s, f"{s.key}: {exc}")
                continue
        if _is_loopback(s.value):
            continue  # a server on this machine: no egress
        if tool not in policy.tools:
            continue
        try:
            request = _request(policy, tool, s.value, opted_in=tool in tracking.tools)
        except ValueError as exc:
            report("policy/endpoint-not-allowed", s, f"{s.key} {s.value!r} is not an endpoint the policy can allow: {exc}")
            continue
        listed = [e for e in tracking.endpoints if e.tool == tool]
        if tool == "mlflow" and policy.tracking is not None and not any(_same_endpoint(s.value, e) for e in listed):
            report("policy/endpoint-not-allowed", s,
                   f"{s.key} {s.value} is not listed under tracking.mlflow.allowed_uris",
                   {"request": request.to_dict()})
            continue
        if tool == "wandb" and listed and not any(_same_endpoint(s.value, e) for e in listed):
            report("policy/endpoint-not-allowed", s, f"{s.key} {s.value} is not listed under tracking.wandb.base_urls",
                   {"request": request.to_dict()})
            continue
        decision = ev.decide(policy, request)
        if not decision.allowed:
            by = ", ".join(f"rule '{r}'" for r in decision.rules) or "the default deny"
            report("policy/endpoint-not-allowed", s, f"{s.key} {s.value}: {request.describe()} is denied by {by}",
                   {"request": request.to_dict(), "rules": list(decision.rules)})
        elif not ev.within_allowlist(policy, request):
            report("policy/endpoint-not-allowed", s, f"{s.key} {s.value}: {request.describe()} is outside the allowlist",
                   {"request": request.to_dict()})
    return findings


def conformance(policy: m.Policy, root: Path, files: Iterable[str], skip: Iterable[str] = ()) -> tuple:
    """Scan ``files`` (repo-relative POSIX) and check them against ``policy``.

    Returns:
        ``(findings, settings_scanned)``.
    """
    skip = set(skip)
    settings: List[Setting] = []
    for path in files:
        if path in skip or not scannable(path):
            continue
        settings.extend(scan_file(root, path))
    return check_settings(policy, settings), len(settings)
