"""The verdict model: a call off the allowlist is an error; data reconstruction is not a finding.

Hostile streams here are the public gadget families of the issue (each a call the loader
makes with arguments the file chooses); benign ones are the exact forms real libraries
write (checked against real files in ``test_real_libraries``).
"""

from __future__ import annotations

import importlib
import pickle
import typing

import pytest

from governance_hooks.checkpoint.allowlist import _shipped, default_allowlist
from governance_hooks.checkpoint.scan import ScanOptions, scan_bytes

from .make_corpus import EMPTY_DICT, EMPTY_TUPLE, NEWOBJ, REDUCE, STOP, TUPLE1, TUPLE2, bu, glob, proto

OPTIONS = ScanOptions(default_allowlist())
BUILD = b"b"
TUPLE3 = b"\x87"
NONE = b"N"


def rules_of(data: bytes):
    return [(i.rule_id.split("/", 1)[1], i.message) for i in scan_bytes(data, OPTIONS).issues]


def call(module: str, name: str, *args: bytes) -> bytes:
    tuple_op = {0: EMPTY_TUPLE, 1: TUPLE1, 2: TUPLE2, 3: TUPLE3}[len(args)]
    return proto(2) + glob(module, name) + b"".join(args) + (b"" if not args else tuple_op) + (
        EMPTY_TUPLE if not args else b"") + REDUCE + STOP


@pytest.mark.parametrize("module, name, why", [
    ("pkgutil", "resolve_name", "pkgutil.resolve_name is called"),
    ("uuid", "_get_command_stdout", "uuid._get_command_stdout is called"),
    ("imaplib", "IMAP4_stream", "imaplib.IMAP4_stream is called"),
    ("_osx_support", "_read_output", "_osx_support._read_output is called"),
    ("mailcap", "findmatch", "mailcap.findmatch is called"),
    ("doctest", "debug_script", "doctest.debug_script is called"),
    ("_xxsubinterpreters", "run_string", "_xxsubinterpreters.run_string is called"),
    ("logging", "FileHandler", "logging.FileHandler is called"),
    ("ssl", "get_server_certificate", "ssl.get_server_certificate is called"),
    ("torch.utils.collect_env", "run", "torch.utils.collect_env.run is called"),
    ("picklescan.scanner", "scan_file_path", "picklescan.scanner.scan_file_path is called"),
])
def test_a_call_off_the_allowlist_is_an_error_whatever_its_name(module, name, why):
    data = call(module, name, bu("echo pwned"))
    assert rules_of(data) == [(
        "unsafe-global", f"pickle: {module}.{name} is off the allowlist and the loader calls it ({why}): "
                         f"GLOBAL at offset 2; called by REDUCE at offset {len(data) - 2}")]


@pytest.mark.parametrize("module, name", [("tempfile", "_os.system"), ("random", "_os.system"),
                                          ("enum", "bltns.eval"), ("argparse", "_os.system"),
                                          ("_frozen_importlib_external", "_os.system")])
def test_a_dotted_name_off_the_allowlist_is_an_error(module, name):
    data = call(module, name, bu("id"))
    found = rules_of(data)
    assert [r for r, _ in found] == ["unsafe-global"]
    assert found[0][1].startswith(f"pickle: {module}.{name} is a dotted name off the allowlist")


def test_getattr_of_a_builtin_method_is_data_but_getattr_of_a_module_is_not():
    split = proto(2) + glob("builtins", "getattr") + glob("builtins", "str") + bu("split") + TUPLE2 + REDUCE + STOP
    assert rules_of(split) == []
    assert rules_of(pickle.dumps({"tokenizer": str.split, "pre": str.lower}, protocol=4)) == []
    evil = (proto(2) + glob("builtins", "getattr") + glob("random", "_os") + bu("system") + TUPLE2 + REDUCE
            + bu("id") + TUPLE1 + REDUCE + STOP)
    assert [r for r, _ in rules_of(evil)] == ["code-execution", "unsafe-global", "unsafe-global"]
    dunder = proto(2) + glob("builtins", "getattr") + glob("builtins", "str") + bu("__class__") + TUPLE2 + REDUCE + STOP
    assert [r for r, _ in rules_of(dunder)] == ["code-execution"]


def test_type_of_none_and_typing_forms_are_data():
    for protocol in (0, 2, 4, 5):
        data = pickle.dumps({"a": type(None), "b": typing.Optional[int], "c": typing.List[str]}, protocol=protocol)
        assert rules_of(data) == [], protocol
    three_args = (proto(2) + glob("builtins", "type") + bu("X") + EMPTY_TUPLE + EMPTY_DICT + TUPLE3 + REDUCE + STOP)
    assert [r for r, _ in rules_of(three_args)] == ["code-execution"]


def test_reconstruction_without_arguments_is_data_and_with_code_is_not():
    newobj_dict = proto(2) + glob("mylib", "Model") + EMPTY_TUPLE + NEWOBJ + EMPTY_DICT + bu("w") + b"K\x01s" + BUILD + STOP
    assert rules_of(newobj_dict) == []
    newobj_string = proto(2) + glob("mylib", "Model") + EMPTY_TUPLE + NEWOBJ + bu("rm -rf") + BUILD + STOP
    assert rules_of(newobj_string) == [(
        "unsafe-global", "pickle: mylib.Model is off the allowlist and the loader calls it (mylib.Model.__setstate__ "
                         "gets a non-dict state): GLOBAL at offset 2; called by NEWOBJ at offset 16, BUILD at offset 28")]
    reconstructor = (proto(2) + glob("copyreg", "_reconstructor") + glob("mylib", "Model") + glob("builtins", "object")
                     + NONE + TUPLE3 + REDUCE + EMPTY_DICT + BUILD + STOP)
    assert rules_of(reconstructor) == []
    evil_base = (proto(2) + glob("copyreg", "_reconstructor") + glob("mylib", "Model") + glob("subprocess", "Popen")
                 + bu("id") + TUPLE3 + REDUCE + STOP)
    assert [r for r, _ in rules_of(evil_base)] == ["unsafe-global", "unsafe-global", "code-execution"]


def test_a_global_handed_to_an_allowed_call_is_an_error():
    # numpy's __bit_generator_ctor instantiates the class it is given.
    data = proto(2) + glob("numpy.random._pickle", "__bit_generator_ctor") + glob("mylib", "Evil") + TUPLE1 + REDUCE + STOP
    found = rules_of(data)
    assert found == [("unsafe-global", "pickle: mylib.Evil is off the allowlist and is handed to "
                                       "numpy.random._pickle.__bit_generator_ctor by REDUCE at offset 58, which may call "
                                       "it: GLOBAL at offset 45")]


def test_unregistered_extension_code_is_an_error():
    data = proto(2) + b"\x82\xf0" + EMPTY_TUPLE + REDUCE + STOP
    assert rules_of(data) == [("unsafe-global", "pickle: extension code 240 is not in copyreg's registry, so the "
                                                "loader's registry decides what it imports: EXT1 at offset 2")]


def test_every_reconstruction_entry_is_justified_and_exists_in_the_installed_library():
    entries = _shipped()["reconstruction"]
    assert len(entries) >= 100
    missing = []
    for module, name, why in entries:
        assert why.strip(), (module, name)
        top = module.split(".")[0]
        if importlib.util.find_spec(top) is None:
            continue
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if obj is None:
            missing.append(f"{module}:{name}")
    assert missing == []


def test_real_libraries_write_nothing_the_scanner_flags(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn makes the estimator files")
    pytest.importorskip("pandas", reason="pandas makes the frame files")
    pytest.importorskip("lz4", reason="joblib's lz4 compression")
    from governance_hooks.checkpoint.scan import scan_file

    from .external import make_benign

    count = make_benign.write(tmp_path, large=False)
    flagged = {p.name: [i.message for i in scan_file(p, OPTIONS).issues]
               for p in sorted(tmp_path.iterdir())}
    assert count >= 180
    flagged = {k: v for k, v in flagged.items() if v}
    if (tmp_path / "training_args.bin").exists():  # written only when torch is installed
        # A third-party enum is pickled as a call of its class with the value; without importing
        # the class it cannot be told from a gadget, so it stays an error until allow-globals names it.
        enum = "tests.checkpoint.external.make_benign.Strategy"
        assert flagged.pop("training_args.bin") == [
            f"training_args/data.pkl: {enum} is off the allowlist and the loader calls it ({enum} is called): "
            "GLOBAL at offset 177; called by REDUCE at offset 242, REDUCE at offset 282"]
        allowed = ScanOptions(default_allowlist([("tests.checkpoint.external.make_benign", "Strategy")]))
        assert scan_file(tmp_path / "training_args.bin", allowed).issues == []
    assert flagged == {}
    if (tmp_path / "hf_training_args.bin").exists():  # transformers and accelerate Enums are on the allowlist
        assert scan_file(tmp_path / "hf_training_args.bin", OPTIONS).issues == []
