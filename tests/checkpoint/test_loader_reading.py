"""Files are read exactly as their loaders read them; each trick is proved on the real loader.

Every proof loads a crafted file with the real library in a temporary folder; the payload
only creates an empty marker file there (``open(path, 'w')``). Proofs that need PyTorch
skip when it is not installed (it is too heavy for the test extra).
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

import pytest

from governance_hooks.checkpoint.allowlist import default_allowlist
from governance_hooks.checkpoint.scan import ScanOptions, scan_bytes, scan_file

from .external import builders as b

OPTIONS = ScanOptions(default_allowlist())


def found(data: bytes):
    return [(i.rule_id.split("/", 1)[1], i.message) for i in scan_bytes(data, OPTIONS).issues]


def open_call(where: str, path: str, glob_at: int, reduce_at: int) -> tuple:
    return ("code-execution", f"{where}: builtins.open executes code on load (builtins.open evaluates code or reaches "
                              f"arbitrary objects): GLOBAL at offset {glob_at}; called by REDUCE at offset {reduce_at}")


def test_joblib_array_sized_as_numpy_does(tmp_path):
    joblib = pytest.importorskip("joblib")
    mark = tmp_path / "marker"
    data = b.joblib_array_with_lying_elsize(b.marker_ops(str(mark)))
    (tmp_path / "model.joblib").write_bytes(data)
    joblib.load(tmp_path / "model.joblib")  # the real loader runs the bytes the dtype state claims are data
    assert mark.exists()
    assert found(data) == [open_call("pickle", str(mark), 163, len(data) - 2)]


def test_protocol_0_string_with_non_ascii_bytes_is_read_like_pickle_load(tmp_path):
    mark = tmp_path / "marker"
    text = b"(S'caf\xe9'\np0\n" + b"c__builtin__\nopen\n(V" + str(mark).encode() + b"\nVw\ntR" + b"tp1\n."
    pickle.loads(text, encoding="latin1")  # NumPy, joblib and torch open Python 2 files this way
    assert mark.exists()
    assert found(text) == [(
        "code-execution", "pickle: builtins.open (written as __builtin__.open) executes code on load (builtins.open "
                          "evaluates code or reaches arbitrary objects): GLOBAL at offset 12; called by REDUCE at offset "
                          f"{text.index(b'tR') + 1}")]
    assert found(b"(S'caf\xe9'\np0\nS'\xff\\x41'\np1\nt.") == []


def test_python2_npy_header_with_long_integers():
    numpy = pytest.importorskip("numpy")
    real = Path(numpy.__file__).parent / "lib" / "tests" / "data" / "win64python2.npy"
    if not real.exists():
        pytest.skip("NumPy's own win64python2.npy is not installed with this NumPy")
    assert b"2L" in real.read_bytes()[:128]
    assert numpy.load(real).shape == (2,)  # the real loader reads it
    result = scan_file(real, OPTIONS)
    assert (result.formats, result.issues) == (["npy"], [])


def test_zip_names_differing_in_case_are_a_finding_and_both_are_scanned(tmp_path):
    hostile = b.marker(str(tmp_path / "marker"))
    data = b.stored_zip([("archive/data.pkl", b"\x80\x02}."), ("archive/DATA.PKL", hostile),
                         ("archive/version", b"3\n")])
    assert found(data) == [
        ("unreadable-container", "member names 'archive/DATA.PKL', 'archive/data.pkl' differ only in case: PyTorch's "
                                 "reader looks names up case-insensitively, so which one it opens is not the one "
                                 "zipfile-based tools pick"),
        open_call("archive/DATA.PKL", "", 2, len(hostile) - 2),
    ]


def test_two_central_directories_are_a_finding_and_both_are_scanned(tmp_path):
    hostile = b.marker(str(tmp_path / "marker"))
    data = b.two_directories(b.torch_members(b"\x80\x02}."), b.torch_members(hostile))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # Python's zipfile sees only the harmless pickle
        assert archive.read("archive/data.pkl") == b"\x80\x02}."
    issues = found(data)
    assert [rule for rule, _ in issues] == ["unreadable-container", "code-execution"]
    assert issues[0][1].startswith("two central directories: the one the end record points at lists "
                                   "'archive/data.pkl', 'archive/byteorder', 'archive/version'")


def test_legacy_torch_tar_is_read_like_legacy_load(tmp_path):
    hostile = b.torch_tar(b.marker(str(tmp_path / "marker")))
    rules = [rule for rule, _ in found(hostile)]
    assert rules == ["code-execution"]
    assert found(b.torch_tar(b"\x80\x02}q\x00.")) == []
    storages = (b"\x80\x02K\x01." + b"\x80\x02(X\x01\x00\x00\x000X\x03\x00\x00\x00cpuctorch\nFloatStorage\ntq\x00."
                + (2).to_bytes(8, "little") + b"\x00" * 8 + b"\x80\x02]." + b"\x80\x02cposix\nsystem\n.")
    assert [rule for rule, _ in found(b.torch_tar(b"\x80\x02}.", storages=storages))] == ["trailing-data"]


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed (too heavy for the test extra)")


def _load_with_real_torch(torch, path: Path) -> None:
    try:
        torch.load(path, weights_only=False)  # the hostile reading's pickle runs before anything can fail
    except Exception:  # noqa: BLE001 - the proof is the marker, not the return value
        pass


def test_real_torch_opens_the_upper_case_member(tmp_path):
    torch = _torch()
    mark = tmp_path / "marker"
    # miniz's lookup ignores case and takes the first match in directory order; zipfile takes the exact name
    data = b.stored_zip([("archive/DATA.PKL", b.marker(str(mark))), ("archive/data.pkl", b"\x80\x02}."),
                         ("archive/byteorder", b"little"), ("archive/version", b"3\n")])
    (tmp_path / "m.pt").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "m.pt") as archive:
        assert archive.read("archive/data.pkl") == b"\x80\x02}."
    _load_with_real_torch(torch, tmp_path / "m.pt")
    assert mark.exists()  # torch unpickled archive/DATA.PKL, not the harmless archive/data.pkl
    issues = found(data)
    assert [rule for rule, _ in issues] == ["unreadable-container", "code-execution"]
    assert issues[1][1].startswith("archive/DATA.PKL: builtins.open executes code on load")


def test_real_torch_reads_the_recorded_directory(tmp_path):
    torch = _torch()
    mark = tmp_path / "marker"
    data = b.two_directories(b.torch_members(b"\x80\x02}."), b.torch_members(b.marker(str(mark))))
    (tmp_path / "m.pt").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "m.pt") as archive:
        assert archive.read("archive/data.pkl") == b"\x80\x02}."
    _load_with_real_torch(torch, tmp_path / "m.pt")
    assert mark.exists()  # torch read the directory the end record points at, not zipfile's
    assert [rule for rule, _ in found(data)] == ["unreadable-container", "code-execution"]


def test_real_torch_runs_the_pickle_member_of_a_legacy_tar(tmp_path):
    torch = _torch()
    mark = tmp_path / "marker"
    data = b.torch_tar(b.marker(str(mark)))
    (tmp_path / "old.pt").write_bytes(data)
    _load_with_real_torch(torch, tmp_path / "old.pt")
    assert mark.exists()  # torch.load still opens pre-0.4 tar checkpoints
    assert [rule for rule, _ in found(data)] == ["code-execution"]


def test_real_torch_runs_the_storages_member_of_a_legacy_tar(tmp_path):
    torch = _torch()
    mark = tmp_path / "marker"
    storages = b"\x80\x02K\x01." + b.marker(str(mark))  # the count, then the first storage's pickle
    data = b.torch_tar(b"\x80\x02}q\x00.", storages=storages)
    (tmp_path / "old.pt").write_bytes(data)
    _load_with_real_torch(torch, tmp_path / "old.pt")
    assert mark.exists()
    assert [rule for rule, _ in found(data)] == ["trailing-data", "code-execution"]


def test_real_torch_opens_an_upper_case_member_alone(tmp_path):
    torch = _torch()
    mark = tmp_path / "marker"
    data = b.stored_zip([("archive/DATA.PKL", b.marker(str(mark))), ("archive/byteorder", b"little"),
                         ("archive/version", b"3\n")])
    (tmp_path / "m.pt").write_bytes(data)
    _load_with_real_torch(torch, tmp_path / "m.pt")
    assert mark.exists()  # no archive/data.pkl, yet torch finds and runs DATA.PKL
    assert [rule for rule, _ in found(data)] == ["code-execution"]


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "legacy"])
def test_real_torch_save_is_clean_and_a_planted_call_in_it_is_found(tmp_path, zipped):
    torch = _torch()
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    path = tmp_path / "m.pt"
    torch.save({"model": net.state_dict(), "epoch": 3}, path, _use_new_zipfile_serialization=zipped)
    result = scan_file(path, OPTIONS)
    assert result.issues == []
    torch.load(path, weights_only=True)  # the real loader agrees it is weights-only data
    mark = tmp_path / "marker"
    hostile = tmp_path / "hostile.pt"

    class Planted:
        def __reduce__(self):
            return (open, (str(mark), "w"))

    torch.save({"model": net.state_dict(), "hook": Planted()}, hostile, _use_new_zipfile_serialization=zipped)
    assert not mark.exists()
    assert [i.rule_id for i in scan_file(hostile, OPTIONS).issues] == ["checkpoint/code-execution"]
    _load_with_real_torch(torch, hostile)
    assert mark.exists()
