"""Regenerate the checkpoint scanner corpus: ``tests/checkpoint/corpus/{benign,hostile}/``.

Benign files are written by the real libraries (torch CPU, numpy, joblib,
safetensors). Hostile files are crafted byte by byte; each name says its trick.
Every payload is harmless (``echo pwned``) and nothing here ever loads a hostile
file. Run: ``python tests/checkpoint/make_corpus.py`` (needs torch, numpy, joblib,
safetensors: the ``bench`` extra); ``--demo`` rewrites ``examples/demo-repo/checkpoints/``.
"""

from __future__ import annotations

import bz2
import collections
import gzip
import io
import lzma
import pickle
import shutil
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent / "corpus"
BENIGN = HERE / "benign"
HOSTILE = HERE / "hostile"

# -- pickle opcode helpers (Lib/pickletools.py names) -------------------------------
MARK, STOP, POP, POP_MARK, DUP = b"(", b".", b"0", b"1", b"2"
REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX = b"R", b"b", b"i", b"o", b"\x81", b"\x92"
TUPLE, TUPLE1, TUPLE2, EMPTY_TUPLE, EMPTY_DICT, NONE = b"t", b"\x85", b"\x86", b")", b"}", b"N"
STACK_GLOBAL, MEMOIZE = b"\x93", b"\x94"
PAYLOAD = "echo pwned"


def proto(n: int) -> bytes:
    return b"\x80" + bytes([n])


def glob(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def u(text: str) -> bytes:
    """SHORT_BINUNICODE (protocol 4+)."""
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def bu(text: str) -> bytes:
    """BINUNICODE (protocol 1+)."""
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def binput(i: int) -> bytes:
    return b"q" + bytes([i])


def binget(i: int) -> bytes:
    return b"h" + bytes([i])


def framed(body: bytes) -> bytes:
    """Protocol 4: PROTO 4, one FRAME holding ``body`` (which must end with STOP)."""
    return proto(4) + b"\x95" + struct.pack("<Q", len(body)) + body


def system_call_p2(module: str = "posix") -> bytes:
    """``posix.system('echo pwned')`` as ``pickle.dumps`` writes it with protocol 2."""
    return proto(2) + glob(module, "system") + bu(PAYLOAD) + TUPLE1 + REDUCE + STOP


# -- zip helpers ------------------------------------------------------------------------
def torch_like_zip(data_pkl: bytes, extra=()) -> bytes:
    """A stored zip laid out like torch.save's (archive/data.pkl, archive/version, ...)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        for name, data in extra:
            archive.writestr(name, data)
        archive.writestr("archive/byteorder", b"little")
        archive.writestr("archive/version", b"3\n")
    return out.getvalue()


def _central_entries(data: bytes):
    eocd = data.rfind(b"PK\x05\x06")
    count, size, offset = struct.unpack("<HII", data[eocd + 10:eocd + 20])
    pos = offset
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[pos + 28:pos + 34])
        local = struct.unpack("<I", data[pos + 42:pos + 46])[0]
        name = data[pos + 46:pos + 46 + name_len].decode()
        yield pos, local, name
        pos += 46 + name_len + extra_len + comment_len


def patch_member(data: bytes, member: str, *, flags: int = 0, local_name: bytes = b"", crc: int = -1) -> bytes:
    """Set flag bits, rename in the local header only, or overwrite the CRC of ``member``."""
    out = bytearray(data)
    for central, local, name in _central_entries(data):
        if name != member:
            continue
        if flags:
            for at in (central + 8, local + 6):
                out[at:at + 2] = struct.pack("<H", struct.unpack("<H", out[at:at + 2])[0] | flags)
        if local_name:
            assert len(local_name) == len(member.encode())
            out[local + 30:local + 30 + len(local_name)] = local_name
        if crc >= 0:
            out[central + 16:central + 20] = struct.pack("<I", crc)
            out[local + 14:local + 18] = struct.pack("<I", crc)
    return bytes(out)


def npy_bytes(descr: str, shape, body: bytes) -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": tuple(shape)}).encode("latin-1")
    pad = 64 - (10 + len(header) + 1) % 64
    header += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def safetensors_bytes(header: dict, data: bytes) -> bytes:
    import json

    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


# -- benign ------------------------------------------------------------------------------
def make_benign() -> dict:
    import joblib
    import numpy as np
    import torch
    from safetensors.numpy import save as st_save_numpy
    from safetensors.torch import save as st_save_torch

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(3, 8)).sum().backward()
    optimizer.step()
    files = {}

    def torch_bytes(obj, **kw) -> bytes:
        buf = io.BytesIO()
        torch.save(obj, buf, **kw)
        return buf.getvalue()

    files["torch_state_dict.pt"] = torch_bytes(model.state_dict())
    files["torch_training_checkpoint.ckpt"] = torch_bytes(
        {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3, "best_metric": 0.25})
    files["torch_mixed_dtypes.pth"] = torch_bytes({
        "f16": torch.ones(3, dtype=torch.float16), "bf16": torch.zeros(2, dtype=torch.bfloat16),
        "i64": torch.arange(4), "bool": torch.tensor([True, False]), "param": torch.nn.Parameter(torch.ones(2)),
        "view": torch.arange(10.0)[2:5]})
    files["torch_legacy_format.pt"] = torch_bytes(model.state_dict(), _use_new_zipfile_serialization=False)
    files["torch_legacy_training.bin"] = torch_bytes(
        {"model": model.state_dict(), "step": 7}, _use_new_zipfile_serialization=False)
    arrays = {"weights": rng.standard_normal((4, 3)).astype(np.float32), "ids": np.arange(6, dtype=np.int64)}
    buf = io.BytesIO()
    np.save(buf, arrays["weights"])
    files["numpy_float32.npy"] = buf.getvalue()
    buf = io.BytesIO()
    np.save(buf, np.zeros(3, dtype=[("x", "<f4"), ("name", "S5")]))
    files["numpy_structured.npy"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    files["numpy_arrays.npz"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    files["numpy_arrays_compressed.npz"] = buf.getvalue()
    plain = {"name": "run-7", "lr": 0.001, "layers": [64, 32], "tags": ("a", "b"), "blob": b"\x00\x01",
             "ordered": collections.OrderedDict(a=1, b=2), "nested": {"x": [1.5, None, True]}}
    for p in range(6):
        files[f"pickle_plain_protocol{p}.pkl"] = pickle.dumps(plain, protocol=p)
    files["pickle_numpy_arrays.pickle"] = pickle.dumps(arrays, protocol=5)
    files["pickle_numpy_arrays_protocol2.pkl"] = pickle.dumps(arrays, protocol=2)
    for compress in (None, "zlib", "gzip", "bz2", "lzma", "xz"):
        target = io.BytesIO()
        joblib.dump({"arrays": arrays, "meta": {"epoch": 2}}, target, compress=(compress, 3) if compress else 0)
        files[f"joblib_{compress or 'raw'}.joblib"] = target.getvalue()
    target = io.BytesIO()
    joblib.dump([np.arange(5), "text", np.array([1, "x"], dtype=object)], target)
    files["joblib_object_array.joblib"] = target.getvalue()
    files["safetensors_numpy.safetensors"] = st_save_numpy(arrays, metadata={"format": "np"})
    files["safetensors_torch.safetensors"] = st_save_torch(
        {k: v.contiguous() for k, v in model.state_dict().items()}, metadata={"format": "pt"})
    return files


# -- hostile -------------------------------------------------------------------------------
def make_hostile() -> dict:
    benign_torch = (BENIGN / "torch_state_dict.pt").read_bytes()
    evil = system_call_p2()
    files = {}
    files["reduce_os_system_protocol0.pkl"] = glob("os", "system") + MARK + b"S'" + PAYLOAD.encode() + b"'\n" + TUPLE + REDUCE + STOP
    files["reduce_posix_system_protocol2.pkl"] = evil
    files["stack_global_protocol4.pkl"] = framed(
        u("os") + MEMOIZE + u("system") + MEMOIZE + STACK_GLOBAL + MEMOIZE + u(PAYLOAD) + MEMOIZE + TUPLE1 + MEMOIZE + REDUCE + MEMOIZE + STOP)
    # The module and name strings are stored in the memo inside a harmless dict, fetched later.
    files["stack_global_names_from_memo.pkl"] = framed(
        EMPTY_DICT + MEMOIZE + u("a") + u("subprocess") + MEMOIZE + b"s" + u("b") + u("getoutput") + MEMOIZE + b"s"
        + POP + binget(1) + binget(2) + STACK_GLOBAL + u(PAYLOAD) + TUPLE1 + REDUCE + STOP)
    files["py2_builtin_eval.pkl"] = glob("__builtin__", "eval") + MARK + b"S'print(1)'\n" + TUPLE + REDUCE + STOP
    files["inst_subprocess_check_output.pkl"] = (MARK + MARK + b"lp0\nS'echo'\naS'pwned'\na"
                                                 + INST + b"subprocess\ncheck_output\n" + STOP)
    files["obj_os_system.pkl"] = MARK + glob("os", "system") + bu(PAYLOAD) + OBJ + STOP
    files["newobj_subprocess_popen.pkl"] = proto(2) + glob("subprocess", "Popen") + bu(PAYLOAD) + TUPLE1 + NEWOBJ + STOP
    files["newobj_ex_subprocess_popen.pkl"] = framed(
        u("subprocess") + u("Popen") + STACK_GLOBAL + u(PAYLOAD) + TUPLE1 + EMPTY_DICT + NEWOBJ_EX + STOP)
    files["build_mutates_allowlisted_class.pkl"] = (
        proto(2) + glob("torch.nn.parameter", "Parameter") + NONE + EMPTY_DICT + bu("__torch_function__")
        + NONE + b"s" + TUPLE2 + BUILD + POP + EMPTY_DICT + STOP)
    files["discarded_reduce_result.pkl"] = proto(2) + glob("os", "system") + bu(PAYLOAD) + TUPLE1 + REDUCE + POP + EMPTY_DICT + STOP
    files["call_inside_pop_mark.pkl"] = proto(2) + MARK + glob("os", "system") + bu(PAYLOAD) + TUPLE1 + REDUCE + POP_MARK + EMPTY_DICT + STOP
    files["dotted_name_traverses_to_os.pkl"] = framed(
        u("torch") + u("serialization.os.system") + STACK_GLOBAL + u(PAYLOAD) + TUPLE1 + REDUCE + STOP)
    files["getattr_import_gadget.pkl"] = (
        proto(2) + glob("builtins", "getattr") + glob("builtins", "__import__") + bu("os") + TUPLE1 + REDUCE
        + bu("system") + TUPLE2 + REDUCE + bu(PAYLOAD) + TUPLE1 + REDUCE + STOP)
    files["unregistered_ext_code.pkl"] = proto(2) + b"\x82\x2a" + bu(PAYLOAD) + TUPLE1 + REDUCE + STOP
    files["second_pickle_malicious.pkl"] = pickle.dumps({"epoch": 1}, protocol=2) + evil
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    files["legacy_torch_malicious_data.pt"] = (
        magic + pickle.dumps(1001, protocol=2)
        + pickle.dumps({"protocol_version": 1001, "little_endian": True, "type_sizes": {"int": 4}}, protocol=2)
        + evil + pickle.dumps([], protocol=2))
    files["torch_zip_malicious_data_pkl.pt"] = torch_like_zip(evil)
    benign_pickle = zipfile.ZipFile(io.BytesIO(benign_torch)).read("torch_state_dict/data.pkl") \
        if "torch_state_dict/data.pkl" in zipfile.ZipFile(io.BytesIO(benign_torch)).namelist() \
        else zipfile.ZipFile(io.BytesIO(benign_torch)).read(
            next(n for n in zipfile.ZipFile(io.BytesIO(benign_torch)).namelist() if n.endswith("data.pkl")))
    files["torch_zip_extra_member_is_pickle.pt"] = torch_like_zip(benign_pickle, [("archive/extra/payload", evil)])
    files["torch_zip_encryption_flag.pt"] = patch_member(torch_like_zip(evil), "archive/data.pkl", flags=0x1)
    files["torch_zip_local_name_mismatch.pt"] = patch_member(torch_like_zip(evil), "archive/data.pkl", local_name=b"archive/data.txt")
    files["torch_zip_bad_crc.pt"] = patch_member(torch_like_zip(evil), "archive/data.pkl", crc=0x12345678)
    dup = io.BytesIO()
    with zipfile.ZipFile(dup, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", benign_pickle)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            archive.writestr("archive/data.pkl", evil)
        archive.writestr("archive/version", b"3\n")
    files["torch_zip_duplicate_data_pkl.pt"] = dup.getvalue()
    object_npy = npy_bytes("|O", (1,), evil)
    files["npy_object_array.npy"] = object_npy
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("weights.npy", npy_bytes("<f4", (2,), b"\x00" * 8))
        archive.writestr("labels.npy", object_npy)
    files["npz_object_member.npz"] = npz.getvalue()
    files["joblib_zlib_payload.joblib"] = zlib.compress(evil)
    files["joblib_gzip_payload.joblib"] = gzip.compress(evil, mtime=0)
    files["joblib_bz2_payload.joblib"] = bz2.compress(evil)
    files["joblib_lzma_payload.joblib"] = lzma.compress(evil, format=lzma.FORMAT_ALONE)
    files["joblib_xz_payload.joblib"] = lzma.compress(evil, format=lzma.FORMAT_XZ)
    files["pickle_then_torch_zip_polyglot.pt"] = evil + benign_torch
    files["benign_pickle_then_malicious_zip.pt"] = pickle.dumps({"epoch": 1}, protocol=2) + torch_like_zip(evil)
    files["truncated_after_reduce.pkl"] = evil[:-1]
    files["unknown_opcode_after_reduce.pkl"] = evil[:-1] + b"\xff" + STOP
    files["memo_key_never_stored.pkl"] = proto(2) + glob("os", "system") + binget(7) + REDUCE + STOP
    body = u("os") + u("system") + STACK_GLOBAL + u(PAYLOAD) + TUPLE1 + REDUCE + STOP
    files["frame_longer_than_file.pkl"] = proto(4) + b"\x95" + struct.pack("<Q", len(body) + 4096) + body
    benign_body = EMPTY_DICT + STOP
    hidden = framed(body)
    files["frame_hides_second_pickle.pkl"] = (proto(4) + b"\x95" + struct.pack("<Q", len(benign_body) + len(hidden))
                                              + benign_body + hidden)
    # Three concatenated xz streams of 96 MiB of zeros (joblib's LZMAFile reads them all): past the
    # 256 MiB floor the ratio is far beyond 4000:1.
    zeros = lzma.compress(b"\x00" * (96 << 20), format=lzma.FORMAT_XZ)
    files["decompression_bomb.joblib"] = lzma.compress(b"\x80\x02N", format=lzma.FORMAT_XZ) + zeros * 3
    # joblib reads the next 30 bytes as uint8 array data; pickle.load runs them as opcodes.
    hidden_ops = glob("posix", "system") + bu(PAYLOAD) + TUPLE1 + REDUCE + POP
    wrapper_state = (EMPTY_DICT + MARK + bu("subclass") + glob("numpy", "ndarray") + bu("shape") + b"K" + bytes([len(hidden_ops)])
                     + TUPLE1 + bu("order") + bu("C") + bu("dtype") + glob("numpy", "dtype") + bu("u1") + b"\x89\x88"
                     + b"\x87" + REDUCE + MARK + b"K\x03" + bu("|") + NONE + NONE + NONE + b"J\xff\xff\xff\xff"
                     + b"J\xff\xff\xff\xff" + b"K\x00" + TUPLE + BUILD + bu("allow_mmap") + b"\x89" + b"u")
    files["joblib_array_bytes_are_opcodes.joblib"] = (
        proto(2) + glob("joblib.numpy_pickle", "NumpyArrayWrapper") + EMPTY_TUPLE + NEWOBJ + wrapper_state + BUILD
        + hidden_ops + STOP)
    files["numpy_testing_runstring.pkl"] = (proto(2) + glob("numpy.testing._private.utils", "runstring")
                                            + bu("import os; os.system('echo pwned')") + EMPTY_DICT + TUPLE2 + REDUCE + STOP)
    inner = evil
    files["nested_pickle_loads.pkl"] = (proto(3) + glob("_pickle", "loads") + b"C" + bytes([len(inner)]) + inner
                                        + TUPLE1 + REDUCE + STOP)
    files["importlib_import_module.pkl"] = (proto(2) + glob("importlib", "import_module") + bu("antigravity") + TUPLE1
                                            + REDUCE + STOP)
    files["runpy_run_module.pkl"] = proto(2) + glob("runpy", "run_module") + bu("this") + TUPLE1 + REDUCE + STOP
    files["operator_attrgetter_gadget.pkl"] = (proto(2) + glob("operator", "attrgetter") + bu("system") + TUPLE1 + REDUCE
                                               + POP + EMPTY_DICT + STOP)
    files["unknown_third_party_class.pkl"] = (proto(2) + glob("mylib.payloads", "Backdoor") + bu("echo pwned") + TUPLE1
                                              + NEWOBJ + STOP)
    files["torch_zip_unknown_global.pt"] = torch_like_zip(
        proto(2) + glob("collections", "OrderedDict") + EMPTY_TUPLE + REDUCE
        + bu("hook") + glob("mylib.hooks", "on_load") + EMPTY_TUPLE + REDUCE + b"s" + STOP)
    files["safetensors_overlapping_offsets.safetensors"] = safetensors_bytes(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\x00" * 12)
    files["safetensors_header_past_end.safetensors"] = struct.pack("<Q", 1 << 20) + b'{"a":1}'
    files["npy_data_shorter_than_shape.npy"] = npy_bytes("<f8", (1000,), b"\x00" * 16)
    return files


DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-repo" / "checkpoints"


def make_demo() -> dict:
    """The demo repository's checkpoints: a best-k index listed out of order, a consistent v2
    folder, and a pickle that would run ``echo pwned`` if anyone loaded it."""
    import hashlib
    import json

    import torch

    torch.manual_seed(7)
    files = {}

    def save(obj) -> bytes:
        buf = io.BytesIO()
        torch.save(obj, buf)
        return buf.getvalue()

    runs = {"epoch_03": 0.41, "epoch_07": 0.35}
    entries = []
    for created, (name, loss) in enumerate(runs.items()):
        model = torch.nn.Linear(4, 2)
        data = save(model.state_dict())
        digest = hashlib.sha256(data).hexdigest()
        files[f"resnet-tiny/{name}/model.pt"] = data
        files[f"resnet-tiny/{name}/metadata.json"] = json.dumps({
            "schema_version": "1.0", "created_at": 1767225600 + created * 3600, "git_sha": "4f2c9a1",
            "config_hash": "sha256:77d1", "rng": {"seed": 7}, "env": {"torch": "2.13.0", "python": "3.11"},
            "metric_key": "val_loss", "metric_value": loss, "sha256": digest}, indent=2) + "\n"
        entries.append({"path": f"{name}/model.pt", "metric": loss, "created_at": 1767225600 + created * 3600,
                        "sha256": digest})
    # Deliberate mistake: mode "min" needs the lower val_loss (epoch_07) first.
    files["resnet-tiny/index.json"] = json.dumps({"schema_version": "1.0", "metric_key": "val_loss", "mode": "min",
                                                  "top_k": 2, "entries": entries}, indent=2) + "\n"
    state = save({"model": torch.nn.Linear(4, 2).state_dict(), "step": 2000})
    digest = hashlib.sha256(state).hexdigest()
    files["v2/step_2000/state.pt"] = state
    files["v2/step_2000/metadata.json"] = json.dumps({"schema_version": 2, "digest_sha256": digest,
                                                      "environment": {"torch": "2.13.0", "cuda": None}}, indent=2) + "\n"
    files["v2/step_2000/state.sha256"] = f"{digest}  state.pt\n"
    # Deliberate mistake: a "cached optimizer state" that runs a shell command when unpickled.
    files["legacy/optimizer_state.pkl"] = system_call_p2("os")
    return files


def main() -> int:
    if "--demo" in sys.argv[1:]:
        if DEMO.exists():
            shutil.rmtree(DEMO)
        for rel, data in make_demo().items():
            target = DEMO / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        print(f"wrote the demo checkpoints under {DEMO}")
        return 0
    for folder in (BENIGN, HOSTILE):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    for name, data in make_benign().items():
        (BENIGN / name).write_bytes(data)
    hostile = make_hostile()
    for name, data in hostile.items():
        (HOSTILE / name).write_bytes(data)
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"wrote {len(list(BENIGN.iterdir()))} benign and {len(hostile)} hostile files ({total} bytes) under {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
