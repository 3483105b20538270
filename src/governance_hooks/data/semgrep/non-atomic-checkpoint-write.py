import io
import os
import pickle
import tempfile
from pathlib import Path

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


def save_checkpoint_atomically(model, run_dir, epoch):
    final = Path(run_dir) / f"epoch-{epoch}.pt"
    staging = final.with_name(final.name + ".staging")
    # ok: non-atomic-checkpoint-write
    torch.save(model.state_dict(), staging)
    os.replace(staging, final)
    tmp_path = os.path.join(run_dir, ".best.pt.tmp")
    # ok: non-atomic-checkpoint-write
    with open(tmp_path, "wb") as handle:
        torch.save(model.state_dict(), handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp_path, os.path.join(run_dir, "best.pt"))
    with tempfile.NamedTemporaryFile(dir=run_dir, delete=False) as handle:
        # ok: non-atomic-checkpoint-write
        torch.save(model.state_dict(), handle)
    os.replace(handle.name, os.path.join(run_dir, "last.pt"))
    buffer = io.BytesIO()
    # ok: non-atomic-checkpoint-write
    torch.save(model.state_dict(), buffer)
    # ok: non-atomic-checkpoint-write
    with open(os.path.join(run_dir, "loss_curve.png"), "wb") as handle:
        handle.write(model.plot())
    return buffer.getvalue()
