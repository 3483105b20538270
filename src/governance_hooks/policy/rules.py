"""Rule registry of the ``policy`` check (cheap to import)."""

from __future__ import annotations

from ..findings import Severity
from ..rules import Rule

_Z3 = "Proved with z3: unsat means the invariant holds for every request; sat gives the witness shown."

RULES = (
    Rule("policy/egress-outside-allowlist", Severity.ERROR,
         "An egress rule allows a request to a destination outside the allowlist.",
         "The allowlist names the only destinations egress may ever reach. The witness is a concrete request "
         "an allow rule lets through although no allowlist entry contains its host, port and scheme. Narrow "
         "the rule's hosts/ports/schemes or add the destination to the allowlist. " + _Z3),
    Rule("policy/offline-egress", Severity.ERROR,
         "A request is allowed while the offline flag is set.",
         "Offline means no egress at all. The witness is an allowed request with offline=true; add "
         "`when: {offline: false}` to the allow rule or a deny rule for offline requests. " + _Z3),
    Rule("policy/tracking-without-opt-in", Severity.ERROR,
         "An experiment tracker (MLflow, W&B) may send data without the tracking opt-in.",
         "Trackers write locally unless the user opts in. The witness is an allowed request from a tracking "
         "tool with the opt-in flag false; require the flag in the rule's `when`. " + _Z3),
    Rule("policy/tracking-endpoint-denied", Severity.ERROR,
         "A tracking endpoint listed in the policy is not reachable under its own egress rules or allowlist.",
         "Each remote MLflow URI and W&B base URL the policy lists must be allowed (online, opted in) and "
         "inside the allowlist; otherwise the tracking section and the egress rules disagree."),
    Rule("policy/must-allow-violated", Severity.ERROR,
         "A must-allow contract fails: a request it covers is denied.",
         "Contracts pin down requests the policy must allow. The witness is a covered request that is denied, "
         "with the deny rule (or the default deny) responsible. " + _Z3),
    Rule("policy/must-deny-violated", Severity.ERROR,
         "A must-deny contract fails: a request it covers is allowed.",
         "The witness is a covered request that is allowed, with the allow rule responsible. " + _Z3),
    Rule("policy/admin-ungated", Severity.ERROR,
         "An admin operation can be performed without every gate (opt-in, approvals, approver, environment).",
         "Installing a GitHub App or registering a self-hosted runner must need an opt-in, the minimum number "
         "of approvals, an approver who is not the author and a protected environment (admin.gates, or the "
         "gate rules for its operation and role, such as a one-approval break-glass rule for oncall). The "
         "witness is a permitted request missing a gate, with the grant that permits it. " + _Z3),
    Rule("policy/readonly-admin-overlap", Severity.ERROR,
         "A request can be both a read-only action and an admin action.",
         "Read-only and admin actions are mutually exclusive: a read-only grant must not list an admin "
         "operation, or admin work could pass as read-only and skip its gates. " + _Z3),
    Rule("policy/shadowed-rule", Severity.WARNING,
         "An egress rule never takes effect: earlier or overriding rules decide every request it matches.",
         "A shadowed rule decides no request (first-match: earlier rules match everything it matches; "
         "deny-overrides: deny rules match everything an allow rule matches). The finding names the rules that "
         "cover it, proved by an unsat query. Delete or reorder the rule. Definitions: docs/policy.md."),
    Rule("policy/redundant-rule", Severity.WARNING,
         "An egress rule is redundant: removing it changes no decision.",
         "Deleting the rule changes no decision, on its own and together with every other rule reported as "
         "shadowed or redundant (rules are visited last to first; of two duplicates only the later is "
         "reported). Proved by unsat queries. Delete it to keep the policy readable."),
    Rule("policy/rule-conflict", Severity.WARNING,
         "An allow rule and a deny rule overlap without one containing the other.",
         "A correlation anomaly: some requests match both rules and the semantics (deny-overrides or rule "
         "order) silently picks the outcome. The witness matches both rules. Make one rule contain the other "
         "or split them."),
    Rule("policy/new-access", Severity.ERROR,
         "The changed policy allows a request (or admin operation) the base policy denied.",
         "No new access: compared with --base/--base-ref, the witness is a request the new policy allows and "
         "the old one denied, with the rule or grant that allows it. Review it as a permission grant."),
    Rule("policy/endpoint-not-allowed", Severity.ERROR,
         "The repository configures an endpoint the policy does not allow.",
         "MLFLOW_TRACKING_URI, WANDB_BASE_URL, mlflow.set_tracking_uri(...) and pip --index-url values are "
         "checked against the policy (online, opted in): the endpoint must be allowed by the egress rules, "
         "inside the allowlist, and for MLflow listed under tracking.mlflow.allowed_uris."),
    Rule("policy/wandb-online-mode", Severity.ERROR,
         "The repository turns W&B online by default, against the policy's offline mode.",
         "WANDB_MODE=online (or wandb.init(mode=\"online\")) makes every run upload without an opt-in. Use "
         "offline or disabled and let users opt in explicitly."),
    Rule("policy/smt-unexpected-result", Severity.ERROR,
         "An SMT-LIB2 policy file's check-sat result differs from its (set-info :status ...).",
         "Expected unsat but sat: the model is the counterexample. Expected sat but unsat: the unsat core over "
         "the named assertions (:named) shows which assertions contradict."),
    Rule("policy/smt-refused", Severity.ERROR,
         "An SMT-LIB2 policy file uses a command outside the allowed subset or breaks a limit.",
         "Only set-logic, set-info, declare-const/-fun/-sort, define-fun/-sort/-const, assert and one "
         "check-sat are run; exit, echo and get-* are accepted and not run, set-option only for options that "
         "change what is printed; include, other options, push/pop and the rest are refused, and size and "
         "nesting are bounded, so a hostile file cannot read files, change solver options or hang the hook."),
    Rule("policy/smt-invalid", Severity.ERROR,
         "An SMT-LIB2 policy file cannot be parsed or has no expected status.",
         "The file must be well-formed SMT-LIB2, state its expected result once with (set-info :status sat) or "
         "(set-info :status unsat), and have a (check-sat)."),
    Rule("policy/analysis-incomplete", Severity.ERROR,
         "The solver could not decide an invariant within its resource limit.",
         "z3 answered unknown (resource limit `rlimit`, or an undecidable fragment in a raw SMT file). The "
         "invariant is neither proved nor refuted, so it fails by default; --allow-unknown turns this into a "
         "warning. Raise `rlimit` in [tool.governance-hooks.policy] if the policy is large. When the "
         "anomaly-queries budget stops the rule-anomaly passes, the finding (a note unless "
         "incomplete-anomalies says otherwise) names every rule not checked."),
)
