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
    return table, meta, rows, ids


def read_safely(shard_path):
    # ok: numpy-load-allow-pickle
    table = np.load(shard_path)
    # ok: numpy-load-allow-pickle
    table = np.load(shard_path, allow_pickle=False)
    # ok: numpy-load-allow-pickle
    vocab = np.load("tests/fixtures/vocab.npy", allow_pickle=True)
    return table, vocab
