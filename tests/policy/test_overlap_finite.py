"""The set algebra keeps the finite fields (tool, method, path class, attribute values) as one mask per field.

One mask over their product would have as many bits as the product of the field
sizes: with a few dozen path prefixes, principals and repositories that is tens
of millions of bits per rule, and a 10,000-rule policy does not fit in memory.
"""

from __future__ import annotations

from governance_hooks.policy.encode import Universe
from governance_hooks.policy.overlap import Cubes, OverlapIndex
from governance_hooks.policy.parse import load_policy

from .helpers import ALL_OFF, findings

MANY = """\
version: 2
identities:
  roles:
    ci: [{principals}]
egress:
  - {{id: up, effect: allow, tools: [pip, uv], methods: [PUT], paths: [/p3/], roles: ci, when: {{branch: b7, repository: {{not: [o/r1]}}}}}}
{more}
"""


def _index(policy):
    u = Universe([policy])
    return OverlapIndex(u.hosts, u.tool_index, u.scheme_index, {f: k for k, f in enumerate(u.flags)},
                        *((u.method_index, u.paths) if u.scoped else (None, None)), u.attribute_index), u


def test_masks_are_per_field_and_their_product_is_never_built():
    principals = ", ".join(f"svc{k}" for k in range(40))
    more = "\n".join(f"  - {{id: r{k}, effect: allow, tools: pip, paths: [/p{k}/], principals: [svc{k}], "
                     f"when: {{branch: b{k}, repository: o/r{k}}}}}" for k in range(40))
    policy = load_policy(MANY.format(principals=principals, more=more), "p.yaml")
    index, u = _index(policy)
    # 12 known tools, 7 methods, 41 path classes (40 prefixes and every other path), then branch,
    # principal and repository, with one index more each for a value the policy does not name.
    assert index.sizes == [12, 7, 41, 41, 41, 41]  # one product mask would need 12*7*41**4 = 237,339,684 bits
    up = index.compile(policy.egress[0].match)
    assert up.tools == ((1 << u.tool_index["pip"]) | (1 << u.tool_index["uv"]), 1 << u.method_index["PUT"], 1 << u.paths.interval(policy.egress[0].match.paths[0])[0],
                        1 << u.attribute_index["branch"]["b7"],
                        sum(1 << i for i in u.attribute_index["principal"].values()),
                        (1 << 41) - 1 - (1 << u.attribute_index["repository"]["o/r1"]))
    assert [mask.bit_length() <= size for mask, size in zip(up.tools, index.sizes)] == [True] * 6
    # The least point of a product is the fold of each field's least value (the inverse of split).
    assert index.split(index.fold(up.tools)) == (u.tool_index["pip"], u.method_index["PUT"], up.tools[2].bit_length() - 1,
                                                 u.attribute_index["branch"]["b7"], 0, 0)


def test_a_conflict_witness_outside_the_other_rule_is_the_least_over_every_finite_field():
    # ci - no-pip-off-main is {uv} x {main, dev} plus {pip} x {main}: the least request is pip on main,
    # not uv on dev (the least of the first piece the difference is cut into).
    text = """\
version: 2
egress:
  - {id: ci, effect: allow, tools: [pip, uv], when: {branch: [main, dev]}}
  - {id: no-pip-off-main, effect: deny, tools: pip, when: {branch: {not: main}}}
""" + ALL_OFF.replace("no-conflicts: false", "no-conflicts: true")
    [conflict] = findings(text)
    assert conflict.rule_id == "policy/rule-conflict"
    assert conflict.evidence["witness"]["tool"] == "pip"
    assert conflict.evidence["witness"]["attributes"] == {"branch": "dev"}
    assert (conflict.evidence["only_first"]["tool"], conflict.evidence["only_first"]["attributes"]) == ("pip", {"branch": "main"})
    assert (conflict.evidence["only_second"]["tool"], conflict.evidence["only_second"]["attributes"]) == ("pip", {"branch": None})


def test_cube_difference_is_exact_on_the_finite_fields():
    policy = load_policy("""\
version: 2
egress:
  - {id: a, effect: allow, tools: [pip, uv], when: {branch: [main, dev]}}
  - {id: b, effect: deny, tools: pip, when: {branch: {not: main}}}
""", "p.yaml")
    index, u = _index(policy)
    cubes = Cubes(index)
    a, b = (cubes.of(index.compile(r.match)) for r in policy.egress)
    branch = u.attribute_index["branch"]
    pip, uv = 1 << u.tool_index["pip"], 1 << u.tool_index["uv"]
    assert [p[0] for p in cubes.minus(a, b)] == [(uv, (1 << branch["dev"]) | (1 << branch["main"])), (pip, 1 << branch["main"])]
    assert cubes.covered(a, [b]) is False
    assert cubes.covered(cubes.meet(a, b), [b]) is True
