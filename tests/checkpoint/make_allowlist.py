"""Regenerate ``governance_hooks/data/checkpoint/allowlist.json`` from the installed PyTorch.

The default allowlist of the checkpoint scanner is what ``torch.load(weights_only=True)``
accepts (``torch/_weights_only_unpickler.py``: ``_get_allowed_globals()``, the blocked
modules and the opcodes its ``Unpickler.load`` implements), plus the NumPy and joblib
reconstruction callables. The scanner never imports torch; this script does, once,
to write the list down. Run: ``python tests/checkpoint/make_allowlist.py``.
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
    }
    TARGET.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({len(allowed)} torch globals, {len(opcodes)} opcodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
