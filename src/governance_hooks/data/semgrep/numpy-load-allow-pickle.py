# tracked: tests/fixtures/vocab.npy
import numpy as np
from numpy import load


def read_embeddings(shard_path, upload):
    # ruleid: numpy-load-allow-pickle
    table = np.load(shard_path, allow_pickle=True)
    # ruleid: numpy-load-allow-pickle
    meta = load(upload, mmap_mode=None, allow_pickle=True)
    with open(shard_path, "rb") as handle:
        # ruleid: numpy-load-allow-pickle
        rows = np.load(handle, allow_pickle=True)
    # ruleid: numpy-load-allow-pickle
    ids = np.load("/data/shared/ids.npy", allow_pickle=True)
    # ruleid: numpy-load-allow-pickle
    extra = np.load("data/untracked.npy", allow_pickle=True)
    return table, meta, rows, ids, extra


def read_safely(shard_path):
    # ok: numpy-load-allow-pickle
    table = np.load(shard_path)
    # ok: numpy-load-allow-pickle
    table = np.load(shard_path, allow_pickle=False)
    # todook: numpy-load-allow-pickle
    vocab = np.load("tests/fixtures/vocab.npy", allow_pickle=True)
    return table, vocab


def roundtrip(objects, out_dir):
    np.save(out_dir / "objects.npy", objects, allow_pickle=True)
    # todook: numpy-load-allow-pickle
    return np.load(out_dir / "objects.npy", allow_pickle=True)
