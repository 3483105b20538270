# tracked: tests/fixtures/vocab.pkl data/labels.pkl tests/fixtures/frame.pkl
# ("# tracked:" lists the files tests/semgrep/test_targets_end_to_end.py creates and tracks;
#  "# todook:" marks a line Semgrep matches and the AST post-analysis accepts.)
import marshal
import pickle
import shelve

import cloudpickle
import dill
import jsonpickle
import pandas as pd
import torch.distributed as dist
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
    # ruleid: pickle-load-untrusted
    store = shelve.open(cache_path)
    # ruleid: pickle-load-untrusted
    code = marshal.loads(response.content)
    # ruleid: pickle-load-untrusted
    obj = jsonpickle.decode(response.text)
    # ruleid: pickle-load-untrusted
    obj = dill.loads(response.content)
    # ruleid: pickle-load-untrusted
    cached = pickle.load(open("cache/features.pkl", "rb"))
    return features, model, frame, fn, session, stats, store, code, obj, cached


def load_fixtures(state, tmp_path):
    with open("tests/fixtures/vocab.pkl", "rb") as handle:
        # todook: pickle-load-untrusted
        vocab = pickle.load(handle)
    # todook: pickle-load-untrusted
    labels = pickle.load(open("data/labels.pkl", "rb"))
    # todook: pickle-load-untrusted
    frame = pd.read_pickle("tests/fixtures/frame.pkl")
    # ok: pickle-load-untrusted
    empty = pickle.loads(b"\x80\x04]\x94.")
    # ok: pickle-load-untrusted
    blob = pickle.dumps(state)
    # todook: pickle-load-untrusted
    copy = pickle.loads(pickle.dumps(state))
    path = tmp_path / "state.pkl"
    with open(path, "wb") as handle:
        pickle.dump(state, handle)
    with open(path, "rb") as handle:
        # todook: pickle-load-untrusted
        again = pickle.load(handle)
    return vocab, labels, frame, empty, copy, again, blob


def all_gather(data, group):
    payload = pickle.dumps(data)
    buffers = [bytearray(len(payload)) for _ in range(dist.get_world_size(group))]
    dist.all_gather(buffers, payload, group=group)
    # todook: pickle-load-untrusted
    return [pickle.loads(bytes(b)) for b in buffers]
