import pytest

from governance_hooks import cli, commands, rules
from governance_hooks.findings import Severity

from . import fake_check

FAKE_RULES = (
    rules.Rule("fake/bad-thing", Severity.ERROR, "A bad thing.", "Bad things are bad."),
    rules.Rule("fake/odd-thing", Severity.WARNING, "An odd thing."),
    rules.Rule("fake/note-thing", Severity.NOTE, "A thing to note."),
)


@pytest.fixture
def fake_cli(monkeypatch):
    """Make ``governance-hooks fake`` a check backed by :mod:`fake_check`."""
    real_module = commands.command_module
    real_rules_of = rules.rules_of

    def command_module(name):
        return fake_check if name == "fake" else real_module(name)

    def rules_of(check):
        return FAKE_RULES + (rules.internal_error_rule("fake"),) if check == "fake" else real_rules_of(check)

    monkeypatch.setattr(commands, "command_module", command_module)
    monkeypatch.setattr(cli, "CHECKS", ("fake",))
    monkeypatch.setattr(commands, "CHECKS", ("fake",))
    monkeypatch.setattr(rules, "CHECKS", rules.CHECKS + ("fake",))
    monkeypatch.setattr(rules, "rules_of", rules_of)
    return cli.main
