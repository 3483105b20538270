"""Host patterns and the host-class universe."""

from __future__ import annotations

import pytest

from governance_hooks.policy.hosts import HostUniverse, host_matches, normalize_host, parse_host_pattern


def test_classes_are_ordered_so_every_pattern_is_an_interval():
    patterns = [parse_host_pattern(p) for p in
                ["pypi.org", "*.pythonhosted.org", "files.pythonhosted.org", "*.example.com", "a.b.example.com",
                 "*.b.example.com", "example.com"]]
    u = HostUniverse(patterns)
    assert u.keys == [
        ("com", "example"), ("com", "example", "*"), ("com", "example", "b", "*"), ("com", "example", "b", "a"),
        ("example", "*"), ("org", "pypi"), ("org", "pythonhosted", "*"), ("org", "pythonhosted", "files"),
    ]
    assert u.representatives == [
        "example.com", "host.example.com", "host.b.example.com", "a.b.example.com",
        "unlisted.example", "pypi.org", "host.pythonhosted.org", "files.pythonhosted.org",
    ]
    by_text = {p.text: u.interval(p) for p in patterns}
    assert by_text == {
        "pypi.org": (5, 5), "*.pythonhosted.org": (6, 7), "files.pythonhosted.org": (7, 7), "*.example.com": (1, 3),
        "a.b.example.com": (3, 3), "*.b.example.com": (2, 3), "example.com": (0, 0),
    }
    assert u.other == 4
    # Every representative matches exactly the patterns of its interval (the plain semantics agree).
    for index, host in enumerate(u.representatives):
        assert u.classify(host) == index
        for p in patterns:
            lo, hi = u.interval(p)
            assert host_matches(p, host) == (lo <= index <= hi), (host, p.text)


def test_classify_uses_the_longest_wildcard_and_the_other_class():
    u = HostUniverse([parse_host_pattern(p) for p in ["*.example.com", "*.b.example.com"]])
    assert u.representatives[u.classify("x.y.b.example.com")] == "host.b.example.com"
    assert u.representatives[u.classify("b.example.com")] == "host.example.com"
    assert u.classify("example.com") == u.other == u.classify("pypi.org")


def test_fresh_names_avoid_the_policys_own_names():
    u = HostUniverse([parse_host_pattern(p) for p in ["unlisted.example", "host.corp.example", "*.corp.example", "*.invalid"]])
    assert u.representatives == ["node.corp.example", "host.corp.example", "unlisted.example", "host.invalid", "unlisted.test"]
    assert u.representatives[u.other] == "unlisted.test"
    assert u.representatives[u.classify("anything.corp.example")] == "node.corp.example"


@pytest.mark.parametrize("text, kind, detail", [
    ("*", "any", None),
    ("Example.COM.", "exact", "example.com"),
    ("*.Bücher.de", "wildcard", "xn--bcher-kva.de"),
    ("10.1.2.3", "cidr4", (0x0A010203, 32)),
    ("10.0.0.0/8", "cidr4", (0x0A000000, 8)),
    ("::1", "cidr6", (1, 128)),
])
def test_pattern_kinds(text, kind, detail):
    p = parse_host_pattern(text)
    assert p.kind == kind
    if kind in ("exact", "wildcard"):
        assert p.name == detail
    elif detail is not None:
        assert (p.network, p.prefix) == detail


def test_names_never_match_addresses():
    assert not host_matches(parse_host_pattern("*.example.com"), "1.0.0.10")
    assert host_matches(parse_host_pattern("10.0.0.0/8"), "10.9.9.9")


def test_ipv6_addresses_that_reach_an_ipv4_host_are_that_host():
    assert normalize_host("::ffff:10.0.0.1") == normalize_host("64:ff9b::a00:1") == "10.0.0.1"
    assert host_matches(parse_host_pattern("10.0.0.0/8"), "::ffff:10.0.0.1")
    assert host_matches(parse_host_pattern("::/0"), "10.0.0.1")  # ::/0 contains ::ffff:10.0.0.1
    assert host_matches(parse_host_pattern("::ffff:10.0.0.0/104"), "10.200.0.1")
    assert host_matches(parse_host_pattern("64:ff9b::/96"), "192.0.2.1")
    assert not host_matches(parse_host_pattern("2001:db8::/32"), "10.0.0.1")
    assert not host_matches(parse_host_pattern("::ffff:10.0.0.0/104"), "11.0.0.1")


@pytest.mark.parametrize("text, message", [
    ("169.254.169.2540", "bad host '169.254.169.2540': not a valid IP address (each IPv4 part 0-255, no leading zeros, "
                         "four parts), and not a host name either: the last label of a name cannot be all digits"),
    ("10.0.0.256", "bad host '10.0.0.256': not a valid IP address (each IPv4 part 0-255, no leading zeros, "
                   "four parts), and not a host name either: the last label of a name cannot be all digits"),
    ("010.0.0.1", "bad host '010.0.0.1': not a valid IP address (each IPv4 part 0-255, no leading zeros, "
                  "four parts), and not a host name either: the last label of a name cannot be all digits"),
    ("1.2.3", "bad host '1.2.3': not a valid IP address (each IPv4 part 0-255, no leading zeros, "
              "four parts), and not a host name either: the last label of a name cannot be all digits"),
    ("*.10.0.0.0", "bad host '*.10.0.0.0': a wildcard matches DNS names, not addresses; write a CIDR such as "
                   "10.0.0.0/8 for a range of addresses"),
    ("https://mlflow.example.com/x", "bad host 'https://mlflow.example.com/x': found a URL or host:port, expected a "
     "host name, address or CIDR alone (write 'mlflow.example.com'; put ports under ports: and schemes under schemes:)"),
    ("pypi.org:443", "bad host 'pypi.org:443': found a URL or host:port, expected a host name, address or CIDR alone "
                     "(write 'pypi.org'; put ports under ports: and schemes under schemes:)"),
    ("10.0.0.1/8", "bad CIDR '10.0.0.1/8': 10.0.0.1/8 has host bits set"),
])
def test_malformed_addresses_and_urls_are_refused_with_what_was_found(text, message):
    with pytest.raises(ValueError) as caught:
        parse_host_pattern(text)
    assert str(caught.value) == message
    if text[0].isdigit() and "/" not in text:
        with pytest.raises(ValueError):
            normalize_host(text.lstrip("*."))
    assert normalize_host("[2001:DB8::1]") == "2001:db8::1"
