"""Conformance scan: configured endpoints checked against the policy, at exact lines."""

from __future__ import annotations

from governance_hooks.policy.conformance import conformance, scan_env, scan_python, scan_requirements, scan_yaml

from .helpers import policy

POLICY = policy("""\
version: 1
allowlist:
  - hosts: [pypi.org, mlflow.internal.example.com, api.wandb.ai]
    ports: 443
    schemes: https
egress:
  - {id: pip, effect: allow, tools: pip, hosts: pypi.org, ports: 443, schemes: https, when: {offline: false}}
  - {id: mlflow, effect: allow, tools: mlflow, hosts: mlflow.internal.example.com, ports: 443, schemes: https,
     when: {offline: false, tracking_opt_in: true}}
  - {id: wandb, effect: allow, tools: wandb, hosts: api.wandb.ai, ports: 443, schemes: https,
     when: {offline: false, tracking_opt_in: true}}
tracking:
  mlflow:
    allowed_uris: [file:./mlruns, https://mlflow.internal.example.com/tracking]
  wandb:
    mode: offline
    base_urls: [https://api.wandb.ai]
""", ".governance/policy.yaml")


def test_scanners_find_settings_at_exact_lines():
    env = 'A=1\nexport MLFLOW_TRACKING_URI="http://m.example.com:5000"  \nWANDB_MODE=online # team default\nWANDB_BASE_URL=${URL}\n'
    assert [(s.key, s.value, s.line, s.column) for s in scan_env(env, ".env")] == [
        ("MLFLOW_TRACKING_URI", "http://m.example.com:5000", 2, 28),
        ("WANDB_MODE", "online", 3, 12),
    ]
    req = "numpy==2.0\n--index-url https://mirror.example.com/simple\n-i=https://x.example.com\n--extra-index-url https://pypi.org/simple\n"
    assert [(s.value, s.line) for s in scan_requirements(req, "requirements.txt")] == [
        ("https://mirror.example.com/simple", 2), ("https://x.example.com", 3), ("https://pypi.org/simple", 4)]
    workflow = ("on: push\njobs:\n  train:\n    runs-on: ubuntu-latest\n    env:\n      WANDB_MODE: online\n"
                "      MLFLOW_TRACKING_URI: ${{ secrets.URI }}\n    steps:\n      - run: make\n        env:\n"
                "          WANDB_BASE_URL: https://wandb.example.com\n")
    assert sorted((s.key, s.value, s.line) for s in scan_yaml(workflow, ".github/workflows/t.yml")) == [
        ("WANDB_BASE_URL", "https://wandb.example.com", 11), ("WANDB_MODE", "online", 6)]
    k8s = "spec:\n  containers:\n    - env:\n        - name: WANDB_MODE\n          value: online\n        - name: OTHER\n          value: x\n"
    assert [(s.key, s.value, s.line) for s in scan_yaml(k8s, "deploy.yaml")] == [("WANDB_MODE", "online", 5)]
    compose = "services:\n  app:\n    environment:\n      - MLFLOW_TRACKING_URI=http://mlflow:5000\n---\nx: 1\n"
    assert [(s.value, s.line) for s in scan_yaml(compose, "compose.yaml")] == [("http://mlflow:5000", 4)]
    code = ("import mlflow, os, wandb\nmlflow.set_tracking_uri(\n    'https://m.example.com')\n"
            "wandb.init(project='p', mode='online')\nos.environ['WANDB_MODE'] = 'offline'\n"
            "os.environ.setdefault('WANDB_BASE_URL', 'https://w.example.com')\nmlflow.set_tracking_uri(uri_var)\n")
    assert [(s.key, s.value, s.line, s.column) for s in scan_python(code, "train.py")] == [
        ("MLFLOW_TRACKING_URI", "https://m.example.com", 3, 5),
        ("WANDB_MODE", "online", 4, 30),
        ("WANDB_MODE", "offline", 5, 28),
        ("WANDB_BASE_URL", "https://w.example.com", 6, 41),
    ]


def test_broken_inputs_are_skipped_not_fatal():
    assert list(scan_yaml("a: [\n", "x.yaml")) == []
    assert list(scan_python("def (:\n", "x.py")) == []
    assert list(scan_env("\x00\xff garbage", ".env")) == []


def test_conformance_reports_each_violation_at_its_line(make_repo):
    root = make_repo({
        ".env": "MLFLOW_TRACKING_URI=http://mlflow.example.com:5000\nWANDB_MODE=online\n",
        ".env.local": "MLFLOW_TRACKING_URI=file:./mlruns\nWANDB_MODE=offline\n",
        "configs/run.yaml": "env:\n  MLFLOW_TRACKING_URI: https://mlflow.internal.example.com/tracking/exp1\n"
                            "  WANDB_BASE_URL: https://wandb.example.com\n",
        "requirements.txt": "--index-url https://pypi.org/simple\n--extra-index-url http://mirror.example.com/simple\n",
        "train.py": "import mlflow\nmlflow.set_tracking_uri('https://mlflow.internal.example.com')\n",
        "notes.md": "MLFLOW_TRACKING_URI=http://ignored.example.com\n",
        "ok.py": "x = 1  # governance: ignore\n",
        "local.env": "MLFLOW_TRACKING_URI=http://localhost:5000\nWANDB_BASE_URL=http://127.0.0.1:8080\n",
    })
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    found, scanned = conformance(POLICY, root, files)
    assert scanned == 11
    assert sorted((f.location.path, f.location.line, f.rule_id, f.message) for f in found) == [
        (".env", 1, "policy/endpoint-not-allowed",
         "MLFLOW_TRACKING_URI http://mlflow.example.com:5000 is not listed under tracking.mlflow.allowed_uris"),
        (".env", 2, "policy/wandb-online-mode",
         "WANDB_MODE=online turns W&B online by default; the policy requires offline unless the user opts in (tracking_opt_in)"),
        ("configs/run.yaml", 3, "policy/endpoint-not-allowed",
         "WANDB_BASE_URL https://wandb.example.com is not listed under tracking.wandb.base_urls"),
        ("requirements.txt", 2, "policy/endpoint-not-allowed",
         "index-url http://mirror.example.com/simple: pip -> http://mirror.example.com:80 (offline=false "
         "tracking_opt_in=false) is denied by the default deny"),
        ("train.py", 2, "policy/endpoint-not-allowed",
         "MLFLOW_TRACKING_URI https://mlflow.internal.example.com is not listed under tracking.mlflow.allowed_uris"),
    ]
