"""Regenerate ``governance_hooks/data/checkpoint/allowlist.json`` from the installed PyTorch.

The default allowlist of the checkpoint scanner is what ``torch.load(weights_only=True)``
accepts (``torch/_weights_only_unpickler.py``: ``_get_allowed_globals()``, the blocked
modules and the opcodes its ``Unpickler.load`` implements), plus the NumPy and joblib
reconstruction callables. The scanner never imports torch; this script does, once,
to write the list down. Run: ``python tests/checkpoint/make_allowlist.py``.

``python tests/checkpoint/make_allowlist.py --reconstruction`` rewrites only the
``reconstruction`` section (no torch needed): the reconstruction functions and classes
NumPy, pandas and scikit-learn name in their own pickles (``__reduce__`` results,
Cython ``__pyx_unpickle_*`` helpers, scalar types), each with why calling it is data.
Entries are listed by hand with a justification, then completed by scanning the
installed libraries for siblings of the same kind (every ``__pyx_unpickle_*`` of a
listed module, every NumPy scalar type, every scikit-learn distance metric and loss
class), so a new library release that renames one makes the check in
``tests/checkpoint/test_allowlist_sources.py`` fail instead of users' files.
"""

from __future__ import annotations

import json
import pickle
import re
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parents[2] / "src" / "governance_hooks" / "data" / "checkpoint" / "allowlist.json"

#: NumPy's own pickling (``ndarray.__reduce__``, scalars, dtypes, protocol-5 buffers), 1.x and 2.x spellings.
NUMPY = [
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.numeric", "_frombuffer"),
]
#: joblib's array placeholder: its BUILD makes joblib read the array bytes that follow.
JOBLIB = [("joblib.numpy_pickle", "NumpyArrayWrapper")]


#: (module, name, why calling it with the file's arguments reconstructs data and runs no chosen code).
RECONSTRUCTION = [
    ("builtins", "slice", "builtin constructor of a slice object from three values"),
    ("builtins", "range", "builtin constructor of a range object from integers"),
    ("builtins", "frozenset", "builtin constructor of a frozenset from an iterable"),
    ("builtins", "str", "builtin type, stored as a value (e.g. dtype=str) or called on a constant"),
    ("builtins", "int", "builtin type; Python 2 long maps to it"),
    ("builtins", "float", "builtin type"),
    ("builtins", "bool", "builtin type"),
    ("builtins", "bytes", "builtin type"),
    ("builtins", "dict", "builtin type"),
    ("builtins", "list", "builtin type"),
    ("builtins", "tuple", "builtin type"),
    ("builtins", "object", "builtin base type named by copyreg._reconstructor"),
    ("collections", "defaultdict", "defaultdict(factory): stores the factory (itself checked: an argument off the "
                                   "allowlist is a finding), calls nothing while loading"),
    ("collections", "deque", "deque(iterable, maxlen): a container"),
    ("datetime", "datetime", "datetime from its packed bytes and tzinfo"),
    ("datetime", "date", "date from its packed bytes"),
    ("datetime", "time", "time from its packed bytes"),
    ("datetime", "timedelta", "timedelta from days, seconds, microseconds"),
    ("datetime", "timezone", "timezone from an offset and a name"),
    ("decimal", "Decimal", "Decimal from its string"),
    ("fractions", "Fraction", "Fraction from its string"),
    ("uuid", "UUID", "UUID: NEWOBJ then a dict state with its integer"),
    ("pathlib", "PosixPath", "path object from its parts; no file is touched"),
    ("pathlib", "WindowsPath", "path object from its parts; no file is touched"),
    ("pathlib", "PurePosixPath", "path object from its parts"),
    ("pathlib", "PureWindowsPath", "path object from its parts"),
    ("re", "_compile", "re.Pattern.__reduce__: compiles a pattern string with flags"),
    ("typing", "Union", "typing special form, looked up by name (typing._SpecialForm.__reduce__)"),
    ("typing", "Optional", "typing special form, looked up by name"),
    ("typing", "List", "typing alias, looked up by name"),
    ("typing", "Dict", "typing alias, looked up by name"),
    ("typing", "Tuple", "typing alias, looked up by name"),
    ("typing", "Any", "typing special form, looked up by name"),
    ("numpy.random._pickle", "__bit_generator_ctor",
     "numpy/random/_pickle.py: builds a BitGenerator from a name in its BitGenerators table or a BitGenerator class"),
    ("numpy.random._pickle", "__generator_ctor", "numpy/random/_pickle.py: Generator(bit_generator) of a rebuilt BitGenerator"),
    ("numpy.random._pickle", "__randomstate_ctor", "numpy/random/_pickle.py: RandomState of a rebuilt BitGenerator"),
    ("numpy.random._mt19937", "MT19937", "BitGenerator class named in Generator/RandomState pickles"),
    ("numpy.random._pcg64", "PCG64", "BitGenerator class"),
    ("numpy.random._pcg64", "PCG64DXSM", "BitGenerator class"),
    ("numpy.random._philox", "Philox", "BitGenerator class"),
    ("numpy.random._sfc64", "SFC64", "BitGenerator class"),
    ("numpy.random.bit_generator", "SeedSequence", "seed sequence class, rebuilt by its Cython unpickle helper"),
    ("pandas.core.indexes.base", "_new_Index", "pandas Index.__reduce__: cls.__new__ of an Index subclass with its data"),
    ("pandas.core.indexes.interval", "_new_IntervalIndex", "pandas IntervalIndex.__reduce__"),
    ("pandas.core.indexes.period", "_new_PeriodIndex", "pandas PeriodIndex.__reduce__"),
    ("pandas.core.indexes.multi", "MultiIndex", "pandas Index subclass passed to _new_Index"),
    ("pandas", "Index", "pandas Index class passed to _new_Index"),
    ("pandas", "RangeIndex", "pandas Index subclass passed to _new_Index"),
    ("pandas", "MultiIndex", "pandas Index subclass passed to _new_Index"),
    ("pandas", "CategoricalIndex", "pandas Index subclass passed to _new_Index"),
    ("pandas", "IntervalIndex", "pandas Index subclass"),
    ("pandas", "DatetimeIndex", "pandas Index subclass"),
    ("pandas", "TimedeltaIndex", "pandas Index subclass"),
    ("pandas", "PeriodIndex", "pandas Index subclass"),
    ("pandas", "Categorical", "pandas extension array class passed to its reconstruction"),
    ("pandas", "StringDtype", "pandas dtype, rebuilt from its storage name (StringDtype.__reduce__)"),
    ("pandas", "PeriodDtype", "pandas dtype, rebuilt from its frequency code (PeriodDtype.__reduce__)"),
    ("pandas", "CategoricalDtype", "pandas dtype"),
    ("pandas", "IntervalDtype", "pandas dtype"),
    ("pandas", "DatetimeTZDtype", "pandas dtype"),
    ("pandas", "SparseDtype", "pandas dtype"),
    ("pandas.arrays", "DatetimeArray", "pandas array class given to __pyx_unpickle_NDArrayBacked"),
    ("pandas.arrays", "TimedeltaArray", "pandas array class given to __pyx_unpickle_NDArrayBacked"),
    ("pandas.arrays", "PeriodArray", "pandas array class given to __pyx_unpickle_NDArrayBacked"),
    ("pandas.arrays", "StringArray", "pandas array class given to __pyx_unpickle_NDArrayBacked"),
    ("pandas.arrays", "IntervalArray", "pandas array class"),
    ("pandas._libs.internals", "_unpickle_block", "pandas Block.__reduce__: a block from values, placement and ndim"),
    ("pandas._libs.sparse", "IntIndex", "pandas sparse index from length and indices"),
    ("pandas.core.internals.managers", "BlockManager", "pandas BlockManager: __setstate__ takes its tuple of blocks"),
    ("pandas.core.internals.managers", "SingleBlockManager", "pandas SingleBlockManager: __setstate__ takes its blocks"),
    ("pandas.core.frame", "DataFrame", "pandas DataFrame: __setstate__ takes its manager"),
    ("pandas.core.series", "Series", "pandas Series: __setstate__ takes its manager"),
    ("sklearn.tree._tree", "Tree", "Tree.__reduce__: Tree(n_features, n_classes, n_outputs) then __setstate__ of node arrays"),
    ("sklearn.neighbors._kd_tree", "newObj", "BinaryTree.__reduce__: obj.__new__(obj) of the class given"),
    ("sklearn.neighbors._kd_tree", "KDTree", "class given to newObj"),
    ("sklearn.neighbors._ball_tree", "newObj", "BinaryTree.__reduce__: obj.__new__(obj) of the class given"),
    ("sklearn.neighbors._ball_tree", "BallTree", "class given to newObj"),
    ("sklearn.metrics._dist_metrics", "newObj", "DistanceMetric.__reduce__: obj.__new__(obj) of the class given"),
]
#: Modules whose every Cython ``__pyx_unpickle_<Class>(type, checksum, state)`` is allowed: it checks the
#: layout checksum, calls ``<Class>.__new__(type)`` and sets the C fields from ``state``.
CYTHON_MODULES = ["numpy.random.bit_generator", "pandas._libs.arrays", "pandas._libs.interval", "pandas._libs.sparse",
                  "sklearn._loss._loss", "sklearn.tree._tree", "sklearn.metrics._dist_metrics"]


#: Modules whose Enum classes Hugging Face's ``Trainer`` pickles into ``training_args.bin``
#: (``TrainingArguments`` fields and the ``accelerate`` state they hold), read from a file
#: written by transformers 5.25 / accelerate 1.16.
ENUM_MODULES = ["transformers.trainer_utils", "transformers.training_args", "transformers.debug_utils",
                "accelerate.utils.dataclasses"]


def enum_entries() -> dict:
    """Enum classes of ``ENUM_MODULES`` whose call is a member lookup (when the library is installed).

    An Enum is pickled as ``cls(value)``. ``EnumType.__call__`` with one argument looks the
    member up (``_missing_`` on a miss); with more it builds a new Enum from names, which
    runs no caller-chosen function. Only classes that keep Enum's metaclass call, ``__new__``
    and a ``_missing_`` that is Enum's own or raises (transformers' ``ExplicitEnum``) qualify.
    """
    import enum
    import importlib
    import inspect

    out = {}
    for module in ENUM_MODULES:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        for name, cls in sorted(vars(mod).items()):
            if not (inspect.isclass(cls) and issubclass(cls, enum.Enum) and cls.__module__ == module):
                continue
            missing = inspect.getattr_static(cls, "_missing_").__func__
            plain_missing = missing is enum.Enum._missing_.__func__ or (
                missing.__qualname__ == "ExplicitEnum._missing_"
                and "raise ValueError" in inspect.getsource(missing))
            if (type(cls).__call__ is enum.EnumType.__call__ and cls.__new__ is enum.Enum.__new__
                    and plain_missing and "__reduce_ex__" not in vars(cls)):
                out[(module, name)] = (f"Enum stored as {name}(value): EnumType.__call__ looks the member up "
                                       "(Hugging Face training_args.bin)")
    return out


def reconstruction_entries() -> list:
    """The hand-justified entries, checked against the installed libraries, plus scanned siblings."""
    import importlib
    import inspect

    import numpy

    out = {}
    for module, name, why in RECONSTRUCTION:
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)  # AttributeError: the library renamed it; fix the table
        out[(module, name)] = why
    for module in CYTHON_MODULES:
        mod = importlib.import_module(module)
        for name in dir(mod):
            if name.startswith("__pyx_unpickle_") and not name.endswith("__set_state"):
                out.setdefault((module, name), f"Cython unpickle helper of {name[15:]}: checksum, __new__, C fields")
                cls = getattr(mod, name[15:], None)
                if inspect.isclass(cls):
                    out.setdefault((module, name[15:]), f"Cython class rebuilt by {name}")
    for scalar in set(numpy.sctypeDict.values()):
        out.setdefault(("numpy", scalar.__name__), "NumPy scalar type (numpy.sctypeDict), stored as a dtype value")
    dist = importlib.import_module("sklearn.metrics._dist_metrics")
    for name, cls in vars(dist).items():
        if inspect.isclass(cls) and name.endswith(("Distance64", "Distance32")):
            out.setdefault(("sklearn.metrics._dist_metrics", name), "distance metric class given to newObj")
    loss = importlib.import_module("sklearn._loss._loss")
    for name, cls in vars(loss).items():
        if inspect.isclass(cls) and name.startswith("Cy"):
            out.setdefault(("sklearn._loss._loss", name), "Cython loss class rebuilt by its unpickle helper")
    for key, why in enum_entries().items():
        out.setdefault(key, why)
    return [[m, n, why] for (m, n), why in sorted(out.items())]


def split_key(key: str, modules) -> tuple:
    """``"torch.cuda.FloatTensor"`` -> ``("torch.cuda", "FloatTensor")``: the longest importable module prefix."""
    parts = key.split(".")
    for i in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:i])
        if module in modules:
            obj = modules[module]
            try:
                for part in parts[i:]:
                    obj = getattr(obj, part)
            except AttributeError:
                continue
            return module, ".".join(parts[i:])
    raise SystemExit(f"cannot split {key!r} into module and qualified name")


def main() -> int:
    if "--reconstruction" in sys.argv[1:]:
        document = json.loads(TARGET.read_text(encoding="utf-8"))
        document["reconstruction"] = reconstruction_entries()
        TARGET.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {TARGET} ({len(document['reconstruction'])} reconstruction entries)")
        return 0
    import torch
    from torch import _weights_only_unpickler as wo

    allowed = sorted(split_key(k, sys.modules) for k in wo._get_allowed_globals())
    # The opcodes Unpickler.load dispatches on, read from its module namespace.
    names = [n for n in dir(pickle) if n.isupper() and isinstance(getattr(pickle, n), bytes) and len(getattr(pickle, n)) == 1]
    source = Path(wo.__file__).read_text(encoding="utf-8")
    body = source[source.index("    def load(self):"):source.index("    def pop_mark(self):")]
    opcodes = sorted(n for n in names if re.search(rf"(?<![A-Z_]){n}\[0\]", body))
    document = {
        "source": f"torch {torch.__version__}: torch/_weights_only_unpickler.py (_get_allowed_globals, "
                  "_blocklisted_modules, Unpickler.load)",
        "weights_only": [list(p) for p in allowed],
        "weights_only_blocked_modules": list(wo._blocklisted_modules),
        "weights_only_opcodes": opcodes,
        "numpy": [list(p) for p in NUMPY],
        "joblib": [list(p) for p in JOBLIB],
        "reconstruction": reconstruction_entries(),
    }
    TARGET.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({len(allowed)} torch globals, {len(opcodes)} opcodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
