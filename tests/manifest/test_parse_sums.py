"""sha256sum files: the formats GNU coreutils' ``sha256sum -c`` accepts, and what it rejects."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from governance_hooks.manifest.parse_sums import parse_sha256sums

from .conftest import sha

A, B, C = sha(b"a"), sha(b"b"), sha(b"c")
P = Path("SHA256SUMS")


def parse(data: bytes):
    manifest = parse_sha256sums(data, P)
    return ([(e.path, e.sha256, e.line) for e in manifest.entries],
            [(p.line, p.message) for p in manifest.problems])


def test_text_binary_tag_comment_crlf_and_dot_slash():
    data = (
        f"{A}  a.bin\n"
        f"{B} *dir/b.bin\r\n"
        "# a comment line\n"
        "\n"
        f"SHA256 (c d.bin) = {C.upper()}\n"
        f"{A}  ./find/output.bin\n"
        f"{A}   leading space.bin\n"
    ).encode()
    entries, problems = parse(data)
    assert problems == []
    assert entries == [("a.bin", A, 1), ("dir/b.bin", B, 2), ("c d.bin", C, 5),
                       ("find/output.bin", A, 6), (" leading space.bin", A, 7)]


def test_escaped_names_backslash_newline_and_carriage_return():
    data = (f"\\{A}  back\\\\slash\n" f"\\{B}  new\\nline\n" f"\\{C}  cr\\rname\n").encode()
    entries, problems = parse(data)
    assert problems == []
    assert entries == [("back\\slash", A, 1), ("new\nline", B, 2), ("cr\rname", C, 3)]


def test_malformed_lines_are_reported_with_their_line_number():
    data = (
        f"{A}  good.bin\n"
        "not a checksum line\n"
        f"{A[:63]}  short.bin\n"
        f"{A}\ttab-then-name\n"
        f"{A}x  glued.bin\n"
        f"\\{A}  bad\\tescape\n"
        f"\\{A}  trailing\\\n"
        f"SHA256 (x.bin) {A}\n"
        f"{A} reversed.bin\n"
        f"{A} \n"
    ).encode()
    entries, problems = parse(data)
    assert entries == [("good.bin", A, 1)]
    assert problems == [
        (2, "improperly formatted sha256sum line: does not start with 64 hex digits (a sha256 digest)"),
        (3, "improperly formatted sha256sum line: does not start with 64 hex digits (a sha256 digest)"),
        (4, "improperly formatted sha256sum line: mixes '<hex> <name>' with the '<hex>  <name>' form (coreutils refuses this)"),
        (5, "improperly formatted sha256sum line: the digest is not followed by a space"),
        (6, "improperly formatted sha256sum line: bad escape in the name (only \\\\, \\n and \\r are allowed)"),
        (7, "improperly formatted sha256sum line: bad escape in the name (only \\\\, \\n and \\r are allowed)"),
        (8, "improperly formatted sha256sum line: BSD tag line without '= HEX'"),
        (9, "improperly formatted sha256sum line: mixes '<hex> <name>' with the '<hex>  <name>' form (coreutils refuses this)"),
        (10, "improperly formatted sha256sum line: no file name after the digest"),
    ]


def test_reversed_bsd_form_from_the_first_line():
    entries, problems = parse(f"{A} a.bin\n{B} b.bin\n".encode())
    assert (entries, problems) == ([("a.bin", A, 1), ("b.bin", B, 2)], [])


def test_undecodable_name_bytes_survive_as_surrogate_escapes():
    entries, _ = parse(A.encode() + b"  caf\xe9.bin\n")
    assert entries == [("caf\udce9.bin", A, 1)]


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="GNU sha256sum is not installed")
def test_agrees_with_gnu_sha256sum_output(tmp_path):
    names = ["back\\slash", "new\nline", "sp ace", "plain.bin"]
    for i, name in enumerate(names):
        (tmp_path / name).write_bytes(bytes([i]) * 10)
    plain = subprocess.run(["sha256sum", "--", *names], cwd=tmp_path, capture_output=True, check=True).stdout
    tagged = subprocess.run(["sha256sum", "--tag", "--", *names], cwd=tmp_path, capture_output=True, check=True).stdout
    binary = subprocess.run(["sha256sum", "-b", "--", *names], cwd=tmp_path, capture_output=True, check=True).stdout
    expected = [(name, sha(bytes([i]) * 10)) for i, name in enumerate(names)]
    for output in (plain, tagged, binary):
        manifest = parse_sha256sums(output, P)
        assert manifest.problems == []
        assert [(e.path, e.sha256) for e in manifest.entries] == expected
