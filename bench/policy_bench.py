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

It prints a table with the ratio naive/ours (higher is better for ours), and
progress (each phase as it starts, with the CPU seconds spent so far) on stderr.
Targets: 1,000 realistic rules, every invariant and the complete anomaly pass,
under 5 s CPU; 10,000 under 60 s (the ``target`` column says whether a run met
its size's target).
"""

from __future__ import annotations

import argparse
import os
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


EXTERNAL = ["pypi.org", "files.pythonhosted.org", '"*.pythonhosted.org"', "huggingface.co", '"*.hf.co"',
            '"*.s3.amazonaws.com"', "github.com", '"*.githubusercontent.com"', "registry-1.docker.io",
            '"*.docker.io"', "api.wandb.ai", "conda.anaconda.org"]
REAL_TOOLS = ["pip", "uv", "git", "hf_hub", "mlflow", "wandb", "curl", "docker", "conda", "python"]


def generate_realistic(n: int, semantics: str, seed: int = 7) -> str:
    """A policy shaped like the ones platform teams write, with ``n`` egress rules.

    Teams own a DNS zone and a /16; each rule names 3-8 hosts (exact services,
    team wildcards, sub-zone wildcards, /24s inside the team's /16, shared
    external mirrors), so wildcards and CIDRs overlap across rules; the same
    host groups recur (the "groups" a v2 policy would name) and tools come in
    role-like bundles. About one rule in seven is a deny carve-out (a service,
    a /24, the metadata address), which partially overlaps the allows: real
    conflicts. Deliberate mistakes: a duplicate every 100 rules, a rule
    reaching port 80 outside the allowlist every 250.
    """
    rng = random.Random(seed)
    teams = max(2, n // 25)
    lines = ["version: 1", f"semantics: {semantics}", "allowlist:",
             f"  - {{hosts: [{', '.join(EXTERNAL)}], ports: [443], schemes: [https]}}"]
    for t in range(teams):
        lines.append(f'  - {{hosts: ["*.t{t}.corp.example.com", "t{t}.corp.example.com", "10.{t % 250}.0.0/16"], '
                     f'ports: [443, "8000-8100"], schemes: [https, http]}}')
    roles = [rng.sample(REAL_TOOLS, rng.randint(1, 3)) for _ in range(12)]
    groups = []
    for g in range(max(4, teams // 2)):  # host groups shared by many rules
        t = rng.randrange(teams)
        groups.append([f'"*.g{g}.t{t}.corp.example.com"', f"10.{t % 250}.{rng.randrange(256)}.0/24",
                       f"svc{g}.t{t}.corp.example.com"])
    lines.append("egress:")
    emitted = []
    for i in range(n):
        if i % 100 == 99 and emitted:
            lines.append(f"  - {{id: dup{i}, {rng.choice(emitted)}}}")
            continue
        t = rng.randrange(teams)
        tools = rng.choice(roles)
        hosts = set()
        for _ in range(rng.randint(3, 8)):
            kind = rng.random()
            if kind < 0.3:
                hosts.add(f"svc{rng.randrange(40)}.t{t}.corp.example.com")
            elif kind < 0.45:
                hosts.add(f'"*.g{rng.randrange(6)}.t{t}.corp.example.com"')
            elif kind < 0.55:
                hosts.add(f'"*.t{t}.corp.example.com"')
            elif kind < 0.7:
                hosts.add(f"10.{t % 250}.{rng.randrange(256)}.0/24")
            elif kind < 0.85:
                hosts.update(rng.choice(groups) if groups else [])
            else:
                hosts.add(rng.choice(EXTERNAL))
        internal = [h for h in hosts if "corp" in h or h.startswith("10.")]
        external = [h for h in hosts if h not in internal]
        trackers = [x for x in tools if x in ("mlflow", "wandb")]
        when = "{offline: false, tracking_opt_in: true}" if trackers else "{offline: false}"
        if i % 7 == 6:  # a deny carve-out
            target = rng.choice([f"svc{rng.randrange(40)}.t{t}.corp.example.com", f"10.{t % 250}.{rng.randrange(256)}.0/24",
                                 "169.254.169.254", f'"*.g{rng.randrange(6)}.t{t}.corp.example.com"'])
            body = f"effect: deny, tools: [{', '.join(tools)}], hosts: [{target}]"
        elif i % 250 == 249:
            body = (f"effect: allow, tools: [{', '.join(tools)}], hosts: [{', '.join(sorted(hosts))}], ports: [80], "
                    f"schemes: [http], when: {when}")
        else:
            rule_hosts = internal or external
            ports = '[443, "8000-8100"]' if internal else "[443]"
            schemes = "[https, http]" if internal and rng.random() < 0.3 else "[https]"
            body = (f"effect: allow, tools: [{', '.join(tools)}], hosts: [{', '.join(sorted(rule_hosts))}], "
                    f"ports: {ports}, schemes: {schemes}, when: {when}")
        emitted.append(body)
        lines.append(f"  - {{id: r{i}, {body}}}")
    lines += [
        "admin:",
        "  gates: {opt_in: true, min_approvals: 2, approver_not_author: true, protected_environments: [admin]}",
        "  operations: [{id: install-app}, {id: add-runner}, {id: read-logs, class: read-only}]",
        "  grants:",
        "    - {id: ops, operations: [install-app, add-runner], requires: {opt_in: true, min_approvals: 2, approver_not_author: true, environments: [admin]}}",
        "    - {id: readers, operations: read-logs, mode: read-only}",
        "invariants:",
        "  must-deny:",
        "    - {id: offline, when: {offline: true}}",
        "    - {id: metadata, hosts: 169.254.169.254}",
    ]
    return "\n".join(lines) + "\n"


V2_EXTERNAL = ["pypi.org", "files.pythonhosted.org", '"*.pythonhosted.org"', "huggingface.co", '"+.hf.co"',
               '"*.s3.amazonaws.com"', '"+.s3.+.amazonaws.com"', "github.com", '"*.githubusercontent.com"',
               "registry-1.docker.io", '"*.docker.io"', "api.wandb.ai", "conda.anaconda.org"]
BRANCHES = ["main", "release", "develop"]
ENVIRONMENTS = ["prod", "staging", "dev"]
DOWNLOAD, UPLOAD = "[GET, HEAD]", "[PUT, POST]"


def generate_realistic_v2(n: int, semantics: str, seed: int = 11) -> str:
    """``generate_realistic`` written with the version 2 language, as platform teams would use it.

    On top of the v1 shapes (3-8 hosts per rule, team zones and /16s,
    overlapping wildcards and /24s, deny carve-outs, a duplicate every 100
    rules, port 80 outside the allowlist every 250): named host groups
    (``@tNgK``) shared by many rules; single-label (``+.tN...``) and middle
    (``api.+.tN...``, ``+.s3.+.amazonaws.com``) wildcards beside ``*``; about
    one rule in four reaching an S3 bucket prefix (``/tN/``) or a Hugging Face
    organisation (``/orgK/``), downloads (GET, HEAD) for the team, uploads
    (PUT, POST) only for its CI role on ``main`` (but an upload rule open to
    anyone on any branch every 500 rules, which breaks two must-deny contracts); roles on a third of the rules
    and principals on a tenth; ``when`` conditions on branch, environment
    (lists) and repository (``not`` too); admin ``gate_rules`` per role
    (break glass for on-call, a stricter rule for one operation) with grants
    naming roles. Deterministic: the same ``(n, semantics, seed)`` gives the
    same text.
    """
    rng = random.Random(seed)
    teams = max(2, n // 25)
    n_roles = max(4, teams // 8)
    roles = {f"ci{r}": [f"svc-ci{r}", f"svc-nightly{r}"] for r in range(n_roles)}
    roles.update({"oncall": ["alice", "bob", "carol"], "platform": ["dana", "erin"], "data-eng": ["frank", "svc-etl"]})
    role_names = sorted(roles)
    people = [p for members in roles.values() for p in members]
    lines = ["version: 2", f"semantics: {semantics}", "groups:", "  hosts:",
             '    huggingface: [huggingface.co, "+.hf.co"]',
             '    pypi-mirrors: [pypi.org, files.pythonhosted.org, "*.pythonhosted.org"]']
    groups = []
    for g in range(max(4, teams // 2)):  # host groups shared by many rules
        t = rng.randrange(teams)
        groups.append(f"t{t}g{g}")
        lines.append(f'    t{t}g{g}: ["*.g{g}.t{t}.corp.example.com", "+.api.t{t}.corp.example.com", '
                     f"10.{t % 250}.{rng.randrange(256)}.0/24, svc{g}.t{t}.corp.example.com]")
    lines += ["  ports:", "    https: [443]", '    internal: [443, "8000-8100"]', "identities:", "  roles:"]
    lines += [f"    {r}: [{', '.join(roles[r])}]" for r in role_names]
    lines += ["allowlist:", f"  - {{hosts: [{', '.join(V2_EXTERNAL)}], ports: \"@https\", schemes: [https]}}"]
    for t in range(teams):
        lines.append(f'  - {{hosts: ["*.t{t}.corp.example.com", "t{t}.corp.example.com", "10.{t % 250}.0.0/16"], '
                     f'ports: "@internal", schemes: [https, http]}}')
    bundles = [rng.sample(REAL_TOOLS, rng.randint(1, 3)) for _ in range(12)]
    lines.append("egress:")
    emitted = []
    for i in range(n):
        if i % 100 == 99 and emitted:
            lines.append(f"  - {{id: dup{i}, {rng.choice(emitted)}}}")
            continue
        t = rng.randrange(teams)
        tools = rng.choice(bundles)
        trackers = [x for x in tools if x in ("mlflow", "wandb")]
        when = ["offline: false"] + (["tracking_opt_in: true"] if trackers else [])
        who = ""
        if rng.random() < 0.33:
            who += f", roles: [{', '.join(rng.sample(role_names, rng.randint(1, 2)))}]"
        if rng.random() < 0.1:
            who += f", principals: [{rng.choice(people)}]"
        if rng.random() < 0.2:
            when.append(f"branch: {rng.choice(BRANCHES)}")
        if rng.random() < 0.17:
            when.append(f"environment: [{', '.join(rng.sample(ENVIRONMENTS, rng.randint(1, 2)))}]")
        if rng.random() < 0.12:
            repo = f"org/repo{rng.randrange(20)}"
            when.append(f"repository: {{not: {repo}}}" if rng.random() < 0.3 else f"repository: {repo}")
        cond = f"when: {{{', '.join(when)}}}"
        kind = rng.random()
        if i % 7 == 6:  # a deny carve-out: a service, a /24, the metadata address, a sub-zone, an upload prefix
            target = rng.choice([f"hosts: [svc{rng.randrange(40)}.t{t}.corp.example.com]",
                                 f"hosts: [10.{t % 250}.{rng.randrange(256)}.0/24]", "hosts: [169.254.169.254]",
                                 f'hosts: ["+.g{rng.randrange(6)}.t{t}.corp.example.com"]',
                                 f'hosts: ["@huggingface"], paths: [/org{rng.randrange(30)}/private/], methods: {UPLOAD}'])
            body = f"effect: deny, tools: [{', '.join(tools)}], {target}"
        elif i % 500 == 498:  # a deliberate mistake: uploads to an organisation from any branch, by anyone
            body = (f"effect: allow, tools: [hf_hub], hosts: [huggingface.co], paths: [/org{rng.randrange(30)}/], "
                    f"methods: {UPLOAD}, ports: \"@https\", schemes: [https], when: {{offline: false}}")
        elif kind < 0.12:  # an S3 bucket prefix: the team downloads, its CI role uploads from main
            bucket = f"data{rng.randrange(max(2, teams // 4))}.s3.amazonaws.com"
            if rng.random() < 0.6:
                body = (f"effect: allow, tools: [{', '.join(tools)}], hosts: [{bucket}], paths: [/t{t}/], "
                        f"methods: {DOWNLOAD}, ports: \"@https\", schemes: [https]{who}, {cond}")
            else:
                body = (f"effect: allow, tools: [{', '.join(tools)}], hosts: [{bucket}], paths: [/t{t}/, /shared/t{t}/], "
                        f"methods: {UPLOAD}, ports: \"@https\", schemes: [https], roles: [ci{t % n_roles}], "
                        f"when: {{offline: false, branch: main}}")
        elif kind < 0.24:  # a Hugging Face organisation: downloads for anyone, uploads for the CI role
            org = f"/org{rng.randrange(30)}/"
            if rng.random() < 0.6:
                body = (f"effect: allow, tools: [hf_hub], hosts: [\"@huggingface\"], paths: [{org}], "
                        f"methods: {DOWNLOAD}, ports: \"@https\", schemes: [https]{who}, {cond}")
            else:
                body = (f"effect: allow, tools: [hf_hub], hosts: [huggingface.co], paths: [{org}], methods: {UPLOAD}, "
                        f"ports: \"@https\", schemes: [https], roles: [ci{t % n_roles}], "
                        f"when: {{offline: false, branch: main, repository: org/repo{rng.randrange(20)}}}")
        else:
            hosts = set()
            for _ in range(rng.randint(3, 8)):
                k = rng.random()
                if k < 0.25:
                    hosts.add(f"svc{rng.randrange(40)}.t{t}.corp.example.com")
                elif k < 0.35:
                    hosts.add(f'"*.g{rng.randrange(6)}.t{t}.corp.example.com"')
                elif k < 0.42:
                    hosts.add(f'"+.g{rng.randrange(6)}.t{t}.corp.example.com"')
                elif k < 0.47:
                    hosts.add(f'"api.+.t{t}.corp.example.com"')
                elif k < 0.52:
                    hosts.add(f'"*.t{t}.corp.example.com"')
                elif k < 0.67:
                    hosts.add(f"10.{t % 250}.{rng.randrange(256)}.0/24")
                elif k < 0.85:
                    hosts.add(f'"@{rng.choice(groups)}"')
                else:  # Hugging Face is reached only through the organisation rules above
                    hosts.add(rng.choice([h for h in V2_EXTERNAL if "hf.co" not in h and "huggingface" not in h]))
            internal = [h for h in hosts if "corp" in h or h.startswith("10.") or h.startswith('"@t')]
            external = [h for h in hosts if h not in internal]
            methods = f", methods: {DOWNLOAD}" if rng.random() < 0.3 else ""
            if i % 250 == 249:
                body = (f"effect: allow, tools: [{', '.join(tools)}], hosts: [{', '.join(sorted(hosts))}], ports: [80], "
                        f"schemes: [http]{who}, {cond}")
            else:
                rule_hosts = internal or external
                ports = '"@internal"' if internal else '"@https"'
                schemes = "[https, http]" if internal and rng.random() < 0.3 else "[https]"
                body = (f"effect: allow, tools: [{', '.join(tools)}], hosts: [{', '.join(sorted(rule_hosts))}]{methods}, "
                        f"ports: {ports}, schemes: {schemes}{who}, {cond}")
        emitted.append(body)
        lines.append(f"  - {{id: r{i}, {body}}}")
    ops = ["install-app", "add-runner", "restart-cluster", "rotate-secrets"]
    lines += [
        "admin:",
        "  gates: {opt_in: true, min_approvals: 2, approver_not_author: true, protected_environments: [admin]}",
        "  gate_rules:",
        "    - {id: break-glass, operations: [restart-cluster], roles: oncall, opt_in: true, min_approvals: 1}",
        "    - {id: secrets-three, operations: [rotate-secrets], roles: platform, opt_in: true, min_approvals: 3, "
        "approver_not_author: true, protected_environments: [admin]}",
    ]
    lines += [f"    - {{id: runner-{r}, operations: [add-runner], roles: {r}, opt_in: true, min_approvals: 2, "
              f"approver_not_author: true}}" for r in role_names[:min(8, n_roles)]]
    lines += [f"  operations: [{', '.join('{id: ' + o + '}' for o in ops)}, {{id: read-logs, class: read-only}}]",
              "  grants:",
              "    - {id: ops, operations: [install-app, add-runner], roles: [platform], "
              "requires: {opt_in: true, min_approvals: 2, approver_not_author: true, environments: [admin]}}",
              "    - {id: oncall-restart, operations: [restart-cluster], roles: oncall, "
              "requires: {opt_in: true, min_approvals: 1, approver_not_author: true}}",
              "    - {id: secrets, operations: [rotate-secrets], roles: platform, "
              "requires: {opt_in: true, min_approvals: 3, approver_not_author: true, environments: [admin]}}"]
    lines += [f"    - {{id: runners-{r}, operations: [add-runner], roles: {r}, "
              f"requires: {{opt_in: true, min_approvals: 2, approver_not_author: true}}}}" for r in role_names[:min(8, n_roles)]]
    lines += ["    - {id: readers, operations: read-logs, mode: read-only}",
              "invariants:",
              "  must-deny:",
              "    - {id: offline, when: {offline: true}}",
              "    - {id: metadata, hosts: 169.254.169.254}",
              "    - {id: no-uploads-off-main, hosts: \"@huggingface\", methods: [PUT, POST, PATCH, DELETE], "
              "when: {branch: {not: main}}}",
              "    - {id: people-never-upload, hosts: \"@huggingface\", roles: oncall, methods: [PUT, POST]}"]
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


GENERATORS = {"synthetic": generate, "realistic": generate_realistic, "realistic-v2": generate_realistic_v2}
TARGETS = {1000: 5.0, 10000: 60.0}  # CPU seconds, every invariant and the complete anomaly pass


class _Progress:
    """The prover's progress callback: one stderr line per phase and every 2,048 rules, with CPU seconds."""

    def __init__(self, label: str, start: float):
        self.label, self.start, self.what = label, start, None

    def note(self, what: str) -> None:
        print(f"  [{self.label}] {time.process_time() - self.start:6.1f} s cpu: {what}", file=sys.stderr, flush=True)

    def __call__(self, what: str, done: int, total: int) -> None:
        if what != self.what or done % 2048 == 0:
            self.what = what
            self.note(f"{what.split(': ')[-1]} {done}/{total}")


def _run(text: str, name: str, label: str = ""):
    """``(cpu seconds, wall seconds, result, policy)`` of parse + every invariant."""
    from governance_hooks.policy.prove import ProveOptions

    wall, cpu = time.perf_counter(), time.process_time()
    progress = _Progress(label or name, cpu)
    progress.note("parse")
    policy = load_policy(text, name)
    progress.note("invariants")
    result = prove(policy, ProveOptions(progress=progress))
    progress.note("done")
    return time.process_time() - cpu, time.perf_counter() - wall, result, policy


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--generators", nargs="+", default=["synthetic", "realistic"],
                        choices=sorted(GENERATORS))
    parser.add_argument("--semantics", nargs="+", default=["deny-overrides", "first-match"])
    parser.add_argument("--naive-limit", type=int, default=1000, help="largest size the naive anchor runs on")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"times are CPU seconds of this process (wall in brackets)")
    print(f"{'generator':<12} {'rules':>6} {'semantics':<15} {'cpu s':>7} {'(wall)':>8} {'shadow':>6} {'redund':>6} "
          f"{'confl':>6} {'other':>6} {'incompl':>7} {'naive s':>8} {'naive/ours':>10} {'target':>12}")
    for generator in args.generators:
        make = GENERATORS[generator]
        for n in args.sizes:
            for semantics in args.semantics:
                cpu, wall, result, policy = _run(make(n, semantics), f"bench-{generator}-{n}.yaml",
                                                 f"{generator} {n} {semantics}")
                kinds = [f.rule_id for f in result.findings]
                shadowed = kinds.count("policy/shadowed-rule")
                counts = (shadowed, kinds.count("policy/redundant-rule"), kinds.count("policy/rule-conflict"))
                incomplete = kinds.count("policy/analysis-incomplete")
                other = len(kinds) - sum(counts) - incomplete
                if n <= args.naive_limit:
                    start = time.process_time()
                    naive_count = naive_shadowing(policy)
                    naive = time.process_time() - start
                    if naive_count != shadowed:
                        print(f"  MISMATCH: naive found {naive_count} shadowed rules, ours {shadowed}")
                    naive_text, ratio = f"{naive:8.2f}", f"{naive / cpu:10.1f}"
                else:
                    naive_text, ratio = f"{'-':>8}", f"{'-':>10}"
                target = TARGETS.get(n) if generator.startswith("realistic") else None
                verdict = "-" if target is None else f"<{target:g} {'met' if cpu < target and not incomplete else 'MISSED'}"
                print(f"{generator:<12} {n:>6} {semantics:<15} {cpu:7.2f} {'(' + format(wall, '.1f') + ')':>8} "
                      f"{counts[0]:>6} {counts[1]:>6} {counts[2]:>6} {other:>6} {incomplete:>7} {naive_text} {ratio} "
                      f"{verdict:>12}")
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
