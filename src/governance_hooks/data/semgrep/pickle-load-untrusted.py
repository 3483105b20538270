import pickle
import cloudpickle
import dill
import pandas as pd
from pickle import loads


def load_features(cache_path, response, uploaded):
    with open(cache_path, "rb") as handle:
        # ruleid: pickle-load-untrusted
        features = pickle.load(handle)
    # ruleid: pickle-load-untrusted
    model = loads(response.content)
    # ruleid: pickle-load-untrusted
    frame = pd.read_pickle(uploaded)
    # ruleid: pickle-load-untrusted
    fn = cloudpickle.loads(uploaded.read())
    # ruleid: pickle-load-untrusted
    session = dill.load(open("/tmp/session.pkl", "rb"))
    # ruleid: pickle-load-untrusted
    stats = pickle.Unpickler(open(cache_path, "rb")).load()
    return features, model, frame, fn, session, stats


def load_fixtures():
    with open("tests/fixtures/vocab.pkl", "rb") as handle:
        # ok: pickle-load-untrusted
        vocab = pickle.load(handle)
    # ok: pickle-load-untrusted
    labels = pickle.load(open("data/labels.pkl", "rb"))
    # ok: pickle-load-untrusted
    frame = pd.read_pickle("tests/fixtures/frame.pkl")
    # ok: pickle-load-untrusted
    empty = pickle.loads(b"\x80\x04]\x94.")
    return vocab, labels, frame, empty
