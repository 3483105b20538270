"""Destinations: host patterns, request hosts, and the finite host universe.

A policy names finitely many DNS patterns (exact names and ``*.suffix``
wildcards). Two host names that match exactly the same patterns are
indistinguishable to the policy, so the symbolic encoding ranges over one
*class* per exact name, one per wildcard (its names matched by no longer
pattern) and one ``other`` class matching nothing. Ordering the classes by
their labels read right to left (``com.example.api``) makes every pattern an
interval of class indices, so a pattern is two bit-vector comparisons.
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import re
from typing import Dict, Iterable, List, Optional, Tuple
from urllib.parse import urlsplit

from .model import HostPattern

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


def _ascii(name: str) -> str:
    """Internationalised names in their ASCII (punycode, IDNA 2003) form; others unchanged."""
    if name.isascii():
        return name
    try:
        return ".".join(label.encode("idna").decode("ascii") if label and label != "*" else label
                        for label in name.split("."))
    except UnicodeError:
        return name  # rejected by _check_name with the label shown


def _check_name(name: str) -> Optional[str]:
    """The reason ``name`` is not a valid lower-case DNS name, or ``None``.

    A name whose last label is all digits is refused: no top-level domain is
    numeric (RFC 3696 section 2), so such text is a mistyped address
    (``10.0.0.256``, ``010.0.0.1``, ``1.2.3``), and taking it as a name would
    make a rule about that address match nothing.
    """
    if not name:
        return "empty host name"
    if len(name) > 253:
        return "host name longer than 253 characters"
    for label in name.split("."):
        if not _LABEL.match(label):
            return f"invalid DNS label {label!r}"
    if name.rsplit(".", 1)[-1].isdigit():
        return ("not a valid IP address (each IPv4 part 0-255, no leading zeros, four parts), and not a host "
                "name either: the last label of a name cannot be all digits")
    return None


#: IPv6 ranges whose addresses reach an IPv4 host: IPv4-mapped (RFC 4291 2.5.5.2) and the NAT64
#: well-known prefix (RFC 6052). The low 32 bits are the IPv4 address.
EMBEDDED_V4 = ((0xFFFF << 32, "::ffff:0:0/96"), (0x64FF9B << 96, "64:ff9b::/96"))


def embedded_v4(address: int) -> Optional[int]:
    """The IPv4 address an IPv6 address (as an integer) reaches through ``EMBEDDED_V4``, or ``None``."""
    for base, _ in EMBEDDED_V4:
        if base <= address <= base + 0xFFFFFFFF:
            return address - base
    return None


def ip_networks(pattern: HostPattern) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]:
    """``(ipv4, ipv6)`` networks ``(network, prefix)`` of the addresses an address pattern reaches.

    An IPv6 network also reaches the IPv4 hosts of its part inside
    ``::ffff:0:0/96`` and ``64:ff9b::/96``: ``::/0`` reaches every IPv4 host,
    ``::ffff:10.0.0.0/104`` is ``10.0.0.0/8``. Requests to such IPv6
    addresses are the IPv4 requests themselves (:func:`normalize_host`), so
    the IPv6 part never needs those ranges cut out.
    """
    if pattern.kind == "cidr4":
        return [(pattern.network, pattern.prefix)], []
    v4 = []
    for base, _ in EMBEDDED_V4:
        if pattern.prefix <= 96:
            if pattern.network >> (128 - pattern.prefix) == base >> (128 - pattern.prefix):
                v4.append((0, 0))  # the whole embedded range lies inside the pattern
        elif pattern.network >> 32 == base >> 32:
            v4.append((pattern.network & 0xFFFFFFFF, pattern.prefix - 96))
    return sorted(set(v4)), [(pattern.network, pattern.prefix)]


def parse_host_pattern(text: object) -> HostPattern:
    """Parse ``*``, ``name``, ``*.suffix``, an IP address or a CIDR.

    Raises:
        ValueError: with the reason (bad CIDR, host bits set, misplaced ``*``, bad label).
    """
    if not isinstance(text, str):
        raise ValueError(f"host must be a string, not {type(text).__name__}")
    raw = text.strip()
    if raw == "*":
        return HostPattern(text, "any")
    if "://" in raw or raw.count(":") == 1:
        host = urlsplit(raw if "://" in raw else "//" + raw).hostname or "?"
        raise ValueError(f"bad host {raw!r}: found a URL or host:port, expected a host name, address or CIDR alone "
                         f"(write {host!r}; put ports under ports: and schemes under schemes:)")
    if "/" in raw:
        try:
            net = ipaddress.ip_network(raw, strict=True)
        except ValueError as exc:
            if not _looks_like_address(raw.split("/", 1)[0]):
                raise ValueError(f"bad host {raw!r}: found '/', expected a host name, an address or a CIDR "
                                 f"such as 10.0.0.0/8 (a host name cannot contain '/')") from None
            raise ValueError(f"bad CIDR {raw!r}: {exc}") from None
        return HostPattern(text, "cidr4" if net.version == 4 else "cidr6", network=int(net.network_address), prefix=net.prefixlen)
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        pass
    else:
        bits = 32 if address.version == 4 else 128
        return HostPattern(text, "cidr4" if bits == 32 else "cidr6", network=int(address), prefix=bits)
    name = _ascii(raw.lower().rstrip("."))
    if "+" in name:
        return _label_pattern(text, raw, name)
    if name.startswith("*."):
        suffix = name[2:]
        if "*" in suffix:
            raise ValueError(f"bad host {raw!r}: '*' (one or more labels) is allowed only as the whole first label; "
                             f"for exactly one label write '+' ({raw.replace('*', '+')})")
        _check_wildcard(raw, suffix, suffix)
        return HostPattern(text, "wildcard", name=suffix)
    if "*" in name:
        single = ".".join("+" if label == "*" else label for label in name.split("."))
        hint = f"; for exactly one label there write '+' ({single})" if "*" in name.split(".") else ""
        raise ValueError(f"bad host {raw!r}: '*' (one or more labels) is allowed only as the whole first label "
                         f"('*.example.com'){hint}")
    reason = _check_name(name)
    if reason:
        raise ValueError(f"bad host {raw!r}: {reason}")
    return HostPattern(text, "exact", name=name)


def _label_pattern(text: str, raw: str, name: str) -> HostPattern:
    """A pattern with single-label wildcards: ``+`` stands for exactly one DNS label, at any position
    but the last (``+.example.com``, ``api.+.example.com``); a leading ``*`` keeps its meaning of one
    or more labels (``*.+.example.com``). Kind ``labels``; ``name`` is the normalised pattern."""
    labels = name.split(".")
    for k, label in enumerate(labels):
        if label == "+" or (label == "*" and k == 0):
            continue
        if "+" in label or "*" in label:
            raise ValueError(f"bad host {raw!r}: found {label!r}; a wildcard is a whole label: '+' for exactly one "
                             f"label, '*' (first label only) for one or more")
    if labels[-1] in ("+", "*"):
        raise ValueError(f"bad host {raw!r}: the last label (the top-level domain) cannot be a wildcard")
    _check_wildcard(raw, ".".join(label for label in labels if label not in ("+", "*")),
                    ".".join("x" if label in ("+", "*") else label for label in labels))
    return HostPattern(text, "labels", name=name)


def _check_wildcard(raw: str, literal: str, name: str) -> None:
    """Raise ``ValueError`` when a wildcard's ``literal`` labels look like an address or ``name`` (its
    wildcards replaced by a label) is not a valid DNS name."""
    if _looks_like_address(literal):
        raise ValueError(f"bad host {raw!r}: a wildcard matches DNS names, not addresses; "
                         f"write a CIDR such as 10.0.0.0/8 for a range of addresses")
    reason = _check_name(name)
    if reason:
        raise ValueError(f"bad host {raw!r}: {reason}")


def _label_key(name: str) -> Tuple[Tuple[str, ...], bool]:
    """``(labels read right to left, leading '*')`` of a DNS pattern (exact, ``*.suffix`` or ``labels``)."""
    labels = name.split(".")
    star = labels[0] == "*"
    return tuple(reversed(labels[1:] if star else labels)), star


def _key_matches(key: Tuple[str, ...], star: bool, name: Tuple[str, ...]) -> bool:
    """Does a pattern (reversed labels, ``+`` = one label, ``star``: one or more labels before) match
    ``name`` (reversed labels)?"""
    if len(name) < len(key) or (len(name) > len(key)) != star:
        return False
    return all(p == "+" or p == n for p, n in zip(key, name))


def labels_match(pattern_name: str, host: str) -> bool:
    """Plain semantics of a ``labels`` pattern on a normalised DNS name."""
    key, star = _label_key(pattern_name)
    return _key_matches(key, star, tuple(reversed(host.split("."))))


def _looks_like_address(text: str) -> bool:
    """True for text made of digits and dots (or hex digits and colons): meant as an address."""
    return bool(re.fullmatch(r"[0-9.]+", text) or (":" in text and re.fullmatch(r"[0-9a-fA-F:.]+", text)))


def normalize_host(text: str) -> str:
    """Canonical request host: an IP in ``ipaddress`` text, or a lower-case name without trailing dot.

    An IPv6 address inside ``::ffff:0:0/96`` or ``64:ff9b::/96`` becomes the
    IPv4 address it reaches (``::ffff:10.0.0.1`` is ``10.0.0.1``).

    Raises:
        ValueError: when ``text`` is neither an address nor a valid DNS name.
    """
    raw = text.strip().strip("[]")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        pass
    else:
        if address.version == 6:
            v4 = embedded_v4(int(address))
            if v4 is not None:
                return str(ipaddress.IPv4Address(v4))
        return str(address)
    name = _ascii(raw.lower().rstrip("."))
    reason = _check_name(name)
    if reason:
        raise ValueError(reason)
    return name


def _key(name: str) -> Tuple[str, ...]:
    return tuple(reversed(name.split(".")))


class HostUniverse:
    """The host classes of a set of patterns, ordered so every pattern is an interval.

    Attributes:
        representatives: one concrete host name per class index (for witnesses).
        other: the index of the class that matches no DNS pattern.
    """

    def __init__(self, patterns: Iterable[HostPattern]):
        patterns = list(patterns)
        self._generic = None
        self._classified: Dict[str, int] = {}  # name -> class, with "+" patterns (see classify)
        if any(p.kind == "labels" for p in patterns):
            self._build_generic(patterns)
            return
        exact = sorted({p.name for p in patterns if p.kind == "exact"})
        suffixes = sorted({p.name for p in patterns if p.kind == "wildcard"}, key=_key)
        self._exact = set(exact)
        self._suffixes = suffixes
        last_labels = {name.rsplit(".", 1)[-1] for name in list(exact) + suffixes}
        tld = next(t for t in _fresh("example", "invalid", "test") if t not in last_labels)
        entries: List[Tuple[Tuple[str, ...], str, str]] = []  # (key, kind, name)
        entries += [(_key(n), "exact", n) for n in exact]
        entries += [(_key(s) + ("*",), "wildcard", s) for s in suffixes]
        entries.append(((tld, "*"), "other", tld))
        entries.sort(key=lambda e: e[0])
        self.keys = [e[0] for e in entries]
        self._index_exact: Dict[str, int] = {}
        self._index_suffix: Dict[str, int] = {}
        self.representatives: List[str] = []
        for index, (_, kind, name) in enumerate(entries):
            if kind == "exact":
                self._index_exact[name] = index
                self.representatives.append(name)
            elif kind == "wildcard":
                self._index_suffix[name] = index
                label = next(l for l in _fresh("host", "node", "svc") if f"{l}.{name}" not in self._exact)
                self.representatives.append(f"{label}.{name}")
            else:
                self.other = index
                self.representatives.append(f"unlisted.{tld}")

    def __len__(self) -> int:
        return len(self.keys)

    def intervals(self, pattern: HostPattern) -> List[Tuple[int, int]]:
        """Class indices (inclusive intervals) a DNS pattern (exact, wildcard or labels) matches."""
        if self._generic is not None:
            return self._generic[_pattern_of(pattern)]
        return [self.interval(pattern)]

    def interval(self, pattern: HostPattern) -> Tuple[int, int]:
        """Class indices ``lo..hi`` (inclusive) a DNS pattern (exact or wildcard) matches, without ``labels`` patterns."""
        if pattern.kind == "exact":
            i = self._index_exact[pattern.name]
            return i, i
        prefix = _key(pattern.name)
        lo = bisect.bisect_right(self.keys, prefix)  # first key longer than the bare suffix
        hi = bisect.bisect_left(self.keys, prefix + ("\U0010ffff",)) - 1
        return lo, hi

    def _build_generic(self, patterns: List[HostPattern]) -> None:
        """Classes when single-label wildcards are present: one class per set of patterns some name
        matches exactly (its *signature*), found by walking the labels right to left.

        At each depth only the labels that some still-possible pattern names there matter, plus one
        fresh label standing for every other; a name's signature is therefore that of the walk's
        node it reaches, so the walk meets every signature. Classes are ordered by the first name
        (labels right to left) that has them, and a pattern is the union of the classes whose
        signature holds it (a few intervals rather than one).
        """
        keys = sorted({_pattern_of(p) for p in patterns if p.kind in ("exact", "wildcard", "labels")})
        self._patterns = [_label_key(text) for text in keys]
        literals = {label for key, _ in self._patterns for label in key if label != "+"}
        fresh = next(l for l in _fresh("host", "node", "svc") if l not in literals)
        tld = next(t for t in _fresh("example", "invalid", "test") if t not in literals)
        found: Dict[frozenset, Tuple[Tuple[str, ...], str]] = {frozenset(): ((tld, "unlisted"), f"unlisted.{tld}")}

        def visit(path: Tuple[str, ...], alive: List[int], armed: frozenset) -> None:
            d = len(path)
            if d:
                signature = armed | {k for k in alive if len(self._patterns[k][0]) == d and not self._patterns[k][1]}
                found.setdefault(frozenset(signature), (path, ".".join(reversed(path))))
            if not alive and d:
                return
            now_armed = armed | {k for k in alive if self._patterns[k][1] and len(self._patterns[k][0]) == d}
            longer = [k for k in alive if len(self._patterns[k][0]) > d]
            # The fresh label first: a class's first name then reads "host.example.com" where it can.
            labels = [fresh] + sorted({self._patterns[k][0][d] for k in longer} - {"+"})
            for label in labels:
                visit(path + (label,), [k for k in longer if self._patterns[k][0][d] in ("+", label)], frozenset(now_armed))
            if now_armed != armed and not longer:
                visit(path + (fresh,), [], frozenset(now_armed))

        visit((), list(range(len(self._patterns))), frozenset())
        ordered = sorted(found.items(), key=lambda item: item[1][0])
        self._signature_index = {signature: i for i, (signature, _) in enumerate(ordered)}
        self.representatives = [name for _, (_, name) in ordered]
        self.keys = [key for _, (key, _) in ordered]
        self.other = self._signature_index[frozenset()]
        members: Dict[int, List[int]] = {k: [] for k in range(len(keys))}
        for index, (signature, _) in enumerate(ordered):
            for k in signature:
                members[k].append(index)
        self._generic = {text: _runs(members[k]) for k, text in enumerate(keys)}

    def classify(self, name: str) -> int:
        """The class index of a normalised DNS name."""
        if self._generic is not None:
            # A signature costs a walk over every pattern; witnesses and conflicts classify the same
            # representatives again and again, so each name is walked once.
            index = self._classified.get(name)
            if index is None:
                reversed_name = tuple(reversed(name.split(".")))
                signature = frozenset(k for k, (key, star) in enumerate(self._patterns)
                                      if _key_matches(key, star, reversed_name))
                index = self._classified[name] = self._signature_index[signature]
            return index
        if name in self._index_exact:
            return self._index_exact[name]
        # The longest wildcard suffix wins: try the suffixes after each dot, longest first.
        dot = name.find(".")
        while dot != -1:
            index = self._index_suffix.get(name[dot + 1:])
            if index is not None:
                return index
            dot = name.find(".", dot + 1)
        return self.other


def _pattern_of(pattern: HostPattern) -> str:
    """A DNS pattern as one normalised text: ``name``, ``*.suffix`` or a ``labels`` pattern."""
    return "*." + pattern.name if pattern.kind == "wildcard" else pattern.name


def _runs(indices: List[int]) -> List[Tuple[int, int]]:
    out: List[List[int]] = []
    for i in sorted(indices):
        if out and out[-1][1] + 1 == i:
            out[-1][1] = i
        else:
            out.append([i, i])
    return [(a, b) for a, b in out]


def _fresh(*bases: str):
    for base in bases:
        yield base
    n = 2
    while True:
        for base in bases:
            yield f"{base}{n}"
        n += 1


@functools.lru_cache(maxsize=4096)
def request_host(host: str) -> Tuple[str, object]:
    """``("name", name)``, ``("ipv4", int)`` or ``("ipv6", int)`` of a request host, normalised once."""
    try:
        canonical = normalize_host(host)
    except ValueError:
        return "name", host
    try:
        address = ipaddress.ip_address(canonical)
    except ValueError:
        return "name", canonical
    return ("ipv4" if address.version == 4 else "ipv6"), int(address)


@functools.lru_cache(maxsize=65536)
def _networks(pattern: HostPattern):
    return ip_networks(pattern)


def host_matches(pattern: HostPattern, host: str) -> bool:
    """Plain semantics of one pattern on a request host (no classes)."""
    if pattern.kind == "any":
        return True
    kind, value = request_host(host)
    if pattern.kind in ("exact", "wildcard", "labels"):
        if kind != "name":
            return False
        if pattern.kind == "labels":
            return labels_match(pattern.name, value)
        return value == pattern.name if pattern.kind == "exact" else value.endswith("." + pattern.name)
    if kind == "name":
        return False
    bits = 32 if kind == "ipv4" else 128
    v4, v6 = _networks(pattern)
    return any(value >> (bits - prefix) == network >> (bits - prefix) for network, prefix in (v4 if bits == 32 else v6))
