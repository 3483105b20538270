"""Work budgets scale with the file: large real artefacts pass, a real bomb is still stopped."""

from __future__ import annotations

import lzma
import pickle

import pytest

from governance_hooks.checkpoint.allowlist import default_allowlist
from governance_hooks.checkpoint.scan import ScanOptions, scan_bytes, scan_file

OPTIONS = ScanOptions(default_allowlist())


def test_a_million_item_list_is_within_the_default_budget():
    data = pickle.dumps(list(range(1_000_000)), protocol=4)
    assert scan_bytes(data, OPTIONS).issues == []
    small = ScanOptions(default_allowlist(), max_opcodes=1000, opcodes_per_mb=0)
    assert [i.rule_id for i in scan_bytes(data, small).issues] == ["checkpoint/analysis-incomplete"]


@pytest.mark.parametrize("compress", ["bz2", "xz"])
def test_a_constant_48_mb_array_compressed_by_joblib_is_not_a_bomb(tmp_path, compress):
    joblib = pytest.importorskip("joblib")
    numpy = pytest.importorskip("numpy")
    path = tmp_path / f"constant.joblib.{compress}"
    joblib.dump(numpy.zeros(6_000_000), path, compress=(compress, 3))
    assert scan_file(path, OPTIONS).issues == []


def test_a_bomb_past_the_floor_is_stopped_and_both_limits_are_configurable():
    zeros = lzma.compress(b"\x00" * (8 << 20), format=lzma.FORMAT_XZ)
    data = lzma.compress(b"\x80\x02N", format=lzma.FORMAT_XZ) + zeros * 4  # 32 MiB from a few KiB
    tight = ScanOptions(default_allowlist(), ratio_floor=16 << 20)
    found = [i.rule_id for i in scan_bytes(data, tight).issues]
    assert found == ["checkpoint/decompression-bomb"]
    capped = ScanOptions(default_allowlist(), max_decompressed=4 << 20)
    assert [i.message for i in scan_bytes(data, capped).issues] == [
        f"the xz stream inflates past {4 << 20} bytes (from {len(data)})"]
