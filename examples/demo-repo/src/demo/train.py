"""Fine-tune the sentiment classifier and keep the best checkpoints."""

import os

import mlflow
import torch
import wandb
from torch.cuda.amp import GradScaler, autocast

CHECKPOINT_DIR = os.environ.get("CHECKPOINT_DIR", "checkpoints/resnet-tiny")


def start_tracking(config):
    mlflow.set_tracking_uri("https://mlflow.acme-ml.example.com")
    return wandb.init(project="sentiment", config=config, mode="online")


def resume(model, optimizer, run_dir):
    state = torch.load(os.path.join(run_dir, "last.pt"), map_location="cpu")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return state["epoch"] + 1


def save(model, optimizer, epoch):
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
    torch.save(state, os.path.join(CHECKPOINT_DIR, f"epoch_{epoch:02d}", "model.pt"))


def train_epoch(model, optimizer, batches, scaler: GradScaler):
    for inputs, labels in batches:
        optimizer.zero_grad()
        with autocast():
            loss = model(inputs, labels=labels).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
