# tracked: models/baseline.joblib models/encoder.joblib
import os

import joblib
from joblib import load


def serve(model_dir, artefact_uri):
    # ruleid: joblib-load-untrusted
    model = joblib.load(os.path.join(model_dir, "model.joblib"))
    # ruleid: joblib-load-untrusted
    scaler = load(artefact_uri)
    with open(f"{model_dir}/encoder.joblib", "rb") as handle:
        # ruleid: joblib-load-untrusted
        encoder = joblib.load(handle)
    # ruleid: joblib-load-untrusted
    legacy = joblib.load("/srv/models/legacy.joblib")
    # ruleid: joblib-load-untrusted
    downloaded = joblib.load("models/downloaded.joblib")
    return model, scaler, encoder, legacy, downloaded


def baseline():
    # todook: joblib-load-untrusted
    model = joblib.load("models/baseline.joblib")
    with open("models/encoder.joblib", "rb") as handle:
        # todook: joblib-load-untrusted
        encoder = joblib.load(handle)
    # ok: joblib-load-untrusted
    joblib.dump(model, "models/baseline.joblib")
    # ok: joblib-load-untrusted
    joblib.Memory("cache").clear()
    return model, encoder


def roundtrip(model, tmp_dir):
    target = os.path.join(tmp_dir, "model.joblib")
    joblib.dump(model, target)
    # todook: joblib-load-untrusted
    return joblib.load(target)
