"""SMT-LIB2 expert mode: expected results both ways, and hostile files."""

from __future__ import annotations

import time

import pytest

from governance_hooks.policy.smtlib import SmtOptions, SmtSyntaxError, check_smt, parse_sexprs

HEADER = """\
(set-logic QF_UF)
(declare-const online_allowlist Bool)
(declare-const host_allowlisted Bool)
(declare-const admin_perms Bool)
(declare-const action_readonly Bool)
(declare-const action_admin Bool)
(define-fun admissible () Bool
  (and (=> online_allowlist host_allowlisted)
       (not (and action_readonly action_admin))
       (=> action_admin admin_perms)))
"""


def run(text: str, **options):
    return check_smt(text, "policy.smt2", SmtOptions(**options))


def test_expected_unsat_holds():
    text = "(set-info :status unsat)\n" + HEADER + "(assert admissible)\n(assert (and action_admin (not admin_perms)))\n(check-sat)\n"
    assert run(text) == ([], "as-expected")


def test_expected_sat_holds():
    text = "(set-info :status sat)\n" + HEADER + "(assert admissible)\n(assert action_readonly)\n(check-sat)\n"
    assert run(text) == ([], "as-expected")


def test_unexpected_sat_reports_the_model():
    # Claim: an admissible request never reaches a host outside the allowlist. Wrong: the allowlist may be off.
    text = ("(set-info :status unsat)\n" + HEADER
            + "(assert admissible)\n(assert (not host_allowlisted))\n(assert (not action_readonly))\n(check-sat)\n")
    found, outcome = run(text)
    assert outcome == "unexpected"
    [f] = found
    assert (f.rule_id, f.location.line) == ("policy/smt-unexpected-result", 15)
    assert f.evidence["expected"] == "unsat" and f.evidence["result"] == "sat"
    model = f.evidence["model"]
    assert model["online_allowlist"] == "false" and model["host_allowlisted"] == "false"
    assert model["action_readonly"] == "false"
    assert f.message.startswith("expected unsat but z3 found a model: ")
    assert "host_allowlisted=false" in f.message and "online_allowlist=false" in f.message


def test_unexpected_unsat_reports_the_unsat_core_over_named_assertions():
    text = ("(set-info :status sat)\n" + HEADER
            + "(assert (! admissible :named is-admissible))\n"
            + "(assert (! action_admin :named wants-admin))\n"
            + "(assert (! (not admin_perms) :named no-perms))\n"
            + "(assert (! online_allowlist :named online))\n"
            + "(check-sat)\n")
    found, outcome = run(text)
    assert outcome == "unexpected"
    [f] = found
    assert f.message == ("expected sat but the assertions are unsatisfiable; unsat core: is-admissible (line 12), "
                         "wants-admin (line 13), no-perms (line 14)")
    assert f.evidence == {"expected": "sat", "result": "unsat", "unsat_core": ["is-admissible", "wants-admin", "no-perms"]}
    assert f.location.line == 16


@pytest.mark.parametrize("command, name", [
    ('(include "/etc/passwd")', "include"),
    ("(push 1)", "push"),
    ("(eval admin_perms)", "eval"),
    ("(define-fun-rec f ((x Int)) Int (f x))", "define-fun-rec"),
    ("(check-sat-using smt)", "check-sat-using"),
])
def test_hostile_commands_are_refused_before_z3_runs(command, name):
    text = "(set-info :status sat)\n" + HEADER + command + "\n(check-sat)\n"
    found, outcome = run(text)
    assert outcome == "refused"
    assert [(f.rule_id, f.location.line) for f in found] == [("policy/smt-refused", 12)]
    assert found[0].message.startswith(f"command '{name}' is not allowed")


@pytest.mark.parametrize("option", ['(set-option :timeout 0)', '(set-option :regular-output-channel "/tmp/x")',
                                    "(set-option :smt.random_seed 3)"])
def test_options_other_than_harmless_ones_are_refused(option):
    text = "(set-info :status sat)\n" + HEADER + option + "\n(check-sat)\n"
    found, outcome = run(text)
    assert outcome == "refused"
    assert found[0].message.startswith(f"option {option.split()[1]!r} is not allowed")


def test_standard_benchmark_commands_are_accepted():
    # What ends every SMT-LIB benchmark: harmless options, output commands and (exit).
    text = ("(set-info :smt-lib-version 2.6)\n(set-option :produce-models true)\n(set-info :status sat)\n" + HEADER
            + "(assert action_readonly)\n(check-sat)\n(get-model)\n(get-info :reason-unknown)\n(exit)\n(push 1)\n")
    assert run(text) == ([], "as-expected")


def test_conflicting_status_and_missing_check_sat_are_invalid():
    found, outcome = run("(set-info :status sat)\n(set-info :status unsat)\n(declare-const a Bool)\n(check-sat)\n")
    assert (outcome, [(f.rule_id, f.location.line, f.message) for f in found]) == ("invalid", [(
        "policy/smt-invalid", 2, "two (set-info :status ...) lines disagree: sat on line 1, unsat on line 2; keep one")])
    found, outcome = run("(set-info :status sat)\n(declare-const a Bool)\n(assert a)\n")
    assert (outcome, [(f.rule_id, f.location.line, f.message) for f in found]) == ("invalid", [(
        "policy/smt-invalid", 1, "no (check-sat): the file must end with one (check-sat), found none")])


def test_commands_after_check_sat_are_refused():
    found, outcome = run("(set-info :status sat)\n(declare-const a Bool)\n(check-sat)\n(assert a)\n")
    assert outcome == "refused"
    assert found[0].message == "'assert' after check-sat: one check-sat, as the last command"


@pytest.mark.parametrize("text, rule, message, line", [
    ("(declare-const a Bool)\n(check-sat)\n", "policy/smt-invalid",
     "no expected result: add (set-info :status sat) or (set-info :status unsat)", 1),
    ("(set-info :status maybe)\n", "policy/smt-invalid", "(set-info :status ...) must be sat or unsat, found 'maybe'", 1),
    ("(set-info :status sat)\n(assert (and a\n", "policy/smt-invalid", "unbalanced '(' (file ends inside a command)", 2),
    ("(set-info :status sat)\n)\n", "policy/smt-invalid", "unbalanced ')'", 2),
    ("(set-info :status sat)\nassert\n", "policy/smt-invalid", "unexpected 'assert' outside a command", 2),
    ('(set-info :status sat)\n(echo "x\n', "policy/smt-invalid", "unterminated string literal", 2),
    ("(set-info :status sat)\n(assert undeclared)\n(check-sat)\n", "policy/smt-invalid",
     "z3 rejected the file: unknown constant undeclared", 2),
])
def test_malformed_files_are_findings(text, rule, message, line):
    found, outcome = run(text)
    assert outcome == "invalid"
    assert [(f.rule_id, f.location.line) for f in found] == [(rule, line)]
    if message is not None:
        assert found[0].message == message
    else:
        assert found[0].message.startswith("z3 rejected the file: ")


def test_huge_and_deep_inputs_are_refused_quickly():
    start = time.monotonic()
    huge = "(set-info :status sat)\n" + "(declare-const a Bool)\n" * 60_000
    found, outcome = run(huge)
    assert outcome == "refused" and found[0].message == "file larger than 1048576 bytes is not run"
    deep = "(set-info :status sat)\n(assert " + "(not " * 500 + "true" + ")" * 501 + "\n"
    found, outcome = run(deep)
    assert outcome == "refused" and found[0].message == "nested deeper than 128"
    many = "(set-info :status sat)\n(assert (and " + "true " * 210_000 + "))\n"
    found, outcome = run(many[: 1024 * 1024])
    assert outcome == "refused" and found[0].message == "more than 200000 tokens"
    assert time.monotonic() - start < 10


def test_hard_problem_hits_the_resource_limit_not_the_clock():
    text = """(set-info :status unsat)
(declare-const x (_ BitVec 64))
(declare-const y (_ BitVec 64))
(assert (= (bvmul x y) #x1234567890abcdef))
(assert (bvugt x #x0000000000000001))
(assert (bvugt y #x0000000000000001))
(check-sat)
"""
    found, outcome = run(text, rlimit=1000)
    assert outcome == "unknown"
    assert [(f.rule_id, f.severity.label) for f in found] == [("policy/analysis-incomplete", "error")]
    found, _ = run(text, rlimit=1000, allow_unknown=True)
    assert found[0].severity.label == "warning"


def test_sexpr_parser_keeps_lines_spans_comments_and_quoted_symbols():
    text = '; comment (with parens\n(declare-const |odd name)| Bool) ; trailing\n(assert\n  (= |odd name)| true))\n'
    commands = parse_sexprs(text)
    assert [c.line for c in commands] == [2, 3]
    assert text[commands[0].start:commands[0].end] == "(declare-const |odd name)| Bool)"
    assert commands[0].items[1].text == "|odd name)|"
    with pytest.raises(SmtSyntaxError):
        parse_sexprs("(a |unterminated)")


def test_demo_smt_file_is_as_expected():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "demo-repo" / ".governance" / "admissible.smt2"
    assert check_smt(path.read_text(encoding="utf-8"), ".governance/admissible.smt2") == ([], "as-expected")


def test_inputs_that_make_z3_ignore_its_limits_are_stopped_by_the_worker():
    # Chained bvmul definitions keep z3's rewriter busy past rlimit and timeout (and can crash it in
    # process); the worker's wall-clock limit turns that into an undecided result, never a hang.
    lines = ["(set-info :status sat)", "(declare-const y (_ BitVec 64))", "(define-fun f0 () (_ BitVec 64) y)"]
    lines += [f"(define-fun f{i} () (_ BitVec 64) (bvmul f{i - 1} f{i - 1}))" for i in range(1, 120)]
    lines += ["(assert (= f119 #x0000000000000001))", "(check-sat)"]
    start = time.monotonic()
    found, outcome = run("\n".join(lines), timeout=2)
    assert time.monotonic() - start < 15
    assert outcome == "unknown"
    assert found[0].rule_id == "policy/analysis-incomplete"
    assert found[0].location.line == 124
    assert "z3 did not finish within 2 s" in found[0].message or "stopped abnormally" in found[0].message
