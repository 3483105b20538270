# ("# todook:" marks a line Semgrep matches and the AST post-analysis accepts.)
import io
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import fsspec
import torch
from safetensors.torch import save_file


def save_checkpoint(model, optimizer, run_dir, epoch):
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
    # ruleid: non-atomic-checkpoint-write
    torch.save(state, os.path.join(run_dir, f"epoch-{epoch}.pt"))
    # ruleid: non-atomic-checkpoint-write
    torch.save(state, run_dir / "last.ckpt")
    # ruleid: non-atomic-checkpoint-write
    save_file(model.state_dict(), f"{run_dir}/model.safetensors")
    # ruleid: non-atomic-checkpoint-write
    with open(run_dir / "best_checkpoint.pkl", "wb") as handle:
        pickle.dump(state, handle)
    # ruleid: non-atomic-checkpoint-write
    with (Path(run_dir) / "weights.bin").open("wb") as handle:
        handle.write(model.to_bytes())
    final = Path(run_dir) / "final.pt"
    # ruleid: non-atomic-checkpoint-write
    torch.save(state, final)
    os.replace(Path(run_dir) / "previous.pt", Path(run_dir) / "older.pt")


def save_checkpoint_atomically(model, run_dir, epoch):
    final = Path(run_dir) / f"epoch-{epoch}.pt"
    staging = final.with_name(final.name + ".staging")
    # todook: non-atomic-checkpoint-write
    torch.save(model.state_dict(), staging)
    os.replace(staging, final)
    tmp_path = os.path.join(run_dir, ".best.pt.tmp")
    # ok: non-atomic-checkpoint-write
    with open(tmp_path, "wb") as handle:
        # todook: non-atomic-checkpoint-write
        torch.save(model.state_dict(), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp_path, os.path.join(run_dir, "best.pt"))
    with tempfile.NamedTemporaryFile(dir=run_dir, delete=False) as handle:
        # todook: non-atomic-checkpoint-write
        torch.save(model.state_dict(), handle)
    os.replace(handle.name, os.path.join(run_dir, "last.pt"))
    buffer = io.BytesIO()
    # todook: non-atomic-checkpoint-write
    torch.save(model.state_dict(), buffer)
    # ok: non-atomic-checkpoint-write
    with open(os.path.join(run_dir, "loss_curve.png"), "wb") as handle:
        handle.write(model.plot())
    return buffer.getvalue()


def save_then_rename(model, run_dir):
    target = os.path.join(run_dir, "model.pt")
    part = target + ".writing"
    # todook: non-atomic-checkpoint-write
    torch.save(model.state_dict(), part)
    os.replace(part, target)
    new = Path(run_dir) / "model.new.pt"
    # todook: non-atomic-checkpoint-write
    torch.save(model.state_dict(), new)
    new.replace(Path(run_dir) / "model.pt")
    moved = os.path.join(run_dir, "model.next.pt")
    # todook: non-atomic-checkpoint-write
    torch.save(model.state_dict(), moved)
    shutil.move(moved, target)


def save_to_mkstemp_path(model):
    fd, path = tempfile.mkstemp(suffix=".pt")
    os.close(fd)
    # todook: non-atomic-checkpoint-write
    torch.save(model.state_dict(), path)


def save_in_fsspec_transaction(model, url):
    fs, path = fsspec.core.url_to_fs(url)
    with fs.transaction:
        with fs.open(path, "wb") as handle:
            # todook: non-atomic-checkpoint-write
            torch.save(model.state_dict(), handle)
    with fs.open(path + ".last", "wb") as handle:
        # ruleid: non-atomic-checkpoint-write
        torch.save(model.state_dict(), handle)


def save_into_temporary_places(model):
    with tempfile.NamedTemporaryFile(suffix=".pt") as f:
        # todook: non-atomic-checkpoint-write
        torch.save(model.state_dict(), f.name)
    scratch = tempfile.mkdtemp()
    # todook: non-atomic-checkpoint-write
    torch.save(model.state_dict(), os.path.join(scratch, "model.pt"))
    with tempfile.TemporaryDirectory() as d:
        weights = Path(d) / "weights.pt"
        # todook: non-atomic-checkpoint-write
        torch.save(model.state_dict(), weights)
