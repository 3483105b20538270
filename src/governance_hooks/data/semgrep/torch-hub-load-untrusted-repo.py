import torch


def build_detector(args, config):
    # ruleid: torch-hub-load-untrusted-repo
    model = torch.hub.load(args.repo, "yolov5s", pretrained=True)
    # ruleid: torch-hub-load-untrusted-repo
    model = torch.hub.load(config["hub_dir"], "custom", source="local")
    # ruleid: torch-hub-load-untrusted-repo
    model = torch.hub.load(repo_or_dir=f"{args.user}/detectors", model="tiny")
    return model


def build_fixed_detector():
    # ok: torch-hub-load-untrusted-repo
    model = torch.hub.load("ultralytics/yolov5:v7.0", "yolov5s", pretrained=True)
    # ok: torch-hub-load-untrusted-repo
    model = torch.hub.load(repo_or_dir="pytorch/vision", model="resnet18")
    return model
