import os

import mlflow
from mlflow import set_tracking_uri


def start_tracking(run_name):
    # ruleid: mlflow-remote-tracking-uri
    mlflow.set_tracking_uri("https://mlflow.internal.example.com")
    # ruleid: mlflow-remote-tracking-uri
    set_tracking_uri(uri="http://10.0.4.12:5000")
    # ruleid: mlflow-remote-tracking-uri
    os.environ["MLFLOW_TRACKING_URI"] = "databricks"
    # ruleid: mlflow-remote-tracking-uri
    client = mlflow.MlflowClient(tracking_uri="https://tracking.example.org/")
    return mlflow.start_run(run_name=run_name), client


def start_tracking_offline(tracking_dir):
    # ok: mlflow-remote-tracking-uri
    mlflow.set_tracking_uri("file:./mlruns")
    # ok: mlflow-remote-tracking-uri
    mlflow.set_tracking_uri("http://127.0.0.1:5000")
    # ok: mlflow-remote-tracking-uri
    mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", tracking_dir))
    # ok: mlflow-remote-tracking-uri
    os.environ.setdefault("MLFLOW_TRACKING_URI", "http://localhost:5000")
