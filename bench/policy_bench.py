"""Benchmark of the policy check: all invariants on generated policies of 10, 100 and 1,000 rules.

Run: ``python bench/policy_bench.py [--sizes 10 100 1000] [--naive-limit 100]``

For each size and both semantics it generates a realistic policy (exact hosts,
wildcards, CIDRs, port ranges, flags; every 10th rule a deny carve-out, every
50th rule a deliberate duplicate so shadowing is found) and times, in one run:

* ``ours``: parse + every invariant (egress, offline, tracking, contracts,
  admin, shadowing, redundancy, conflicts) with the incremental encoding
  (one solver, rule literals, assumptions);
* ``naive``: the anchor, shadowing alone the textbook way: one fresh solver per
  rule asserting ``match_i and not (match_0 or ... or match_{i-1})`` (or, for
  deny-overrides, ``and not any deny``), i.e. N queries over O(N^2) terms.

It prints a table with the ratio naive/ours (higher is better for ours).
Target (issue 5): 1,000 rules, every invariant, under 5 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from governance_hooks.policy.parse import load_policy  # noqa: E402
from governance_hooks.policy.prove import prove  # noqa: E402

TOOLS = ["pip", "uv", "git", "hf_hub", "mlflow", "wandb", "curl", "docker"]
PORTS = ["443", "80", '"8000-8100"', "22"]


def generate(n: int, semantics: str, seed: int = 1) -> str:
    """A policy with ``n`` egress rules (YAML text)."""
    rng = random.Random(seed)
    lines = ["version: 1", f"semantics: {semantics}", "allowlist:"]
    teams = max(1, n // 20)
    for t in range(teams):
        lines.append(f'  - {{hosts: ["*.team{t}.example.com", "10.{t % 250}.0.0/16"], ports: [443, "8000-8100"], schemes: [https, http]}}')
    lines.append("egress:")
    emitted = []
    for i in range(n):
        t = rng.randrange(teams)
        if i % 50 == 49 and emitted:
            rid, body = rng.choice(emitted)
            lines.append(f"  - {{id: dup{i}, {body}}}")  # shadowed / redundant on purpose
            continue
        tool = rng.choice(TOOLS)
        kind = rng.random()
        if kind < 0.5:
            host = f"svc{i}.team{t}.example.com"
        elif kind < 0.8:
            host = f'"*.g{i % 7}.team{t}.example.com"'
        else:
            host = f"10.{t % 250}.{i % 256}.0/24"
        port = rng.choice(PORTS[:2] if rng.random() < 0.8 else PORTS[2:3])
        effect = "deny" if i % 10 == 9 else "allow"
        when = "offline: false, tracking_opt_in: true" if tool in ("mlflow", "wandb") else "offline: false"
        body = f"effect: {effect}, tools: {tool}, hosts: {host}, ports: {port}, schemes: https, when: {{{when}}}"
        if effect == "deny":
            body = f"effect: deny, tools: {tool}, hosts: {host}, ports: {port}"
        emitted.append((f"r{i}", body))
        lines.append(f"  - {{id: r{i}, {body}}}")
    lines += [
        "admin:",
        "  gates: {opt_in: true, min_approvals: 2, approver_not_author: true, protected_environments: [admin]}",
        "  operations: [{id: install-app}, {id: add-runner}, {id: read-logs, class: read-only}]",
        "  grants:",
        "    - {id: ops, operations: [install-app, add-runner], requires: {opt_in: true, min_approvals: 2, approver_not_author: true, environments: [admin]}}",
        "    - {id: readers, operations: read-logs, mode: read-only}",
        "invariants:",
        "  must-allow:",
        "    - {id: pip-team0, tools: pip, hosts: svc0.team0.example.com, ports: 443, schemes: https, when: {offline: false}}",
        "  must-deny:",
        "    - {id: offline, when: {offline: true}}",
    ]
    return "\n".join(lines) + "\n"


def naive_shadowing(policy) -> int:
    """Shadowing, one fresh solver per rule over inline terms; returns the number of shadowed rules."""
    import z3

    from governance_hooks.policy.encode import Encoder, Universe

    ctx = z3.Context()
    enc = Encoder(Universe([policy]), ctx)
    terms = [enc.match(r.match) for r in policy.egress]
    shadowed = 0
    for i, rule in enumerate(policy.egress):
        solver = z3.Solver(ctx=ctx)
        solver.add(enc.domain(), terms[i])
        if policy.semantics == "first-match":
            earlier = terms[:i]
        else:
            earlier = [terms[j] for j, r in enumerate(policy.egress) if r.effect == "deny"] if rule.effect == "allow" else []
        if earlier:
            solver.add(z3.Not(z3.Or(*earlier)))
        if solver.check() == z3.unsat:
            shadowed += 1
    return shadowed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--naive-limit", type=int, default=1000, help="largest size the naive anchor runs on")
    args = parser.parse_args(argv)
    print(f"{'rules':>6} {'semantics':<15} {'ours s':>8} {'findings':>9} {'shadowed':>9} {'naive s':>8} {'naive/ours':>10}")
    for n in args.sizes:
        for semantics in ("deny-overrides", "first-match"):
            text = generate(n, semantics)
            start = time.perf_counter()
            policy = load_policy(text, f"bench-{n}.yaml")
            result = prove(policy)
            ours = time.perf_counter() - start
            shadowed = sum(f.rule_id == "policy/shadowed-rule" for f in result.findings)
            if n <= args.naive_limit:
                start = time.perf_counter()
                naive_count = naive_shadowing(policy)
                naive = time.perf_counter() - start
                if naive_count != shadowed:
                    print(f"  MISMATCH: naive found {naive_count} shadowed rules, ours {shadowed}")
                naive_text, ratio = f"{naive:8.2f}", f"{naive / ours:10.1f}"
            else:
                naive_text, ratio = f"{'-':>8}", f"{'-':>10}"
            print(f"{n:>6} {semantics:<15} {ours:8.2f} {len(result.findings):>9} {shadowed:>9} {naive_text} {ratio}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
