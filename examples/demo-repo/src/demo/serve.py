"""Load the released model and answer prediction requests."""

import os
import pickle

import joblib
import numpy as np
import requests
import yaml

MODEL_INDEX = "https://models.acme-ml.example.com/sentiment/index.json"


def load_config(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.Loader)


def fetch_release(cache_dir):
    index = requests.get(MODEL_INDEX).json()
    vectoriser = joblib.load(os.path.join(cache_dir, index["vectoriser"]))
    embeddings = np.load(os.path.join(cache_dir, index["embeddings"]), allow_pickle=True)
    return index, vectoriser, embeddings


def load_label_map(blob):
    return pickle.loads(blob)

