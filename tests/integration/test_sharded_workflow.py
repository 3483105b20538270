"""``examples/workflows/governance-sharded.yml`` driven by a simulated runner, jobs and matrix included.

What is simulated (everything else is the real thing): ``actions/checkout`` is
the workspace (a git repository holding ``examples/demo-repo``);
``actions/setup-python`` and the "Install governance-hooks" step are this
checkout's code, put first on ``PATH`` (the step is asserted to be a pip
install of governance-hooks); ``upload-artifact``/``download-artifact`` copy
folders; ``upload-sarif`` is the SARIF 2.1.0 schema plus code scanning's
one-run-per-category rule. Every ``run:`` step runs under bash as GitHub runs
``shell: bash``, with ``${{ matrix.* }}`` evaluated.

The merged upload must hold exactly the results of one unsharded run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import jsonschema
import pytest
import yaml

from ..conftest import PROJECT, git
from .test_action import _SHA_PIN, evaluate

pytestmark = pytest.mark.integration

WORKFLOW = PROJECT / "examples" / "workflows" / "governance-sharded.yml"


def shims(folder: Path) -> Path:
    folder.mkdir()
    script = folder / "governance-hooks"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m governance_hooks "$@"\n')
    script.chmod(0o755)
    return folder


def environment(tmp_path: Path, bin_dir: Path) -> Dict[str, str]:
    return {
        "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "PYTHONPATH": str(PROJECT / "src"), "HOME": str(tmp_path), "CI": "true", "GITHUB_ACTIONS": "true",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C.UTF-8",
        "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0",
    }


def run_job(job: dict, contexts: dict, workspace: Path, env: Dict[str, str], artifacts: Path) -> int:
    """Run one job's steps in order; returns the job's exit status (the first failing run step's)."""
    status = 0
    for step in job["steps"]:
        if "if" in step:
            assert step["if"] == "${{ !cancelled() }}", step["if"]  # runs whatever the earlier steps did
        elif status:
            continue
        uses = step.get("uses")
        if uses:
            assert _SHA_PIN.match(uses.split(" ")[0]), f"not pinned by full commit SHA: {uses}"
            action = uses.split("@")[0]
            with_ = {k: evaluate(v, contexts) for k, v in (step.get("with") or {}).items()}
            if action == "actions/upload-artifact":
                target = artifacts / with_["name"]
                shutil.copytree(workspace / with_["path"], target)
                assert any(target.iterdir()) or with_.get("if-no-files-found") != "error"
            elif action == "actions/download-artifact":
                assert with_["pattern"] == "sarif-*" and with_["merge-multiple"] is True or with_["merge-multiple"] == "True"
                into = workspace / with_["path"]
                into.mkdir(parents=True, exist_ok=True)
                for folder in sorted(artifacts.glob("sarif-*")):
                    for f in folder.iterdir():
                        shutil.copy(f, into / f.name)
            elif action == "github/codeql-action/upload-sarif":
                contexts["uploaded"] = workspace / with_["sarif_file"]
            else:
                assert action in ("actions/checkout", "actions/setup-python"), action
            continue
        if step.get("name") == "Install governance-hooks":
            assert step["run"].startswith('python -m pip install "governance-hooks'), step["run"]
            continue  # simulated: this checkout's code is first on PATH
        step_env = {**env, **{k: evaluate(v, contexts) for k, v in (step.get("env") or {}).items()}}
        assert "${{" not in step["run"], "expression inside a run script (script injection)"
        script = workspace.parent / "step.sh"
        script.write_text(step["run"])
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=step_env, capture_output=True, text=True, timeout=900)
        assert "Traceback" not in proc.stderr, proc.stderr
        if proc.returncode:
            status = status or proc.returncode
    return status


def keys(log: dict) -> List[tuple]:
    out = []
    for r in log["runs"][0]["results"]:
        loc = r["locations"][0]["physicalLocation"]
        region = loc.get("region", {})
        # Not the message: redos messages carry measured timings that differ between runs.
        out.append((r["ruleId"], loc["artifactLocation"]["uri"], region.get("startLine"), region.get("startColumn")))
    return sorted(out)


def test_sharded_jobs_merge_into_the_one_run_an_unsharded_job_would_upload(tmp_path, sarif_schema):
    workspace = tmp_path / "workspace"
    shutil.copytree(PROJECT / "examples" / "demo-repo", workspace)
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "demo")
    env = environment(tmp_path, shims(tmp_path / "bin"))
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["permissions"] == {}
    check, upload = workflow["jobs"]["check"], workflow["jobs"]["upload"]
    assert check["permissions"] == {"contents": "read"} and check["strategy"]["fail-fast"] is False
    assert upload["needs"] == "check" and upload["permissions"] == {"security-events": "write", "actions": "read"}

    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    statuses = {}
    for entry in check["strategy"]["matrix"]["include"]:
        job_workspace = tmp_path / "jobs" / entry["name"] / "workspace"
        shutil.copytree(workspace, job_workspace, symlinks=True)  # each job has its own checkout
        statuses[entry["name"]] = run_job(check, {"matrix": entry}, job_workspace, env, artifacts)
    # Findings fail a shard (exit 1); nothing may fail to run (exit 2).
    assert set(statuses.values()) <= {0, 1} and 1 in statuses.values(), statuses

    upload_workspace = tmp_path / "jobs" / "upload" / "workspace"
    upload_workspace.mkdir(parents=True)
    contexts: dict = {}
    assert run_job(upload, contexts, upload_workspace, env, artifacts) == 0
    merged = json.loads(Path(contexts["uploaded"]).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(sarif_schema).validate(merged)
    assert len(merged["runs"]) == 1  # code scanning: one run per tool and category
    run = merged["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    prints = [r["partialFingerprints"]["governanceHooks/v1"] for r in run["results"]]
    assert len(prints) == len(set(prints))

    reference = subprocess.run(["governance-hooks", "run", "--format", "sarif"], cwd=workspace, env=env,
                               capture_output=True, text=True, timeout=900)
    assert reference.returncode == 1, reference.stderr
    unsharded = json.loads(reference.stdout)
    assert keys(merged) == keys(unsharded)
    assert {r["ruleId"].split("/")[0] for r in run["results"]} >= {"codeowners", "manifest", "semgrep"}


def test_merge_refuses_what_is_not_governance_hooks_sarif(tmp_path, capsys):
    from governance_hooks.report.sarif_merge import main

    other = tmp_path / "other.sarif"
    other.write_text(json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "eslint"}}, "results": []}]}))
    assert main([str(tmp_path / "out.sarif"), str(other)]) == 2
    assert capsys.readouterr().err == f"governance-hooks sarif-merge: error: {other}: a run of 'eslint', not governance-hooks\n"
    assert not (tmp_path / "out.sarif").exists()
