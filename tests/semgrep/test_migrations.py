"""The migration-map rule generator and its validation."""

from __future__ import annotations

import pytest

from governance_hooks.semgrep.migrations import migration_rule, rule_id_for, rules_from_config


def test_rule_ids_are_kebab_case_and_configured_ones_are_prefixed():
    assert rule_id_for("transformers.tokenization_bert") == "deprecated-import-transformers-tokenization-bert"
    (rule,) = rules_from_config({"acme.tokenization": "acme_text.tokenizers"}, "pyproject.toml")
    assert rule["id"] == "deprecated-import-config-acme-tokenization"
    assert rule["message"] == "`acme.tokenization` is a deprecated import path; use acme_text.tokenizers instead."
    assert rule["pattern-either"][0] == {"pattern": "import acme.tokenization"}
    assert rule["pattern-either"][1]["patterns"][1] == {
        "metavariable-regex": {"metavariable": "$MODULE", "regex": r"^acme\.tokenization(\.|$)"}
    }


@pytest.mark.parametrize("table, message", [
    ({"acme tokenization": "x"}, "T migrations: 'acme tokenization' is not a dotted module path"),
    ({"acme.": "x"}, "T migrations: 'acme.' is not a dotted module path"),
    ({"acme.tok": 3}, "T migrations.acme.tok must be a string (the module to import instead)"),
    ({"acme.tok": "a\nb"}, "T migrations: the replacement for 'acme.tok' must be one non-empty line"),
    (["acme.tok"], 'T migrations must be a table of "old.module" = "new.module"'),
])
def test_bad_entries_are_rejected_with_the_entry_named(table, message):
    with pytest.raises(ValueError) as caught:
        rules_from_config(table, "T")
    assert str(caught.value) == message


def test_reason_goes_into_message_and_metadata():
    rule = migration_rule("distutils", "setuptools", "deprecated-import-distutils", "removed in Python 3.12")
    assert rule["message"] == "`distutils` is a deprecated import path (removed in Python 3.12); use setuptools instead."
    assert rule["metadata"] == {"governance-rule": "deprecated-import", "deprecated": "distutils",
                                "replacement": "setuptools", "reason": "removed in Python 3.12"}
