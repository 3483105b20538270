"""Policy language version 2: URL path prefixes and HTTP methods (scoping below the host)."""

from __future__ import annotations

import pytest

from governance_hooks.policy import evaluate as ev
from governance_hooks.policy import model as m
from governance_hooks.policy.conformance import Setting, check_settings
from governance_hooks.policy.parse import load_policy
from governance_hooks.policy.paths import normalize_path, parse_path_prefix, prefix_matches

from .helpers import ALL_OFF, error_of, findings, only, summary

S3 = """\
version: 2
allowlist:
  - {hosts: ml-data.s3.amazonaws.com, paths: /datasets/, ports: 443, schemes: https}
egress:
  - {id: s3-read, effect: allow, tools: python, hosts: ml-data.s3.amazonaws.com, paths: /datasets/,
     methods: [GET, HEAD], ports: 443, schemes: https}
  - {id: s3-publish, effect: allow, tools: python, hosts: ml-data.s3.amazonaws.com, paths: /datasets/public/,
     methods: PUT, ports: 443, schemes: https}
"""


def _request(path, method="GET", host="ml-data.s3.amazonaws.com"):
    return m.Request("python", host, 443, "https", (("offline", False), ("tracking_opt_in", False)), path, method)


def test_a_prefix_ends_on_a_segment_boundary_and_paths_are_normalised():
    prefix = parse_path_prefix("/myorg/")
    assert prefix.segments == ("myorg",) and parse_path_prefix("/myorg").segments == ("myorg",)
    assert [prefix_matches(prefix, p) for p in ("/myorg", "/myorg/", "/myorg/bert/config.json", "/myorg-evil/x",
                                                "/myorgx", "/", "/other/../myorg/x", "/myorg/../evil",
                                                "//myorg//x", "/%6Dyorg/x")] == \
        [True, True, True, False, False, False, True, False, True, True]
    assert normalize_path("/a/./b/../c//d") == "/a/c/d"
    assert parse_path_prefix("/a%2fb/").segments == ("a%2Fb",)


def test_the_evaluator_scopes_rules_by_path_and_method():
    policy = load_policy(S3 + ALL_OFF, "p.yaml")
    decide = lambda path, method: ev.decide(policy, _request(path, method))  # noqa: E731
    assert decide("/datasets/imagenet/train.tar", "GET") == ev.Decision(True, ("s3-read",))
    assert decide("/datasets/public/x", "PUT") == ev.Decision(True, ("s3-publish",))
    assert decide("/datasets/private/x", "PUT") == ev.Decision(False, ())
    assert decide("/datasets-old/x", "GET") == ev.Decision(False, ())
    assert decide("/datasets/../secrets/key", "GET") == ev.Decision(False, ())


def test_witnesses_show_the_method_and_the_path():
    text = S3 + only("no-conflicts").replace("no-conflicts: false", "no-conflicts: true") + """\
  must-deny:
    - {id: no-uploads, methods: [PUT, POST]}
"""
    found = findings(text)
    assert summary(found) == [
        ("policy/must-deny-violated", 20,
         "must-deny contract 'no-uploads' fails: python -> PUT https://ml-data.s3.amazonaws.com:443/datasets/public/ "
         "(offline=false tracking_opt_in=false) is allowed by rule 's3-publish' (line 7)"),
    ]
    assert found[0].evidence["witness"] == {
        "tool": "python", "host": "ml-data.s3.amazonaws.com", "port": 443, "scheme": "https",
        "flags": {"offline": False, "tracking_opt_in": False}, "path": "/datasets/public/", "method": "PUT"}


def test_a_bucket_prefix_is_proved_and_other_buckets_are_denied():
    text = S3 + only("egress-within-allowlist") + """\
  must-deny:
    - {id: other-prefixes, hosts: ml-data.s3.amazonaws.com, paths: [/datasets-old/, /secrets/]}
    - {id: no-delete, methods: DELETE}
  must-allow:
    - {id: read-imagenet, tools: python, hosts: ml-data.s3.amazonaws.com, paths: /datasets/imagenet/, methods: GET,
       ports: 443, schemes: https}
"""
    assert summary(findings(text)) == []


def test_a_widened_method_is_new_access_with_its_witness():
    base = S3 + ALL_OFF
    new = base.replace("methods: PUT,", "methods: [PUT, DELETE],")
    assert summary(findings(new, base=base)) == [
        ("policy/new-access", 7,
         "the policy now allows python -> DELETE https://ml-data.s3.amazonaws.com:443/datasets/public/ "
         "(offline=false tracking_opt_in=false) via rule 's3-publish' (line 7); the base policy (base.yaml) denied it"),
    ]


def test_anomalies_see_paths_and_methods():
    text = """\
version: 2
semantics: first-match
egress:
  - {id: hf-org, effect: allow, hosts: huggingface.co, paths: /myorg/}
  - {id: hf-org-model, effect: allow, hosts: huggingface.co, paths: /myorg/bert/, methods: GET}
  - {id: hf-uploads, effect: deny, hosts: huggingface.co, methods: [PUT, POST]}
  - {id: hf-other, effect: allow, hosts: huggingface.co, paths: /other/}
""" + ALL_OFF.replace("no-shadowed-rules: false", "no-shadowed-rules: true").replace(
        "no-conflicts: false", "no-conflicts: true")
    assert summary(findings(text)) == [
        ("policy/rule-conflict", 6,
         "rules 'hf-org' (allow, line 4) and 'hf-uploads' (deny, line 6) overlap without one containing the other: "
         "conda -> POST https://huggingface.co:443/myorg/ (offline=false tracking_opt_in=false) matches both and "
         "rule order allows it"),
        ("policy/rule-conflict", 7,
         "rules 'hf-uploads' (deny, line 6) and 'hf-other' (allow, line 7) overlap without one containing the other: "
         "conda -> POST https://huggingface.co:443/other/ (offline=false tracking_opt_in=false) matches both and "
         "rule order denies it"),
        ("policy/shadowed-rule", 5,
         "rule 'hf-org-model' never applies: every request it matches is decided first by 'hf-org' (line 4)"),
    ]


def test_conformance_checks_the_url_path_and_the_method_of_a_scoped_policy():
    policy = load_policy("""\
version: 2
allowlist:
  - {hosts: mlflow.internal.example.com, paths: /team-a/, schemes: https}
egress:
  - {id: mlflow, effect: allow, tools: mlflow, hosts: mlflow.internal.example.com, paths: /team-a/, methods: POST,
     schemes: https, when: {tracking_opt_in: true}}
""", "p.yaml")
    found = check_settings(policy, [
        Setting("MLFLOW_TRACKING_URI", "https://mlflow.internal.example.com/team-a/", ".env", 1),
        Setting("MLFLOW_TRACKING_URI", "https://mlflow.internal.example.com/team-b/", ".env", 2),
    ])
    assert [(f.location.line, f.message) for f in found] == [
        (2, "MLFLOW_TRACKING_URI https://mlflow.internal.example.com/team-b/: mlflow -> POST "
            "https://mlflow.internal.example.com:443/team-b (offline=false tracking_opt_in=true) is denied by the default deny"),
    ]


@pytest.mark.parametrize("rule, message", [
    ("paths: myorg/", "p.yaml:3: bad path 'myorg/': found no leading '/', expected an absolute path of segments "
                      "such as /myorg/ or /bucket/prefix/"),
    ("paths: huggingface.co/myorg/", "p.yaml:3: bad path 'huggingface.co/myorg/': found no leading '/', expected an "
                                     "absolute path of segments such as /myorg/ or /bucket/prefix/ (put the host under hosts:)"),
    ("paths: /a/*/b", "p.yaml:3: bad path '/a/*/b': found a wildcard ('*'), expected an absolute path of segments such "
                      "as /myorg/ or /bucket/prefix/ (a prefix already covers everything below it)"),
    ("paths: /a?x=1", "p.yaml:3: bad path '/a?x=1': found a query ('?'), expected an absolute path of segments such as "
                      "/myorg/ or /bucket/prefix/"),
    ("paths: /a//b/", "p.yaml:3: bad path '/a//b/': found an empty segment ('//'), expected an absolute path of segments "
                      "such as /myorg/ or /bucket/prefix/"),
    ("paths: /a/../b/", "p.yaml:3: bad path '/a/../b/': found a '..' segment, expected an absolute path of segments "
                        "such as /myorg/ or /bucket/prefix/"),
    ("paths: /a%zz/", "p.yaml:3: bad path '/a%zz/': found segment 'a%zz' with a character that must be percent-encoded "
                      "(or a broken '%' escape), expected an absolute path of segments such as /myorg/ or /bucket/prefix/"),
    ("paths: 5", "p.yaml:3: paths must be a string or a list of strings, found an integer 5 (quote it)"),
    ("methods: get", "p.yaml:3: unknown HTTP method 'get' (expected one of GET, HEAD, OPTIONS, POST, PUT, PATCH, "
                     "DELETE, upper case)"),
    ("methods: []", "p.yaml:3: methods must not be empty (omit the key to mean any)"),
])
def test_malformed_paths_and_methods_are_one_line_errors(rule, message):
    assert error_of(f"version: 2\negress:\n  - {{id: a, effect: allow, {rule}}}\n") == message


def test_paths_and_methods_need_version_2():
    assert error_of("version: 1\negress:\n  - id: a\n    effect: allow\n    methods: GET\n") == "p.yaml:5: 'methods' is a version 2 feature: write 'version: 2'"


def test_a_policy_without_paths_or_methods_shows_requests_as_version_1_does():
    text = "version: 2\negress:\n  - {id: a, effect: allow, tools: pip}\n" + only("egress-within-allowlist")
    found = findings(text)
    assert summary(found) == [("policy/egress-outside-allowlist", 3,
                               "rule 'a' (line 3) allows pip -> https://unlisted.example:443 "
                               "(offline=false tracking_opt_in=false), outside the allowlist")]
    assert "path" not in found[0].evidence["witness"] and "method" not in found[0].evidence["witness"]


def test_a_tracking_endpoint_is_reachable_at_some_path_and_method_or_reported_as_a_logging_post():
    text = """\
version: 2
allowlist:
  - {hosts: mlflow.internal.example.com, schemes: https}
egress:
  - {id: mlflow-api, effect: allow, tools: mlflow, hosts: mlflow.internal.example.com, paths: /api/, methods: POST,
     schemes: https, when: {tracking_opt_in: true}}
tracking:
  mlflow: {allowed_uris: [https://mlflow.internal.example.com/team-a, https://mlflow.other.example.com/x]}
""" + only("tracking-endpoints-allowed")
    assert summary(findings(text)) == [
        ("policy/tracking-endpoint-denied", 8,
         "mlflow endpoint https://mlflow.other.example.com/x is listed under tracking but mlflow -> POST "
         "https://mlflow.other.example.com:443/x (offline=false tracking_opt_in=true) is denied by the default deny"),
    ]
