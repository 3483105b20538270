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
    return model, scaler, encoder, legacy


def baseline():
    # ok: joblib-load-untrusted
    model = joblib.load("models/baseline.joblib")
    with open("models/encoder.joblib", "rb") as handle:
        # ok: joblib-load-untrusted
        encoder = joblib.load(handle)
    # ok: joblib-load-untrusted
    joblib.dump(model, "models/baseline.joblib")
    return model, encoder
