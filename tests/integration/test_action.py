"""``action.yml`` driven for real: its ``run:`` steps executed in order by bash under a simulated runner.

What is simulated, and how (everything else is the real thing):

* ``uses:`` steps are skipped; ``actions/setup-python`` "outputs" ``python-path``
  as this interpreter. Every other step runs with bash exactly as GitHub runs
  ``shell: bash`` (``bash --noprofile --norc -eo pipefail {0}``), with fresh
  ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` files per step.
* ``${{ ... }}`` expressions in ``env:``, input defaults and outputs are
  evaluated for plain context paths (``inputs.x``, ``steps.id.outputs.y``,
  ``github.event...``); anything fancier fails the test, which keeps the
  Action's expressions simple enough to read.
* ``GITHUB_ACTION_PATH`` is a copy of this checkout. The install step really
  creates a virtual environment and ``pip install``s that copy into it; to
  stay offline and fast, ``PIP_NO_INDEX=1`` and ``PIP_NO_BUILD_ISOLATION=0``
  are set (when this environment has the build backend; see
  :func:`offline_build_env`) and ``PYTHONPATH`` holds a view of this environment's
  site-packages *without* governance_hooks, so dependencies resolve from it
  while the code that runs is the freshly installed copy (asserted below).
* The inputs are the ``with:`` of the governance step of
  ``examples/workflows/governance.yml``, the workflow the README shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any, Dict, List, Optional

import jsonschema
import pytest
import yaml

from ..conftest import PROJECT, git
from .conftest import copy_checkout

pytestmark = pytest.mark.integration

EXAMPLE = PROJECT / "examples" / "workflows" / "governance.yml"
_EXPRESSION = re.compile(r"\$\{\{([^}$]*)\}\}")  # no braces or `$` inside the expressions simulated here
_CONTEXT_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")
_SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def evaluate(text: Any, contexts: Dict[str, Any]) -> str:
    """Substitute ``${{ context.path }}``; a missing property is ``''`` as in GitHub's string coercion of null."""

    def value_of(match: "re.Match[str]") -> str:
        expression = match.group(1).strip()
        assert _CONTEXT_PATH.match(expression), f"expression beyond the simulated runner: {expression!r}"
        value: Any = contexts
        for part in expression.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return "" if value is None else str(value)

    return _EXPRESSION.sub(value_of, str(text))


def parse_output_file(path: Path) -> Dict[str, str]:
    """``$GITHUB_OUTPUT`` as the runner reads it: ``name=value`` lines and ``name<<DELIM`` blocks."""
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    values: Dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


class SimulatedRunner:
    """Runs a composite action's steps; keeps each step's outputs, summary and printed lines."""

    def __init__(self, action_path: Path, workspace: Path, runner_temp: Path, work: Path, github: Dict[str, Any],
                 pythonpath: Path):
        self.action_path, self.workspace, self.runner_temp, self.work = action_path, workspace, runner_temp, work
        self.pythonpath = pythonpath
        self.github = github
        self.steps: Dict[str, Dict[str, Any]] = {}
        self.summaries: List[str] = []
        self.stdout: Dict[str, str] = {}
        self.exit_code = 0
        self.failed_step: Optional[str] = None

    def describe(self) -> str:
        """Each step's outcome and stderr, for assertion messages."""
        return "\n".join(f"[{sid}] {st.get('outcome')}: {st.get('stderr', '')[-2000:]}" for sid, st in self.steps.items())

    def base_env(self) -> Dict[str, str]:
        git_dir = str(Path(shutil.which("git")).parent)
        return {
            "PATH": os.pathsep.join(dict.fromkeys([git_dir, "/usr/bin", "/bin"])),
            "HOME": str(self.work / "home"),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_EVENT_NAME": self.github["event_name"],
            "RUNNER_TEMP": str(self.runner_temp),
            "RUNNER_OS": "Linux",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "PYTHONPATH": str(self.pythonpath),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            **offline_build_env(),
        }

    def run(self, action: Dict[str, Any], given: Dict[str, str]) -> Dict[str, str]:
        """Run every step; returns the action's outputs."""
        (self.work / "home").mkdir(parents=True, exist_ok=True)
        contexts: Dict[str, Any] = {"github": self.github, "runner": {"temp": str(self.runner_temp), "os": "Linux"}}
        inputs = {}
        for name, spec in action["inputs"].items():
            inputs[name] = evaluate(given[name], contexts) if name in given else evaluate(spec.get("default", ""), contexts)
        unknown = set(given) - set(action["inputs"])
        assert not unknown, f"the workflow passes inputs the Action does not declare: {unknown}"
        contexts["inputs"] = inputs
        contexts["steps"] = self.steps
        for index, step in enumerate(action["runs"]["steps"]):
            step_id = step.get("id", f"__{index}")
            if "uses" in step:
                assert _SHA_PIN.match(step["uses"]), f"not pinned by full commit SHA: {step['uses']}"
                outputs = {"python-path": sys.executable} if step["uses"].startswith("actions/setup-python@") else {}
                self.steps[step_id] = {"outputs": outputs, "outcome": "skipped"}
                continue
            if self.failed_step is not None:
                continue
            self._run_step(step_id, step, contexts)
        return {name: evaluate(spec["value"], contexts) for name, spec in action["outputs"].items()}

    def _run_step(self, step_id: str, step: Dict[str, Any], contexts: Dict[str, Any]) -> None:
        assert step.get("shell") == "bash", f"step {step_id}: run steps must say shell: bash"
        assert "${{" not in step["run"], f"step {step_id}: expression inside a run script (script injection)"
        files = {name: self.work / f"{step_id}.{name}" for name in ("output", "summary", "env", "path")}
        for f in files.values():
            f.write_text("", encoding="utf-8")
        env = self.base_env()
        env.update({"GITHUB_OUTPUT": str(files["output"]), "GITHUB_STEP_SUMMARY": str(files["summary"]),
                    "GITHUB_ENV": str(files["env"]), "GITHUB_PATH": str(files["path"])})
        env.update({k: evaluate(v, contexts) for k, v in (step.get("env") or {}).items()})
        script = self.work / f"{step_id}.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600)
        self.stdout[step_id] = proc.stdout
        self.steps[step_id] = {"outputs": parse_output_file(files["output"]),
                               "outcome": "success" if proc.returncode == 0 else "failure", "stderr": proc.stderr}
        self.summaries.append(files["summary"].read_text(encoding="utf-8"))
        assert files["env"].read_text() == "" and files["path"].read_text() == "", "the Action must not alter the job's environment"
        if proc.returncode != 0:
            self.exit_code, self.failed_step = proc.returncode, step_id


def offline_build_env() -> Dict[str, str]:
    """pip settings for an offline build, when this environment has the build backend.

    The project builds with ``setuptools>=77`` (SPDX ``license`` strings, PEP 639).
    With it importable from the dependency view, pip builds without isolation
    and without an index; otherwise pip fetches the backend from the package
    index as it would on a runner.
    """
    from importlib.metadata import PackageNotFoundError, version

    def at_least(name: str, wanted: tuple) -> bool:
        try:
            parts = tuple(int(p) for p in re.findall(r"\d+", version(name))[:3])
        except PackageNotFoundError:
            return False
        return parts >= wanted

    if at_least("setuptools", (77,)):
        return {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    return {}


@pytest.fixture(scope="module")
def dependency_view(tmp_path_factory) -> Path:
    """A folder of symlinks to this environment's installed distributions, minus governance_hooks."""
    view = tmp_path_factory.mktemp("site-view")
    for folder in dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]):
        for entry in Path(folder).iterdir():
            name = entry.name.lower()
            if name.startswith(("governance_hooks", "__editable__", "_governance")) or name.endswith(".pth"):
                continue
            if not (view / entry.name).exists():
                (view / entry.name).symlink_to(entry)
    return view


def example_workflow() -> Dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def governance_step(workflow: Dict[str, Any]) -> Dict[str, Any]:
    steps = workflow["jobs"]["governance"]["steps"]
    return next(s for s in steps if s.get("id") == "governance")


@pytest.fixture(scope="module")
def action_checkout(tmp_path_factory) -> Path:
    """A copy of this checkout, as the runner downloads the Action's repository at its ref."""
    return copy_checkout(tmp_path_factory.mktemp("action") / "governance-hooks")


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory) -> Path:
    """One job's RUNNER_TEMP: the second use of the Action in the module reuses its environment."""
    return tmp_path_factory.mktemp("runner-temp")


def _codeowners() -> str:
    lines = ["* @acme/platform"] + [f"/d{i:02d}/ owner{i:02d}" for i in range(1, 13)] + ["/gone/ @acme/ghosts"]
    return "\n".join(lines) + "\n"


def _files() -> Dict[str, str]:
    files = {"CODEOWNERS": _codeowners(),
             "logs/train.ndjson": '{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": true}\n{"loss": 0.1}\n'}
    files.update({f"d{i:02d}/f.txt": "x\n" for i in range(1, 13)})
    return files


def _run(action_checkout, runner_temp, view, tmp_path, workspace, github, extra_inputs=None, example=True):
    """Run the Action with the example workflow's inputs (``example=False``: only ``extra_inputs``)."""
    action = yaml.safe_load((action_checkout / "action.yml").read_text(encoding="utf-8"))
    given = {k: str(v) for k, v in (governance_step(example_workflow()).get("with") or {}).items()} if example else {}
    given.update(extra_inputs or {})
    work = tmp_path / "steps"
    work.mkdir(parents=True)
    runner = SimulatedRunner(action_checkout, workspace, runner_temp, work, github, view)
    outputs = runner.run(action, given)
    installed = subprocess.run(
        [str(runner_temp / "governance-hooks-venv" / "bin" / "python"), "-c", "import governance_hooks; print(governance_hooks.__file__)"],
        env=runner.base_env(), capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert installed.startswith(str(runner_temp / "governance-hooks-venv")), installed
    return runner, outputs


def _annotations(text: str) -> List[str]:
    return [line for line in text.splitlines() if line.startswith(("::error ", "::warning ", "::notice "))]


def _check_sarif(path: Path, schema: dict) -> dict:
    log = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert rules and all(r["shortDescription"]["text"] and r["fullDescription"]["text"] for r in rules)
    ids = [r["id"] for r in rules]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert re.fullmatch(r"[0-9a-f]{64}(:[0-9]+)?", result["partialFingerprints"]["governanceHooks/v1"])
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%" and not artifact["uri"].startswith(("/", "file:"))
    fingerprints = [r["partialFingerprints"]["governanceHooks/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)  # code scanning merges alerts that share one
    return log


def test_push_run_reports_annotations_summary_outputs_and_sarif(
    action_checkout, runner_temp, dependency_view, tmp_path, make_repo, sarif_schema,
):
    workspace = make_repo(_files(), name="workspace")
    head = git(workspace, "rev-parse", "HEAD").strip()
    github = {"event_name": "push", "sha": head, "event": {}}
    runner, outputs = _run(action_checkout, runner_temp, dependency_view, tmp_path, workspace, github)

    assert (runner.failed_step, runner.exit_code) == ("run", 1), runner.describe()  # findings fail the step
    assert outputs == {  # noqa
        "findings": "15", "errors": "14",
        "sarif-file": str(runner_temp / "governance-hooks.sarif"),
        "report-file": str(runner_temp / "governance-hooks-report" / "report.json"),
    }
    assert runner.steps["run"]["outputs"]["exit-code"] == "1"

    annotations = _annotations(runner.stdout["run"])
    assert len(annotations) == 15
    assert annotations[0] == (
        "::error file=CODEOWNERS,line=2,endLine=2,col=7,endColumn=14,title=codeowners/invalid-owner::"
        "owner `owner01` lacks its `@`; it is not a user, team or email: the line is skipped%0ASuggestion: @owner01"
    )
    assert annotations[-1].startswith("::error file=logs/train.ndjson,line=3,")
    assert ",title=metrics/schema-violation::$: missing required key 'epoch'" in annotations[-1]
    assert sum(a.startswith("::warning file=CODEOWNERS,line=14,") for a in annotations) == 1

    summary = "".join(runner.summaries)
    assert "| codeowners | fail | 12 | 1 | 0 |" in summary
    assert "| metrics | fail | 2 | 0 | 0 |" in summary
    assert "| policy | skipped (no .governance/policy.yaml) | 0 | 0 | 0 |" in summary
    assert "4 errors are listed here but not annotated" in summary
    assert summary.count("| `CODEOWNERS:") == 13 and summary.count("| `logs/train.ndjson:") == 2
    assert len(summary.encode("utf-8")) <= 1024 * 1024

    log = _check_sarif(Path(outputs["sarif-file"]), sarif_schema)
    assert len(log["runs"][0]["results"]) == 15
    report = json.loads(Path(outputs["report-file"]).read_text(encoding="utf-8"))
    assert [c["check"] for c in report["checks"]] == ["codeowners", "redos", "metrics", "policy", "manifest", "checkpoint", "semgrep"]
    assert report["git"] == {"commit": head, "dirty": False}
    assert report["scope"] == {"changed_since": None, "staged": False, "changed_files": None, "baseline": None}
    assert (runner.steps["run"]["outputs"]["findings"], report["totals"]) == ("15", {"error": 14, "warning": 1, "note": 0})


def test_pull_request_in_a_shallow_clone_with_changed_since_and_a_baseline(
    action_checkout, runner_temp, dependency_view, tmp_path, make_repo, sarif_schema,
):
    from governance_hooks import cli

    origin = make_repo(_files(), name="origin")
    (origin / ".governance").mkdir()
    assert cli.main(["run", str(origin), "--checks", "codeowners", "--write-baseline",
                     str(origin / ".governance" / "baseline.json"), "--output", os.devnull]) == 0
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "accept the existing CODEOWNERS findings")
    base = git(origin, "rev-parse", "HEAD").strip()
    git(origin, "checkout", "-q", "-b", "feature")
    # The pull request shifts every CODEOWNERS line by two, adds one broken rule and one broken log.
    (origin / "CODEOWNERS").write_text("# Owners\n\n" + _codeowners() + "/d01/ newowner\n", encoding="utf-8")
    (origin / "logs" / "new.ndjson").write_text('{"epoch": "x1"}\n', encoding="utf-8")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "pull request")
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", "--depth", "1", "-b", "feature", f"file://{origin}", str(workspace))
    with pytest.raises(subprocess.CalledProcessError):
        git(workspace, "cat-file", "-e", f"{base}^{{commit}}")  # shallow: the base is not there yet

    github = {"event_name": "pull_request", "sha": git(workspace, "rev-parse", "HEAD").strip(),
              "event": {"pull_request": {"base": {"sha": base}}}}
    runner, outputs = _run(action_checkout, runner_temp, dependency_view, tmp_path, workspace, github,
                           {"baseline": ".governance/baseline.json"})

    assert (runner.failed_step, runner.exit_code) == ("run", 1), runner.describe()
    assert (outputs["findings"], outputs["errors"]) == ("2", "2")
    annotations = _annotations(runner.stdout["run"])
    assert len(annotations) == 2
    assert annotations[0] == (
        "::error file=CODEOWNERS,line=17,endLine=17,col=7,endColumn=15,title=codeowners/invalid-owner::"
        "owner `newowner` lacks its `@`; it is not a user, team or email: the line is skipped%0ASuggestion: @newowner"
    )
    assert annotations[1].startswith("::error file=logs/new.ndjson,line=1,")
    assert ',title=metrics/schema-violation::$.epoch: "x1" does not match the pattern ^[0-9]+$' in annotations[1]
    summary = "".join(runner.summaries)
    assert "| codeowners | fail | 1 | 0 | 0 |" in summary and "| metrics | fail | 1 | 0 | 0 |" in summary
    assert "not annotated" not in summary
    log = _check_sarif(Path(outputs["sarif-file"]), sarif_schema)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["codeowners/invalid-owner", "metrics/schema-violation"]
    report = json.loads(Path(outputs["report-file"]).read_text(encoding="utf-8"))
    assert report["scope"] == {"changed_since": base, "staged": False, "changed_files": 2,
                               "baseline": ".governance/baseline.json"}
    rows = {c["check"]: c for c in report["checks"]}
    assert rows["codeowners"]["baselined"] == 13
    assert [i["path"] for i in rows["metrics"]["inputs"]] == ["logs/new.ndjson"]  # train.ndjson is outside the diff


def test_example_workflow_is_what_the_docs_show_and_uploads_the_actions_sarif():
    workflow = example_workflow()
    permissions = workflow["jobs"]["governance"]["permissions"]
    assert permissions == {"contents": "read", "security-events": "write", "actions": "read"}
    assert workflow["permissions"] == {}
    upload = next(s for s in workflow["jobs"]["governance"]["steps"] if "upload-sarif" in s.get("uses", ""))
    assert _SHA_PIN.match(upload["uses"])
    assert upload["with"]["sarif_file"] == "${{ steps.governance.outputs.sarif-file }}"
    assert "!cancelled()" in upload["if"]  # upload even when the governance step failed on findings
    docs = (PROJECT / "docs" / "action.md").read_text(encoding="utf-8")
    assert "```yaml\n" + EXAMPLE.read_text(encoding="utf-8") + "```" in docs
    readme = PROJECT / "README.md"
    if "upload-sarif" in readme.read_text(encoding="utf-8"):
        assert "```yaml\n" + EXAMPLE.read_text(encoding="utf-8") + "```" in readme.read_text(encoding="utf-8")


def test_no_expression_inside_any_run_script():
    for path in (PROJECT / "action.yml", EXAMPLE, PROJECT / ".github" / "workflows" / "self-test.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        steps = document["runs"]["steps"] if "runs" in document else [
            s for job in document["jobs"].values() for s in job["steps"]]
        for step in steps:
            assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name')}"


def test_self_test_workflow_on_the_demo_repository(action_checkout, runner_temp, dependency_view, tmp_path):
    """The self-test job of .github/workflows/self-test.yml, both steps, with ./ as this checkout."""
    workflow = yaml.safe_load((PROJECT / ".github" / "workflows" / "self-test.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["action"]["steps"]
    demo = next(s for s in steps if s.get("id") == "demo")
    assert demo["uses"] == "./" and demo["continue-on-error"] is True
    workspace = tmp_path / "workspace"
    shutil.copytree(PROJECT / "examples" / "demo-repo", workspace / "examples" / "demo-repo")
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "-q", "-m", "demo")
    github = {"event_name": "push", "sha": git(workspace, "rev-parse", "HEAD").strip(), "event": {}}
    runner, outputs = _run(action_checkout, runner_temp, dependency_view, tmp_path, workspace, github,
                           {k: str(v) for k, v in demo["with"].items()}, example=False)
    assert runner.failed_step == "run", runner.describe()
    # Annotation paths are relative to the repository, not to the checked sub-folder.
    annotations = _annotations(runner.stdout["run"])
    assert annotations and all("file=examples/demo-repo/" in a for a in annotations if " file=" in a)

    verify = steps[-1]
    contexts = {"steps": {"demo": {"outcome": "failure", "outputs": outputs}}}
    env = {**runner.base_env(), **{k: evaluate(v, contexts) for k, v in verify["env"].items()}}
    script = tmp_path / "verify.sh"
    script.write_text(verify["run"], encoding="utf-8")
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                            cwd=workspace, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"outcome=failure findings={outputs['findings']} errors={outputs['errors']}")


def test_a_tool_failure_is_exit_2_with_an_error_annotation_and_empty_outputs(
    action_checkout, runner_temp, dependency_view, tmp_path, make_repo,
):
    workspace = make_repo({"CODEOWNERS": "* @acme/platform\n"}, name="workspace")
    github = {"event_name": "push", "sha": git(workspace, "rev-parse", "HEAD").strip(), "event": {}}
    runner, outputs = _run(action_checkout, runner_temp, dependency_view, tmp_path, workspace, github,
                           {"baseline": "no-such-baseline.json", "extra-args": "--fail-on 'warning' --checks codeowners"})
    assert (runner.failed_step, runner.exit_code) == ("run", 2), runner.describe()
    assert outputs == {"findings": "", "errors": "", "sarif-file": "", "report-file": ""}
    assert runner.steps["run"]["outputs"]["exit-code"] == "2"
    assert "governance-hooks: error: no-such-baseline.json: baseline not found" in runner.steps["run"]["stderr"]
    assert runner.stdout["run"].splitlines() == [
        "::error title=governance-hooks::governance-hooks could not finish (exit 2); see the log above"]


@pytest.mark.parametrize(
    "inputs, annotation",
    [
        ({"path": "--write-baseline=planted.json"},
         "path must name a folder of the workspace and must not start with '-'"),
        ({"path": "no-such-folder"}, "path is not a folder of the workspace"),
        ({"fail-on": "error --write-baseline=planted.json"}, "fail-on must be error, warning or note"),
        ({"checks": "codeowners --write-baseline=planted.json"}, "checks must be a comma-separated list of check names"),
    ],
)
def test_inputs_are_validated_and_cannot_become_options(
    action_checkout, runner_temp, dependency_view, tmp_path, make_repo, inputs, annotation,
):
    workspace = make_repo({"CODEOWNERS": "* @acme/platform\n"}, name="workspace")
    github = {"event_name": "push", "sha": git(workspace, "rev-parse", "HEAD").strip(), "event": {}}
    runner, outputs = _run(action_checkout, runner_temp, dependency_view, tmp_path, workspace, github, inputs)
    assert (runner.failed_step, runner.exit_code) == ("run", 2), runner.describe()
    assert runner.stdout["run"].splitlines() == [f"::error title=governance-hooks::{annotation}"]
    assert not (workspace / "planted.json").exists()
    assert outputs == {"findings": "", "errors": "", "sarif-file": "", "report-file": ""}


def test_a_value_input_that_looks_like_an_option_stays_a_value(
    action_checkout, runner_temp, dependency_view, tmp_path, make_repo,
):
    workspace = make_repo({"CODEOWNERS": "* @acme/platform\n"}, name="workspace")
    github = {"event_name": "push", "sha": git(workspace, "rev-parse", "HEAD").strip(), "event": {}}
    runner, _ = _run(action_checkout, runner_temp, dependency_view, tmp_path, workspace, github,
                     {"config": "--write-baseline=planted.json"})
    assert (runner.failed_step, runner.exit_code) == ("run", 2), runner.describe()
    assert "governance-hooks: error: --write-baseline=planted.json:" in runner.steps["run"]["stderr"]
    assert not (workspace / "planted.json").exists()
