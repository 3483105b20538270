"""Write a benign corpus with the real libraries, the way users save models and data.

Every file here is made by the library's own writer (``pickle.dump``, ``joblib.dump`` with
each of its compressors, ``DataFrame.to_pickle``, ``numpy.save``/``savez``,
``safetensors.numpy.save_file``, and ``torch.save`` when torch is installed). None
is hand-made, so the corpus says what real artefacts look like to the scanner.

Run: ``python tests/checkpoint/external/make_benign.py OUT_DIR [--large]``
(``--large`` adds the budget cases: a 1M-row string frame, a 700k-entry vocabulary,
a 1M-item list, a constant 48 MB array under bz2/xz). Needs scikit-learn, pandas,
numpy, joblib, lz4, safetensors. The files are written outside the repository.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import pathlib
import pickle
import re
import sys
import typing
import uuid
import warnings
from pathlib import Path

import joblib
import numpy as np

#: joblib's compressors (``joblib.compressor._COMPRESSORS``) and the endings users give them.
JOBLIB_COMPRESSIONS = [("zlib", ".joblib.z"), ("gzip", ".joblib.gz"), ("bz2", ".joblib.bz2"),
                       ("lzma", ".joblib.lzma"), ("xz", ".joblib.xz"), ("lz4", ".joblib.lz4")]


def sklearn_models() -> dict:
    """Fitted scikit-learn estimators of the kinds people commit."""
    from sklearn.cluster import KMeans
    from sklearn.datasets import load_iris
    from sklearn.decomposition import PCA
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import LabelEncoder, OneHotEncoder, StandardScaler
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    texts = ["the cat sat", "a dog ran", "the dog sat down", "cats and dogs"] * 5
    labels = [0, 1, 1, 0] * 5
    models = {
        "logistic_regression": LogisticRegression(max_iter=500).fit(X, y),
        "ridge": Ridge().fit(X, y),
        "random_forest": RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y),
        "decision_tree": DecisionTreeClassifier(random_state=0).fit(X, y),
        "gradient_boosting": GradientBoostingClassifier(n_estimators=5, random_state=0).fit(X, y),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=5).fit(X, y),
        "svc_pipeline": Pipeline([("scale", StandardScaler()), ("svc", SVC())]).fit(X, y),
        "kmeans": KMeans(n_clusters=3, n_init=2, random_state=0).fit(X),
        "pca": PCA(n_components=2).fit(X),
        "knn": KNeighborsClassifier().fit(X, y),
        "naive_bayes": GaussianNB().fit(X, y),
        "mlp": MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y),
        "label_encoder": LabelEncoder().fit(["a", "b", "c"]),
        "one_hot": OneHotEncoder().fit([["a"], ["b"]]),
        "tfidf": TfidfVectorizer().fit(texts),
        # A tokenizer that is a method of str pickles as builtins.getattr(str, 'split').
        "tfidf_str_split_tokenizer": TfidfVectorizer(tokenizer=str.split, token_pattern=None).fit(texts),
        "count_str_lower_preprocessor": CountVectorizer(preprocessor=str.lower).fit(texts),
        "text_pipeline": Pipeline([("vec", TfidfVectorizer()), ("clf", LogisticRegression())]).fit(texts, labels),
    }
    return models


def pandas_objects() -> dict:
    import pandas as pd

    n = 200
    frame = pd.DataFrame({
        "ints": np.arange(n), "floats": np.linspace(0, 1, n), "text": [f"row {i}" for i in range(n)],
        "category": pd.Categorical(["a", "b"] * (n // 2)), "when": pd.date_range("2024-01-01", periods=n, freq="h"),
        "flag": [True, False] * (n // 2),
    })
    return {
        "frame_mixed": frame,
        "series_float": pd.Series(np.arange(10.0), name="x"),
        "frame_multiindex": frame.set_index(["category", "flag"]),
        "timedelta_series": pd.Series(pd.to_timedelta(np.arange(5), unit="s")),
        "interval_index": pd.interval_range(0, 5).to_series(),
        "period_series": pd.Series(pd.period_range("2024-01", periods=4, freq="M")),
        "sparse_series": pd.Series(pd.arrays.SparseArray([0, 0, 1, 0])),
        "nullable_ints": pd.Series([1, None, 3], dtype="Int64"),
    }


def python_objects() -> dict:
    rng = np.random.default_rng(0)
    return {
        "typing_hints": {"x": typing.Optional[int], "y": typing.List[str], "none_type": type(None)},
        "numpy_generator_state": rng,
        "numpy_random_state": np.random.RandomState(0),
        "numpy_scalars": {"f": np.float32(1.5), "i": np.int64(3), "b": np.bool_(True)},
        "numpy_arrays": {"a": np.arange(12).reshape(3, 4), "s": np.array(["x", "yz"]), "o": np.array([1, "a"], dtype=object)},
        "complex_and_sets": {"c": 1 + 2j, "s": {1, 2}, "fs": frozenset({3}), "b": bytearray(b"xy")},
        "slices_ranges": {"slice": slice(1, 5, 2), "range": range(3)},
        "stdlib_values": {"when": datetime.datetime(2024, 1, 2, 3, 4, tzinfo=datetime.timezone.utc),
                          "day": datetime.date(2024, 1, 2), "span": datetime.timedelta(hours=3),
                          "history": collections.defaultdict(list, {"loss": [0.5, 0.25]}),
                          "window": collections.deque([1, 2], maxlen=5), "lr": decimal.Decimal("0.001"),
                          "ratio": fractions.Fraction(1, 3), "run": uuid.UUID(int=7),
                          "out": pathlib.PurePosixPath("runs", "a"), "token": re.compile(r"(?u)\b\w\w+\b")},
    }


def large_objects() -> dict:
    import pandas as pd

    return {
        "frame_1m_strings": pd.DataFrame({"s": [f"s{i}" for i in range(1_000_000)]}),
        "vocabulary_700k": {f"tok{i}": i for i in range(700_000)},
        "list_1m": list(range(1_000_000)),
    }


class Strategy(str, enum.Enum):
    """A ``str`` enum like the strategy fields of Hugging Face ``TrainingArguments``."""

    NO = "no"
    STEPS = "steps"
    EPOCH = "epoch"


@dataclasses.dataclass
class TrainingArguments:
    """A dataclass shaped like Hugging Face's, for a ``training_args.bin`` made without transformers."""

    output_dir: str = "out"
    learning_rate: float = 5e-5
    num_train_epochs: float = 3.0
    eval_strategy: Strategy = Strategy.STEPS
    save_strategy: Strategy = Strategy.EPOCH
    seed: int = 42
    fp16: bool = False
    report_to: typing.List[str] = dataclasses.field(default_factory=lambda: ["none"])


def torch_files(out: Path) -> int:
    """``torch.save`` the way training code does: weights, optimizer and scheduler states, containers.

    Each object is written in both serialisations torch still writes (the zip default and
    ``_use_new_zipfile_serialization=False``). With transformers installed, also the real
    ``training_args.bin`` of its ``TrainingArguments``. Returns the number of files written.
    """
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 10))
    net(torch.randn(2, 3, 8, 8)).sum().backward()
    optimizers = {"sgd": torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9),
                  "adam": torch.optim.Adam(net.parameters(), lr=1e-3),
                  "adamw": torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)}
    for optimizer in optimizers.values():
        optimizer.step()
    scheduler = torch.optim.lr_scheduler.StepLR(optimizers["sgd"], step_size=10)
    scheduler.step()
    half = {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    objects = {
        "state_dict.pt": net.state_dict(),
        "state_dict_fp16.pth": half,
        "state_dict_bf16.pth": {k: v.to(torch.bfloat16) for k, v in half.items() if v.is_floating_point()},
        "pytorch_model.bin": collections.OrderedDict(("model." + k, v) for k, v in net.state_dict().items()),
        "training_checkpoint.ckpt": {"epoch": 3, "global_step": 1200, "state_dict": net.state_dict(),
                                     "optimizer_states": [optimizers["adam"].state_dict()],
                                     "lr_schedulers": [scheduler.state_dict()], "hyper_parameters": {"lr": 1e-3}},
        "tensors_list.pt": [torch.arange(10), torch.zeros(2, 3, dtype=torch.int8), torch.ones(4, dtype=torch.bool)],
        "tensors_tuple.pt": (torch.randn(3), torch.tensor([1 + 2j]), torch.empty(0)),
        "tensor_view.pt": torch.arange(20.0).reshape(4, 5)[:, 1:3],
        "containers.pt": {"names": ["a", "b"], "sizes": (1, 2, 3), "none": None, "flag": True,
                          "nested": {"t": torch.tensor(1.5), "shape": torch.Size([2, 3])},
                          "dtype": torch.float32, "device": torch.device("cpu")},
        "rng_state.pt": {"torch": torch.get_rng_state()},
        "parameter.pt": torch.nn.Parameter(torch.ones(2, 2)),
    }
    for name, optimizer in optimizers.items():
        objects[f"optimizer_{name}.pt"] = optimizer.state_dict()
    objects["scheduler.pt"] = scheduler.state_dict()
    count = 0
    for name, obj in objects.items():
        torch.save(obj, out / f"torch_{name}")
        stem, dot, ending = name.rpartition(".")
        torch.save(obj, out / f"torch_{stem}_legacy{dot}{ending}", _use_new_zipfile_serialization=False)
        count += 2
    torch.save(TrainingArguments(), out / "training_args.bin")  # as transformers' Trainer saves its arguments
    count += 1
    try:
        import transformers
    except ImportError:
        return count
    real = transformers.TrainingArguments(output_dir=str(out / "hf_out"), eval_strategy="steps", save_strategy="epoch",
                                          lr_scheduler_type="cosine", optim="adamw_torch", report_to="none")
    torch.save(real, out / "hf_training_args.bin")  # Trainer._save: torch.save(self.args, TRAINING_ARGS_NAME)
    return count + 1


def write(out: Path, large: bool) -> int:
    out.mkdir(parents=True, exist_ok=True)
    count = 0

    def dump(name: str, obj, protocol: int) -> None:
        nonlocal count
        with open(out / name, "wb") as handle:
            pickle.dump(obj, handle, protocol=protocol)
        count += 1

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = sklearn_models()
    for name, model in models.items():
        dump(f"sklearn_{name}.pkl", model, pickle.DEFAULT_PROTOCOL)
        joblib.dump(model, out / f"sklearn_{name}.joblib")
        count += 1
        for compress, ending in JOBLIB_COMPRESSIONS:
            joblib.dump(model, out / f"sklearn_{name}{ending}", compress=(compress, 3))
            count += 1
    for name, obj in pandas_objects().items():
        obj.to_pickle(out / f"pandas_{name}.pkl")
        dump(f"pandas_{name}_protocol2.pkl", obj, 2)
        count += 1
    for name, obj in python_objects().items():
        for protocol in (0, 2, 5):
            dump(f"python_{name}_protocol{protocol}.pkl", obj, protocol)
    np.save(out / "numpy_float64.npy", np.linspace(0, 1, 1000))
    np.save(out / "numpy_object.npy", np.array([{"a": 1}, [2, 3]], dtype=object), allow_pickle=True)
    np.save(out / "numpy_structured.npy", np.zeros(3, dtype=[("x", "<f4"), ("y", "<i8", (2,))]))
    np.savez(out / "numpy_arrays.npz", a=np.arange(10), b=np.ones((2, 2)))
    np.savez_compressed(out / "numpy_arrays_compressed.npz", a=np.arange(10), o=np.array([None, 1], dtype=object))
    count += 5
    from safetensors.numpy import save_file

    save_file({"w": np.ones((4, 4), dtype=np.float32), "b": np.zeros(4, dtype=np.float16)}, str(out / "model.safetensors"))
    count += 1
    try:
        import torch  # noqa: F401 - only to know whether torch.save files can be made
    except ImportError:
        print("torch is not installed: no torch.save files", file=sys.stderr)
    else:
        count += torch_files(out)
    if large:
        for name, obj in large_objects().items():
            dump(f"large_{name}.pkl", obj, pickle.HIGHEST_PROTOCOL)
        constant = np.zeros(6_000_000)  # 48 MB of one value: compresses far past 1000:1
        for compress in ("bz2", "xz"):
            joblib.dump(constant, out / f"large_constant_48mb.joblib.{compress}", compress=(compress, 3))
            count += 1
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--large", action="store_true")
    args = parser.parse_args(argv)
    print(f"wrote {write(args.out, args.large)} benign files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
