"""The typed policy model: what ``parse`` produces and every later stage reads.

Every element keeps the 1-based ``line`` it was written on, so findings can
point at the rule that causes them. See ``docs/policy.md`` for the language.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Mapping, Optional, Tuple

#: Tools every policy may name without declaring them.
BUILTIN_TOOLS: Tuple[str, ...] = (
    "conda", "curl", "docker", "gh", "git", "hf_hub", "mlflow", "pip", "python", "uv", "wandb", "wget",
)
#: Flags every policy may use without declaring them.
BUILTIN_FLAGS: Tuple[str, ...] = ("offline", "tracking_opt_in")
#: URL schemes every policy may name without declaring them.
BUILTIN_SCHEMES: Tuple[str, ...] = ("ftp", "gs", "git", "grpc", "http", "https", "s3", "ssh")
#: Context attributes a version 2 ``when`` may test by equality or set membership.
CONTEXT_KEYS: Tuple[str, ...] = ("branch", "environment", "repository")
#: The attribute that holds the principal (user or service account) making a request.
PRINCIPAL = "principal"
#: Default port of a scheme, used when a URL has none.
DEFAULT_PORTS: Dict[str, int] = {"http": 80, "https": 443, "ssh": 22, "git": 9418, "ftp": 21, "grpc": 80, "s3": 443, "gs": 443}

ALLOW, DENY = "allow", "deny"
DENY_OVERRIDES, FIRST_MATCH = "deny-overrides", "first-match"
ADMIN, READ_ONLY = "admin", "read-only"

#: Boolean invariants, all enabled unless the policy turns them off.
BOOLEAN_INVARIANTS: Tuple[str, ...] = (
    "egress-within-allowlist",
    "offline-no-egress",
    "tracking-requires-opt-in",
    "tracking-endpoints-allowed",
    "admin-gated",
    "readonly-admin-exclusive",
    "no-shadowed-rules",
    "no-redundant-rules",
    "no-conflicts",
)


@dataclass(frozen=True)
class HostPattern:
    """One destination pattern.

    ``kind`` is ``any`` (``*``: every host and address), ``exact`` (a DNS
    name), ``wildcard`` (``*.suffix``: one or more labels before ``suffix``,
    never ``suffix`` itself), ``cidr4`` or ``cidr6`` (a network; a bare
    address is a /32 or /128).
    """

    text: str
    kind: str
    name: str = ""
    network: int = 0
    prefix: int = 0

    @property
    def bits(self) -> int:
        return 32 if self.kind == "cidr4" else 128


@dataclass(frozen=True)
class PortRange:
    """Ports ``lo..hi`` inclusive, 1 <= lo <= hi <= 65535."""

    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


@dataclass(frozen=True)
class PathPrefix:
    """A URL path prefix: ``segments`` (normalised, see :mod:`.paths`); ``()`` is ``/`` (every path)."""

    text: str
    segments: Tuple[str, ...]


#: Fields added by version 2 are left out of a definition's payload while unset, so the
#: evidence of a policy that does not use them stays byte-identical.
V2 = {"v2": True}


@dataclass(frozen=True)
class Match:
    """A set of egress requests: the product of its fields; ``None`` means any value.

    ``paths`` (URL path prefixes) and ``methods`` (HTTP methods) scope a rule below the host.
    """

    tools: Optional[FrozenSet[str]] = None
    hosts: Optional[Tuple[HostPattern, ...]] = None
    ports: Optional[Tuple[PortRange, ...]] = None
    schemes: Optional[FrozenSet[str]] = None
    when: Tuple[Tuple[str, bool], ...] = ()
    paths: Optional[Tuple[PathPrefix, ...]] = field(default=None, metadata=V2)
    methods: Optional[FrozenSet[str]] = field(default=None, metadata=V2)
    #: ``(attribute, values, negated)`` sorted by attribute: the principal (from ``principals`` and
    #: ``roles``) and context attributes; the request's value must be in ``values`` (``negated``: not in).
    attributes: Tuple[Tuple[str, FrozenSet[str], bool], ...] = field(default=(), metadata=V2)

    @property
    def scoped(self) -> bool:
        """True when the match says something below the host (paths or methods)."""
        return self.paths is not None or self.methods is not None

    def describe(self) -> str:
        parts = []
        if self.tools is not None:
            parts.append("tools " + ",".join(sorted(self.tools)))
        if self.hosts is not None:
            parts.append("hosts " + ",".join(h.text for h in self.hosts))
        if self.ports is not None:
            parts.append("ports " + ",".join(str(p) for p in self.ports))
        if self.schemes is not None:
            parts.append("schemes " + ",".join(sorted(self.schemes)))
        if self.paths is not None:
            parts.append("paths " + ",".join(p.text for p in self.paths))
        if self.methods is not None:
            parts.append("methods " + ",".join(sorted(self.methods)))
        if self.when:
            parts.append("when " + ",".join(f"{k}={str(v).lower()}" for k, v in self.when))
        for name, values, negated in self.attributes:
            parts.append(f"{name} {'not ' if negated else ''}" + ",".join(sorted(values)))
        return "; ".join(parts) or "every request"


@dataclass(frozen=True)
class EgressRule:
    """An egress rule: ``effect`` (allow/deny) on the requests ``match`` selects."""

    id: str
    effect: str
    match: Match
    line: int
    index: int


@dataclass(frozen=True)
class AllowEntry:
    """One allowlist entry: destinations (hosts, ports, schemes) egress may reach."""

    match: Match
    line: int


@dataclass(frozen=True)
class Contract:
    """A must-allow or must-deny contract over the requests ``match`` selects."""

    id: str
    kind: str
    match: Match
    line: int


@dataclass(frozen=True)
class Operation:
    """An operation that admin grants refer to; ``cls`` is ``admin`` or ``read-only``."""

    id: str
    cls: str
    line: int


@dataclass(frozen=True)
class Grant:
    """Permission to perform ``operations`` when every requirement holds.

    ``mode`` ``read-only`` grants perform the operation as a read-only action;
    ``admin`` grants as an admin action. ``environments`` ``None`` means any.
    """

    id: str
    operations: FrozenSet[str]
    mode: str
    opt_in: bool
    min_approvals: int
    approver_not_author: bool
    environments: Optional[FrozenSet[str]]
    line: int
    #: version 2: the principals (``principals`` and the members of ``roles``) it is for; ``None``: anyone
    principals: Optional[FrozenSet[str]] = field(default=None, metadata=V2)


@dataclass(frozen=True)
class Gates:
    """What every admin operation must require (the ``admin-gated`` invariant)."""

    opt_in: bool = True
    min_approvals: int = 1
    approver_not_author: bool = True
    protected_environments: FrozenSet[str] = frozenset()
    line: int = 0


@dataclass(frozen=True)
class GateRule:
    """Version 2: the gates of the admin requests on ``operations`` by ``principals`` (``None``: any).

    Where gate rules apply to a request, they replace ``admin.gates``, and the
    request is gated when it satisfies one of them (a break-glass rule for a
    role is an alternative to the stricter rule for everyone).
    """

    id: str
    operations: Optional[FrozenSet[str]]
    principals: Optional[FrozenSet[str]]
    gates: Gates
    line: int


@dataclass(frozen=True)
class TrackingEndpoint:
    """A remote tracking endpoint the policy lists (MLflow URI or W&B base URL)."""

    tool: str
    url: str
    scheme: str
    host: str
    port: int
    line: int


@dataclass(frozen=True)
class Tracking:
    """Experiment-tracking rules.

    Attributes:
        tools: tools that are trackers (egress for them needs ``opt_in_flag``).
        opt_in_flag: the flag that records the user's opt-in.
        endpoints: remote MLflow URIs and W&B base URLs allowed.
        wandb_mode: W&B mode a repository may configure by default (offline or disabled).
    """

    tools: FrozenSet[str] = frozenset({"mlflow", "wandb"})
    opt_in_flag: str = "tracking_opt_in"
    endpoints: Tuple[TrackingEndpoint, ...] = ()
    wandb_mode: str = "offline"
    line: int = 0


@dataclass
class Policy:
    """A parsed policy file.

    Attributes:
        path: the file, POSIX relative to the repository root (finding paths).
        semantics: ``deny-overrides`` (allowed iff an allow rule and no deny rule
            matches) or ``first-match`` (the first matching rule decides); both
            deny by default.
        tools, flags, schemes: the finite universes (built-ins plus declared).
        invariants: enabled boolean invariants, each with the line that set it.
    """

    path: str
    semantics: str = DENY_OVERRIDES
    tools: Tuple[str, ...] = BUILTIN_TOOLS
    flags: Tuple[str, ...] = BUILTIN_FLAGS
    schemes: Tuple[str, ...] = BUILTIN_SCHEMES
    allowlist: Tuple[AllowEntry, ...] = ()
    egress: Tuple[EgressRule, ...] = ()
    tracking: Optional[Tracking] = None
    operations: Tuple[Operation, ...] = ()
    grants: Tuple[Grant, ...] = ()
    gates: Optional[Gates] = None
    gate_rules: Tuple[GateRule, ...] = ()
    invariants: Dict[str, int] = field(default_factory=dict)
    contracts: Tuple[Contract, ...] = ()
    line: int = 1
    #: version 2 identities: role -> its principals (users and service accounts)
    roles: Dict[str, FrozenSet[str]] = field(default_factory=dict)

    @property
    def scoped(self) -> bool:
        """True when some rule, allowlist entry or contract names paths or methods."""
        return any(x.match.scoped for x in (*self.egress, *self.allowlist, *self.contracts))

    def attribute_values(self) -> Dict[str, set]:
        """Every attribute the rules and contracts test, with the values they name."""
        out: Dict[str, set] = {}
        for x in (*self.egress, *self.allowlist, *self.contracts):
            for name, values, _ in x.match.attributes:
                out.setdefault(name, set()).update(values)
        return out

    def rule(self, rule_id: str) -> EgressRule:
        """The egress rule with ``rule_id``.

        Raises:
            KeyError: no such rule.
        """
        index = self.__dict__.get("_rule_index")
        if index is None or len(index) != len(self.egress):
            index = self.__dict__["_rule_index"] = {r.id: r for r in self.egress}
        return index[rule_id]

    def operation(self, op_id: str) -> Operation:
        for op in self.operations:
            if op.id == op_id:
                return op
        raise KeyError(op_id)


def destination_kind(host: str) -> str:
    """``ipv4``, ``ipv6`` or ``name`` for a request destination."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "name"
    return "ipv4" if address.version == 4 else "ipv6"


@dataclass(frozen=True)
class Request:
    """A concrete egress request: a tool reaching ``scheme://host:port`` with flags.

    ``host`` is a lower-case DNS name or an IP address in canonical text;
    ``flags`` holds every flag of the universe. ``path`` and ``method`` are set
    when the policies compared scope rules below the host (``None`` otherwise:
    then the request is shown exactly as in version 1); the evaluator reads a
    missing path as ``/`` and a missing method as ``GET``.
    """

    tool: str
    host: str
    port: int
    scheme: str
    flags: Tuple[Tuple[str, bool], ...]
    path: Optional[str] = None
    method: Optional[str] = None
    #: ``(attribute, value)`` for every attribute the policies use; ``None``: a value they do not name.
    attributes: Tuple[Tuple[str, Optional[str]], ...] = ()

    def attribute(self, name: str) -> Optional[str]:
        return dict(self.attributes).get(name)

    def flag(self, name: str) -> bool:
        return dict(self.flags).get(name, False)

    def url(self) -> str:
        host = f"[{self.host}]" if destination_kind(self.host) == "ipv6" else self.host
        return f"{self.scheme}://{host}:{self.port}" + (self.path or "")

    def describe(self) -> str:
        flags = " ".join([f"{k}={str(v).lower()}" for k, v in self.flags]
                         + [f"{k}={v if v is not None else '(other)'}" for k, v in self.attributes])
        method = f"{self.method} " if self.method is not None else ""
        return f"{self.tool} -> {method}{self.url()}" + (f" ({flags})" if flags else "")

    def to_dict(self) -> Dict[str, object]:
        out: Dict[str, object] = {"tool": self.tool, "host": self.host, "port": self.port, "scheme": self.scheme,
                                  "flags": dict(self.flags)}
        if self.path is not None:
            out["path"] = self.path
        if self.method is not None:
            out["method"] = self.method
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        return out


@dataclass(frozen=True)
class AdminRequest:
    """A concrete admin-operation request; ``environment`` ``None`` means none or unlisted."""

    operation: str
    opt_in: bool
    approvals: int
    approver_is_author: bool
    environment: Optional[str]
    #: version 2, when some grant or gate rule names principals: who asks (``None``: a principal none names)
    principal: Optional[str] = None
    with_principal: bool = False

    def describe(self) -> str:
        env = self.environment if self.environment is not None else "(none)"
        who = f"{self.principal or '(other)'} runs " if self.with_principal else ""
        return (f"{who}{self.operation} with opt_in={str(self.opt_in).lower()}, approvals={self.approvals}, "
                f"approver_is_author={str(self.approver_is_author).lower()}, environment={env}")

    def to_dict(self) -> Mapping[str, object]:
        out = {"operation": self.operation, "opt_in": self.opt_in, "approvals": self.approvals,
               "approver_is_author": self.approver_is_author, "environment": self.environment}
        if self.with_principal:
            out["principal"] = self.principal
        return out
