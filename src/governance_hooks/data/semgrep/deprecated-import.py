import importlib

import torch

# ruleid: deprecated-import-sklearn-externals-joblib
from sklearn.externals import joblib
# ruleid: deprecated-import-sklearn-externals-joblib
import sklearn.externals.joblib as legacy_joblib
# ok: deprecated-import-sklearn-externals-joblib
import joblib as modern_joblib
# ok: deprecated-import-sklearn-externals-joblib
from sklearn.externals import _packaging

# ruleid: deprecated-import-torch-cuda-amp
from torch.cuda.amp import GradScaler, autocast
# ruleid: deprecated-import-torch-cuda-amp
from torch.cuda import amp
# ok: deprecated-import-torch-cuda-amp
from torch.amp import GradScaler as AmpGradScaler
# ok: deprecated-import-torch-cuda-amp
import torch.cuda

# ruleid: deprecated-import-pkg-resources
import pkg_resources
# ruleid: deprecated-import-pkg-resources
resources = importlib.import_module("pkg_resources.extern")
# ok: deprecated-import-pkg-resources
from importlib.metadata import version
# ok: deprecated-import-pkg-resources
pkg_resources_like = importlib.import_module("pkg_resources_compat")

# ruleid: deprecated-import-distutils
from distutils.version import LooseVersion
# ruleid: deprecated-import-distutils
dist_util = __import__("distutils.util")
# ok: deprecated-import-distutils
from setuptools import setup
# ok: deprecated-import-distutils
from packaging.version import Version


def load_legacy(path):
    # ruleid: deprecated-import-sklearn-externals-joblib
    from sklearn.externals.joblib import load

    # ruleid: deprecated-import-torch-cuda-amp
    scaler = torch.cuda.amp.GradScaler()
    # ruleid: deprecated-import-torch-cuda-amp
    with torch.cuda.amp.autocast(enabled=True):
        pass
    # ok: deprecated-import-torch-cuda-amp
    scaler = torch.amp.GradScaler("cuda")
    # ok: deprecated-import-torch-cuda-amp
    available = torch.cuda.is_available()
    return scaler, available, path, load, joblib, legacy_joblib, modern_joblib, GradScaler, autocast, amp, AmpGradScaler
