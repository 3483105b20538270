"""Rule registry of the ``semgrep`` check: one entry per rule of the shipped pack.

The Semgrep rules themselves are YAML files in ``governance_hooks/data/semgrep``
(``semgrep_rules/`` at the top of the repository points there). A finding's id
is ``semgrep/<rule>`` where ``<rule>`` is the Semgrep rule id, or the rule's
``metadata.governance-rule`` when several Semgrep rules report under one id (the
per-migration rules of ``deprecated-import``). ``tests/semgrep`` asserts that
this tuple and the YAML files name the same rules with the same severities.
"""

from __future__ import annotations

from ..findings import Severity
from ..rules import Rule

_DESERIALISATION = (
    "Unpickling executes the callables named in the byte stream (the REDUCE opcode), so loading a "
    "file is running code from whoever wrote it. Files tracked by this repository are reviewed, so a "
    "literal relative path inside the repository (not absolute, no '..', no URL) is accepted; "
    "anything computed at run time is not. CWE-502."
)

RULES = (
    Rule(
        "semgrep/torch-load-without-weights-only", Severity.ERROR,
        "torch.load without weights_only=True (or with weights_only=False) on a path computed at run time.",
        "torch.load unpickles the checkpoint; weights_only=True restricts it to tensors and primitive "
        "containers. The default became True only in PyTorch 2.6, so older installs and explicit "
        "weights_only=False load arbitrary objects. Fix: pass weights_only=True, or store weights as "
        "safetensors. " + _DESERIALISATION,
    ),
    Rule(
        "semgrep/torch-hub-load-untrusted-repo", Severity.ERROR,
        "torch.hub.load with a repository or folder computed at run time (it imports that hubconf.py).",
        "torch.hub.load(repo_or_dir, ...) downloads or opens the named repository and imports its "
        "hubconf.py, so whoever chooses the value runs code. A literal repository is fixed by this "
        "repository's code and not flagged. Fix: name a fixed repository with a tag, or load the "
        "weights with torch.load(weights_only=True). CWE-94.",
    ),
    Rule(
        "semgrep/pickle-load-untrusted", Severity.ERROR,
        "pickle/dill/cloudpickle/marshal/shelve/jsonpickle loads, or pandas.read_pickle, on data not in the repository.",
        "pickle.load, pickle.loads, pickle.Unpickler, _pickle, cPickle, dill, cloudpickle, "
        "pandas.read_pickle, shelve.open and jsonpickle.decode all execute code embedded in the "
        "stream; marshal.loads builds code objects and crashes the interpreter on crafted input. "
        "Self-produced data is accepted: pickle.loads(pickle.dumps(x)), a file written earlier in "
        "the same function, and loads in a function running a torch.distributed collective. Fix: "
        "exchange data as JSON, Parquet, safetensors or numpy arrays without allow_pickle. " + _DESERIALISATION,
    ),
    Rule(
        "semgrep/joblib-load-untrusted", Severity.ERROR,
        "joblib.load on a path computed at run time (joblib files are pickles).",
        "joblib.load is pickle with numpy buffers, so a crafted .joblib model runs code when loaded. "
        "Fix: load only files this repository tracks, or share models in a data-only format "
        "(skops, ONNX). " + _DESERIALISATION,
    ),
    Rule(
        "semgrep/numpy-load-allow-pickle", Severity.ERROR,
        "numpy.load(..., allow_pickle=True) on a path computed at run time.",
        "allow_pickle=True lets numpy unpickle object arrays from .npy/.npz files; numeric arrays do "
        "not need it. Fix: drop allow_pickle, or store object data as JSON. " + _DESERIALISATION,
    ),
    Rule(
        "semgrep/yaml-unsafe-load", Severity.ERROR,
        "yaml.load/load_all without a safe Loader, Loader=yaml.Loader/UnsafeLoader, or unsafe_load.",
        "PyYAML's Loader and UnsafeLoader construct Python objects from tags such as "
        "!!python/object/apply, so a crafted config runs code; yaml.load without a Loader uses "
        "FullLoader on PyYAML 5.1-5.4 and raises on 6. FullLoader itself is yaml-full-load. "
        "Fix: yaml.safe_load, or Loader=yaml.SafeLoader / yaml.CSafeLoader. CWE-502.",
    ),
    Rule(
        "semgrep/yaml-full-load", Severity.WARNING,
        "yaml.full_load/full_load_all or Loader=yaml.FullLoader.",
        "FullLoader constructs Python objects from tags such as !!python/object and "
        "!!python/name; since PyYAML 5.4 it refuses !!python/object/apply, the code-execution "
        "path of CVE-2020-1747 and CVE-2020-14343, so on a current PyYAML it is not code "
        "execution but still more than configuration needs. Fix: yaml.safe_load, and pin "
        "PyYAML >= 5.4. Source: PyYAML 5.4 release notes. CWE-502.",
    ),
    Rule(
        "semgrep/shell-command-non-literal", Severity.ERROR,
        "A shell runs a command built at run time (subprocess with shell=True, os.system, os.popen).",
        "With shell=True (and in os.system, os.popen, subprocess.getoutput) the command is parsed by "
        "/bin/sh, so quotes, ';', '|' and $(...) in interpolated data become shell syntax. Literal "
        "commands are fine. Fix: pass a list of arguments without shell=True, or shlex.quote every "
        "value. CWE-78; Python docs, subprocess 'Security Considerations'.",
    ),
    Rule(
        "semgrep/eval-exec-non-literal", Severity.ERROR,
        "eval or exec on a value that is not a literal string.",
        "eval/exec run their argument as Python with the caller's privileges; configuration values, "
        "CLI flags and model cards are data an attacker may write. Fix: ast.literal_eval for literals, "
        "json for data, a dict of allowed callables for names. CWE-95.",
    ),
    Rule(
        "semgrep/network-call-without-timeout", Severity.WARNING,
        "requests/urllib call without a timeout, requests/httpx with timeout=None, or a download API with no timeout.",
        "requests and urllib.request.urlopen wait forever by default, so one stalled server hangs a "
        "training job or CI step; httpx has a 5 s default that timeout=None removes. Calls that pass "
        "**kwargs are not flagged (the timeout may be inside). urllib.request.urlretrieve, "
        "torch.hub.download_url_to_file and wget.download take no timeout at all (not flagged after "
        "socket.setdefaulttimeout). Fix: timeout=<seconds> (requests: "
        "(connect, read) tuple). Sources: requests 'Timeouts', httpx 'Timeouts', urllib.request docs.",
    ),
    Rule(
        "semgrep/mlflow-remote-tracking-uri", Severity.WARNING,
        "A literal remote MLflow tracking/registry URI in code (breaks the offline default).",
        "mlflow.set_tracking_uri('https://...'), set_registry_uri, MlflowClient(tracking_uri=...) or "
        "MLFLOW_TRACKING_URI set in code send every run off the machine and fail without network. "
        "Loopback URLs (localhost, 127.0.0.1, [::1]) and file: URIs are local and not flagged; "
        "'databricks' is remote. Fix: read the URI from the environment at deployment time.",
    ),
    Rule(
        "semgrep/wandb-online-mode", Severity.WARNING,
        "Weights & Biases forced online in code (mode='online' or 'shared', WANDB_MODE='online').",
        "Forcing online mode uploads metrics, code and configs to a third party and fails without "
        "network; the mode belongs to the environment (WANDB_MODE, offline by default here). Fix: drop "
        "the override and sync deliberately with `wandb sync`. Source: W&B environment variables docs.",
    ),
    Rule(
        "semgrep/non-atomic-checkpoint-write", Severity.WARNING,
        "A checkpoint written straight to its final path (no temporary file + os.replace).",
        "torch.save, safetensors save_file and open(<checkpoint>, 'wb') write in place: a crash, OOM "
        "kill or full disk mid-write leaves a truncated checkpoint that the next resume loads or that "
        "replaces the last good one. Writes to a temporary name, a NamedTemporaryFile (or its .name), "
        "a temporary folder held in a variable or a BytesIO, or followed in the same function by "
        "os.replace/os.rename/shutil.move/Path.replace of the written path are not flagged. Fix: write "
        "tmp in the same folder, flush, fsync, os.replace(tmp, final).",
    ),
    Rule(
        "semgrep/deprecated-import", Severity.WARNING,
        "An import of a deprecated module path (built-in map plus [tool.governance-hooks.semgrep] migrations).",
        "Deprecated paths keep working behind a shim that warns, until a release removes them and "
        "every import breaks at once. Built-in map: sklearn.externals.joblib, torch.cuda.amp, "
        "pkg_resources, distutils; a dotted path is also matched when used as an attribute "
        "(torch.cuda.amp.GradScaler(...) after import torch). A repository adds its own with "
        "`migrations = {\"old.module\" = \"new.module\"}`; `import old`, `from old import x`, "
        "submodules and importlib.import_module('old...') are all matched.",
    ),
    Rule(
        "semgrep/analysis-incomplete", Severity.ERROR,
        "Semgrep could not fully analyse a file (timeout, time budget, size limit, a NUL byte, or a Semgrep error).",
        "Findings in the named file may be missing: Semgrep hit its per-file timeout, the run hit the "
        "check's wall-clock budget, the file exceeds max-file-bytes or holds a NUL byte (Semgrep stops "
        "parsing there), or Semgrep reported an error for it; a file refused unread (a symlink out of the "
        "repository, a FIFO, a device, a loop) is reported too. An error, because what was not analysed "
        "was not shown safe (fail closed). Raise timeout/budget/max-file-bytes in "
        "[tool.governance-hooks.semgrep], or split the file.",
    ),
)
