# tracked: tests/fixtures/tiny_model.pt
# ("# tracked:" lists the files tests/semgrep/test_targets_end_to_end.py creates and tracks;
#  "# todook:" marks a line Semgrep matches and the AST post-analysis accepts.)
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
    # ruleid: torch-load-without-weights-only
    state = torch.load("pretrained_models/resnet.pth")
    # ruleid: torch-load-without-weights-only
    state = torch.serialization.load(checkpoint_url)
    # ruleid: torch-load-without-weights-only
    state = torch.hub.load_state_dict_from_url(checkpoint_url, map_location="cpu")
    # ruleid: torch-load-without-weights-only
    state = torch.utils.model_zoo.load_url(checkpoint_url)
    return state


def resume_safely(run_dir, model, checkpoint_url):
    # ok: torch-load-without-weights-only
    state = torch.load(run_dir / "best.pt", map_location="cpu", weights_only=True)
    # todook: torch-load-without-weights-only
    fixture = torch.load("tests/fixtures/tiny_model.pt")
    with open("tests/fixtures/tiny_model.pt", "rb") as handle:
        # todook: torch-load-without-weights-only
        fixture = torch.load(handle)
    # ok: torch-load-without-weights-only
    state = torch.load(f"{run_dir}/last.pt", weights_only=True)
    # ok: torch-load-without-weights-only
    state = torch.hub.load_state_dict_from_url(checkpoint_url, weights_only=True)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    # todook: torch-load-without-weights-only
    copy = torch.load(buffer)
    torch.save(model.state_dict(), run_dir / "roundtrip.pt")
    # todook: torch-load-without-weights-only
    copy = torch.load(run_dir / "roundtrip.pt")
    return state, fixture, copy


def load_model(fp, device, in_memory=False):
    kwargs = {"weights_only": True} if torch.__version__ >= "1.13" else {}
    # todook: torch-load-without-weights-only
    return torch.load(fp, map_location=device, **kwargs)


def load_state_dict(checkpoint_file, map_location="cpu", weights_only=True):
    # todook: torch-load-without-weights-only
    return torch.load(checkpoint_file, map_location=map_location, weights_only=weights_only)


def load_state_dict_unsafely(checkpoint_file, weights_only=False):
    # ruleid: torch-load-without-weights-only
    return torch.load(checkpoint_file, weights_only=weights_only)


def load_with_options(checkpoint_file, options):
    # ruleid: torch-load-without-weights-only
    return torch.load(checkpoint_file, **options)
