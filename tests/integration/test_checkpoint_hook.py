"""The ``checkpoints`` hook through the real ``pre-commit try-repo``, on the demo's checkpoints."""

from __future__ import annotations

import shutil

import pytest

from ..conftest import PROJECT, git

pytestmark = pytest.mark.integration

DEMO = PROJECT / "examples" / "demo-repo"
CORPUS = PROJECT / "tests" / "checkpoint" / "corpus"


def test_checkpoints_hook_reports_the_demo_problems(make_repo, try_repo):
    root = make_repo({"README.md": "demo\n"})
    shutil.copytree(DEMO / "checkpoints", root / "checkpoints")
    shutil.copy(CORPUS / "benign" / "safetensors_torch.safetensors", root / "checkpoints" / "export.safetensors")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "checkpoints")
    result = try_repo(root, "checkpoints")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert ("checkpoints/legacy/optimizer_state.pkl: error checkpoint/code-execution pickle: os.system executes code "
            "on load (module os runs commands, code or I/O): GLOBAL at offset 2; called by REDUCE at offset 29") in output
    assert ("checkpoints/resnet-tiny/index.json:15:17: error checkpoint/index-order /entries/1/metric 0.35 is better "
            "than /entries/0/metric 0.41 but listed after it: mode min needs ascending order, best first") in output
    assert "export.safetensors" not in output
    assert "v2/step_2000" not in output


def test_checkpoints_hook_passes_clean_checkpoints(make_repo, try_repo):
    root = make_repo({
        "models/state_dict.pt": (CORPUS / "benign" / "torch_state_dict.pt").read_bytes(),
        "models/arrays.npz": (CORPUS / "benign" / "numpy_arrays.npz").read_bytes(),
        "models/pipeline.joblib": (CORPUS / "benign" / "joblib_xz.joblib").read_bytes(),
        "site/index.json": '{"pages": []}\n',
    })
    result = try_repo(root, "checkpoints")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
