import io
import torch
from torch import load


def resume(run_dir, checkpoint_url, blob):
    # ruleid: torch-load-without-weights-only
    state = torch.load(f"{run_dir}/last.pt")
    # ruleid: torch-load-without-weights-only
    state = torch.load(run_dir / "best.pt", map_location="cpu", weights_only=False)
    # ruleid: torch-load-without-weights-only
    state = torch.load("/mnt/shared/checkpoints/best.pt", weights_only=False)
    # ruleid: torch-load-without-weights-only
    state = load(io.BytesIO(blob))
    with open(checkpoint_url, "rb") as handle:
        # ruleid: torch-load-without-weights-only
        state = torch.load(handle)
    # ruleid: torch-load-without-weights-only
    state = torch.load("../other-repo/model.pt")
    return state


def resume_safely(run_dir):
    # ok: torch-load-without-weights-only
    state = torch.load(run_dir / "best.pt", map_location="cpu", weights_only=True)
    # ok: torch-load-without-weights-only
    fixture = torch.load("tests/fixtures/tiny_model.pt")
    with open("tests/fixtures/tiny_model.pt", "rb") as handle:
        # ok: torch-load-without-weights-only
        fixture = torch.load(handle)
    # ok: torch-load-without-weights-only
    state = torch.load(f"{run_dir}/last.pt", weights_only=True)
    return state, fixture
