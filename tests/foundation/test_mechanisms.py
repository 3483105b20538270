"""One safe-open, one output writer, one file listing: no module opens, writes or lists another way.

An AST walk over ``src/governance_hooks`` flags every call that opens a file
(``open``, ``os.open``, ``gzip.open``, ``Path.read_bytes``/``read_text``/``open``),
writes one (``Path.write_text``/``write_bytes``, ``os.replace``, ``tempfile.mkstemp``,
``shutil.copyfile``) or lists a folder (``os.walk``, ``os.scandir``, ``os.listdir``,
``Path.glob``/``rglob``/``iterdir``, ``git ls-files``) outside the three shared
mechanisms (``safe_open``, ``atomic``, ``repo``). The few other places are listed
below with the reason each is not repository input or an output the user names.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import List, Set, Tuple

SRC = Path(__file__).resolve().parents[2] / "src" / "governance_hooks"

#: The shared mechanisms themselves.
MECHANISMS = {"safe_open.py", "atomic.py", "repo.py"}

#: (module, call) pairs allowed elsewhere, each with why it is not a repository read, an output or a listing.
ALLOWED = {
    # Hashing every shard is the hot path: its own O_NOFOLLOW|O_NONBLOCK open with an fstat S_ISREG check,
    # the same rules as safe_open without the per-file realpath.
    ("manifest/hasher.py", "os.open"),
    # A dataset is the files on disk under its root (data is rarely in git): the walk does not follow
    # links, reports links, FIFOs and devices, and skips atomic writers' temporary files.
    ("manifest/tree.py", "os.scandir"),
    # The stat cache is the tool's own file under .git/ (never committed content).
    ("manifest/cache.py", ".read_text"),
    ("manifest/cache.py", ".read_bytes"),
    # The changed-file list feeds repo.select_files, which applies the one listing rule.
    ("changes.py", "git ls-files"),
    # The Action's glue reads the tool's own report and appends to $GITHUB_OUTPUT (the runner's file).
    ("pipeline/action_support.py", ".read_text"),
    ("pipeline/action_support.py", "open"),
    # Package data shipped with the tool, not repository content.
    ("semgrep/pack.py", ".read_text"),
    ("semgrep/pack.py", ".glob"),
    ("checkpoint/allowlist.py", ".read_text"),
    # The generated migration rules and the renamed copies of scripts go to the tool's own scratch folder.
    ("semgrep/command.py", ".write_text"),
    ("semgrep/targets.py", ".write_bytes"),
    # The files beside a checkpoint's metadata.json, as the metadata names them (checkpoints are usually
    # ignored by git, so the listing cannot hold them); each is then opened through safe_open.
    ("checkpoint/runner.py", "os.listdir"),
    # A legacy torch tar read from the checkpoint file already opened through safe_open (fileobj=).
    ("checkpoint/scan.py", ".open"),
    # The CPU time of the check's own confirmation child (/proc/PID/stat, a kernel counter).
    ("redos/confirm.py", "open"),
    # An HTTP opener, not a file.
    ("net.py", ".open"),
    # A folder named on the command line outside the repository (the operator's choice).
    ("metrics/command.py", "os.walk"),
    # Globs from configuration, kept only when repo.list_files(untracked=True) lists the match.
    ("policy/command.py", ".glob"),
    # Developer tool that regenerates the README's rule tables.
    ("rules_doc.py", ".read_text"),
    ("rules_doc.py", ".write_text"),
}

_FUNCS = {"open", "os.open", "io.open", "gzip.open", "bz2.open", "lzma.open", "os.walk", "os.scandir", "os.listdir",
          "os.replace", "os.rename", "tempfile.mkstemp", "tempfile.NamedTemporaryFile", "shutil.copyfile",
          "shutil.copy", "shutil.copy2", "os.fdopen"}
_METHODS = {"read_bytes", "read_text", "write_text", "write_bytes", "glob", "rglob", "iterdir"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def hits() -> List[Tuple[str, int, str]]:
    """Every open/write/list call outside the mechanisms, allowed or not: (module, line, call)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in MECHANISMS or rel.startswith("data/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Call):
                dotted = _dotted(node.func)
                if dotted in _FUNCS:
                    name = dotted
                elif isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS:
                    name = "." + node.func.attr
                elif isinstance(node.func, ast.Attribute) and node.func.attr == "open" \
                        and dotted not in ("os.open",) and not dotted.startswith(("StatCache", "cls")):
                    name = ".open"
            elif isinstance(node, ast.Constant) and node.value == "ls-files":
                name = "git ls-files"
            if name is not None:
                found.append((rel, node.lineno, name))
    return found


def violations() -> List[Tuple[str, int, str]]:
    return [h for h in hits() if (h[0], h[2]) not in ALLOWED]


def test_no_module_opens_writes_or_lists_files_outside_the_shared_mechanisms():
    assert violations() == []


def test_the_checker_sees_a_direct_read(tmp_path, monkeypatch):
    # The walk is not vacuous: a module with a direct read is flagged with its line.
    module = tmp_path / "governance_hooks" / "sneaky.py"
    module.parent.mkdir()
    module.write_text("from pathlib import Path\n\ndef f(p):\n    return Path(p).read_bytes()\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", module.parent)
    assert violations() == [("sneaky.py", 4, ".read_bytes")]


def test_every_allowance_is_still_needed():
    # A stale allowance would let a new direct read slip in unnoticed.
    used: Set[Tuple[str, str]] = {(rel, name) for rel, _, name in hits()}
    assert sorted(ALLOWED - used) == []
