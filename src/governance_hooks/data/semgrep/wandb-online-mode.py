import os

import wandb


def start_logging(config, project):
    # ruleid: wandb-online-mode
    os.environ["WANDB_MODE"] = "online"
    # ruleid: wandb-online-mode
    run = wandb.init(project=project, config=config, mode="online")
    # ruleid: wandb-online-mode
    settings = wandb.Settings(mode="online", start_method="thread")
    # ruleid: wandb-online-mode
    os.environ.update({"WANDB_MODE": "online", "WANDB_SILENT": "true"})
    # ruleid: wandb-online-mode
    shared = wandb.init(project=project, mode="shared")
    # ruleid: wandb-online-mode
    os.environ["WANDB_MODE"] = "shared"
    return run, settings, shared


def start_logging_offline(config, project):
    # ok: wandb-online-mode
    os.environ.setdefault("WANDB_MODE", "offline")
    # ok: wandb-online-mode
    run = wandb.init(project=project, config=config, mode="offline")
    # ok: wandb-online-mode
    run = wandb.init(project=project, mode=os.environ.get("WANDB_MODE", "offline"))
    # ok: wandb-online-mode
    os.environ["WANDB_PROJECT"] = "online"
    return run
