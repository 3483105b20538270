"""examples/demo-repo holds one realistic hit per rule of the pack."""

from __future__ import annotations

import json

from governance_hooks import cli

from ..conftest import PROJECT

DEMO = PROJECT / "examples" / "demo-repo"
FILES = ["src/demo/train.py", "src/demo/serve.py", "src/demo/ops.py", "src/demo/features.py", "src/demo/tokenization.py"]


def test_demo_repository_has_one_hit_per_rule(capsys, monkeypatch, semgrep_exe):
    monkeypatch.chdir(DEMO)
    code = cli.main(["semgrep", "--repo", str(DEMO), "--format", "json", *FILES])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(f["path"], f["line"], f["rule_id"]) for f in report["findings"]] == [
        ("src/demo/features.py", 3, "semgrep/deprecated-import"),
        ("src/demo/ops.py", 7, "semgrep/shell-command-non-literal"),
        ("src/demo/ops.py", 11, "semgrep/eval-exec-non-literal"),
        ("src/demo/serve.py", 16, "semgrep/yaml-unsafe-load"),
        ("src/demo/serve.py", 20, "semgrep/network-call-without-timeout"),
        ("src/demo/serve.py", 21, "semgrep/joblib-load-untrusted"),
        ("src/demo/serve.py", 22, "semgrep/numpy-load-allow-pickle"),
        ("src/demo/serve.py", 27, "semgrep/pickle-load-untrusted"),
        ("src/demo/train.py", 8, "semgrep/deprecated-import"),
        ("src/demo/train.py", 14, "semgrep/mlflow-remote-tracking-uri"),
        ("src/demo/train.py", 15, "semgrep/wandb-online-mode"),
        ("src/demo/train.py", 19, "semgrep/torch-load-without-weights-only"),
        ("src/demo/train.py", 27, "semgrep/non-atomic-checkpoint-write"),
    ]
    # The repository's own migration map is what names the first one.
    assert report["findings"][0]["suggestion"] == "Use demo_text.tokenizers instead."
