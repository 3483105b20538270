"""Proof that scanning never imports a module named in a scanned file and never unpickles.

Two independent witnesses:

* a canary module on ``sys.path`` that creates a file when imported, named by pickles
  in every container the scanner opens; the file must not appear (and a control run
  with ``pickle.loads`` in a subprocess shows the canary does fire when unpickled);
* a ``sys.addaudithook`` in a fresh interpreter that scans the whole hostile corpus:
  no ``pickle.find_class`` event (raised by every unpickler lookup), no process spawn,
  and none of the modules the corpus names is imported.
"""

from __future__ import annotations

import bz2
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from governance_hooks.cli import main

from .make_corpus import REDUCE, STACK_GLOBAL, STOP, TUPLE1, bu, framed, glob, npy_bytes, proto, torch_like_zip, u

PROJECT = Path(__file__).resolve().parents[2]
CANARY = "gh_canary_module"


def _canary_pickles():
    by_global = proto(2) + glob(CANARY, "boom") + bu("x") + TUPLE1 + REDUCE + STOP
    return {
        "global.pkl": by_global,
        "stack_global.pkl": framed(u(CANARY) + u("boom") + STACK_GLOBAL + u("x") + TUPLE1 + REDUCE + STOP),
        "inst.pkl": b"(S'x'\ni" + CANARY.encode() + b"\nboom\n.",
        "zip.pt": torch_like_zip(by_global),
        "compressed.joblib": bz2.compress(by_global),
        "object.npy": npy_bytes("|O", (1,), by_global),
    }


def _setup(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    marker = tmp_path / "IMPORTED"
    (lib / f"{CANARY}.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n\ndef boom(*args):\n    return args\n", encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, data in _canary_pickles().items():
        (repo / name).write_bytes(data)
    return lib, marker, repo


def test_canary_fires_when_really_unpickled(tmp_path):
    lib, marker, repo = _setup(tmp_path)
    code = f"import pickle, sys; sys.path.insert(0, {str(lib)!r}); pickle.loads(open({str(repo / 'global.pkl')!r}, 'rb').read())"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    assert marker.read_text() == "imported"


def test_scanner_never_imports_the_named_module(tmp_path, monkeypatch, capsys):
    lib, marker, repo = _setup(tmp_path)
    monkeypatch.syspath_prepend(str(lib))
    code = main(["checkpoint", "--repo", str(repo), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # calls of globals off the allowlist are errors
    flagged = sorted({f["path"] for f in report["findings"] if f["rule_id"] == "checkpoint/unsafe-global"})
    assert flagged == sorted(_canary_pickles())
    assert not marker.exists()
    assert CANARY not in sys.modules


AUDIT_SCRIPT = textwrap.dedent("""
    import json, sys
    events = []
    WATCH = {"pickle.find_class", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn",
             "os.startfile", "webbrowser.open", "ctypes.dlopen"}
    def hook(event, args):
        if event in WATCH:
            if event == "subprocess.Popen" and args[1] and str(args[1][0]).endswith("git"):
                return  # the repository file listing runs git
            events.append([event, repr(args)[:200]])
        elif event == "import":
            events.append(["import", args[0]])
    sys.addaudithook(hook)
    from governance_hooks.cli import main
    code = main(["checkpoint", "--repo", sys.argv[1], "--format", "json", "--output", sys.argv[2]])
    print(json.dumps({"code": code, "events": events}))
""")


def test_audit_hook_sees_no_unpickling_and_no_named_imports(tmp_path):
    corpus = tmp_path / "hostile"
    shutil.copytree(PROJECT / "tests" / "checkpoint" / "corpus" / "hostile", corpus)
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, str(corpus), str(out)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 1
    spawned = [e for e in result["events"] if e[0] != "import"]
    assert spawned == []
    imported = {e[1] for e in result["events"] if e[0] == "import"}
    # pickletools itself imports pickle (harmless: no find_class event above); nothing the files name is imported.
    named = {"antigravity", "this", "mylib", "mylib.payloads", "mylib.hooks", "numpy", "numpy.testing", "torch",
             "joblib", "runpy", "webbrowser", "operator"}
    assert imported & named == set()
    assert len(json.loads(out.read_text())["findings"]) >= 50
