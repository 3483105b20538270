"""The fenced blocks of ``README.md`` and ``docs/*.md``: what each is, and how the doc test runs it.

Conventions (in the Markdown, on the line right before a fence):

* ``<!-- doc-test: skip REASON -->``: not run (needs the network, a release
  tag, a GitHub runner, ...); the reason is shown as the skip reason.
* ``<!-- doc-test: exit N -->``: every command of the block must exit with N.
  Without it a command must exit 0 or 1 (the tool did its job; findings are
  fine), never 2 or with a traceback.

What is run:

* shell blocks (``sh``, ``bash``, ``shell``, ``console``): each command, in
  order, in a fresh git repository holding a copy of ``examples/demo-repo``,
  with this checkout's ``governance-hooks`` first on ``PATH``;
  ``/path/to/governance-hooks`` stands for this checkout. In ``console``
  blocks, commands start with ``$ `` and the lines under one are its expected
  output (every shown line must appear, in order; ``...`` skips).
* ``toml`` with ``[tool.governance-hooks...]``: written as the repository's
  ``pyproject.toml``; ``governance-hooks run --checks <its checks>`` must accept it.
* ``yaml``: a ``.pre-commit-config.yaml`` is validated by ``pre-commit
  validate-config``, its hook ids must exist and ``rev`` must be a commit SHA,
  a ``<placeholder>`` or a tag this repository has; a workflow must parse and
  pin every action by commit SHA (ours: a SHA, ``main`` or an existing tag);
  a policy (``version:`` with ``egress``/``admin``/``tracking``) is checked by
  ``governance-hooks policy`` (exit 0); any other YAML must parse.
* ``json`` must parse. Other languages (``text``, ``smt2``, no language) are not run.

``python -m tests.docs.doc_blocks`` lists every block and what the test does with it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

PROJECT = Path(__file__).resolve().parents[2]
SHELL = {"sh", "bash", "shell", "console", "shell-session", "zsh"}
CHECKOUT_PLACEHOLDER = "/path/to/governance-hooks"
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)")


@dataclass
class Command:
    text: str
    expected_output: List[str] = field(default_factory=list)


@dataclass
class Block:
    """One fenced block: where it is, its language and body, and the marker before it."""

    path: Path
    line: int
    lang: str
    body: str
    skip: Optional[str] = None
    exit_code: Optional[int] = None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(PROJECT).as_posix()}:{self.line}"

    @property
    def kind(self) -> str:
        if self.lang in SHELL:
            return "shell"
        if self.lang == "toml" and "[tool.governance-hooks" in self.body:
            return "configuration"
        if self.lang in ("yaml", "yml"):
            return "yaml"
        if self.lang == "json":
            return "json"
        return "not run"

    def commands(self) -> List[Command]:
        """The block's commands (``\\``-continued lines joined), with expected output for ``console``."""
        out: List[Command] = []
        lines = self.body.splitlines()
        i = 0
        console = self.lang in ("console", "shell-session")
        while i < len(lines):
            line = lines[i]
            if console and not line.startswith("$ "):
                if out and line.strip():
                    out[-1].expected_output.append(line.rstrip())
                i += 1
                continue
            text = line[2:] if console else line
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text[:-1] + " " + lines[i].strip()
            i += 1
            if text.strip() and not text.lstrip().startswith("#"):
                out.append(Command(text.strip().replace(CHECKOUT_PLACEHOLDER, str(PROJECT))))
        return out


def _marker(line: str) -> Optional[Tuple[str, str]]:
    """``("skip", reason)`` or ``("exit", "N")`` from ``<!-- doc-test: skip REASON -->``; else ``None``."""
    text = line.strip()
    if not (text.startswith("<!--") and text.endswith("-->")):
        return None
    inner = text[4:-3].strip()
    if not inner.startswith("doc-test:"):
        return None
    word, _, rest = inner[len("doc-test:"):].strip().partition(" ")
    return (word, rest.strip()) if word in ("skip", "exit") else None


def documents() -> List[Path]:
    return [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]


def blocks(path: Path) -> List[Block]:
    """Every fenced block of ``path``, with the doc-test marker on the line before it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: List[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3).lower()
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            j += 1
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line for line in lines[i + 1:j])
        block = Block(path, i + 1, lang, body + "\n")
        marker = _marker(lines[i - 1]) if i > 0 else None
        if marker and marker[0] == "skip":
            block.skip = marker[1] or "no reason given"
        elif marker:
            block.exit_code = int(marker[1])
        found.append(block)
        i = j + 1
    return found


def all_blocks() -> List[Block]:
    return [b for doc in documents() for b in blocks(doc)]


def summary() -> List[Tuple[str, str, str]]:
    """``(where, kind, what)`` rows: each command run, each snippet checked, each skip and its reason."""
    rows = []
    for b in all_blocks():
        if b.kind == "not run":
            rows.append((b.where, f"{b.lang or 'plain'} block", "not run (not a command or configuration)"))
        elif b.skip is not None:
            rows.append((b.where, b.kind, f"skipped: {b.skip}"))
        elif b.kind == "shell":
            for c in b.commands():
                rows.append((b.where, "shell", c.text.replace(str(PROJECT), CHECKOUT_PLACEHOLDER)))
        else:
            rows.append((b.where, b.kind, f"{b.lang} snippet: {b.body.splitlines()[0] if b.body.strip() else ''}"))
    return rows


if __name__ == "__main__":
    for where, kind, what in summary():
        sys.stdout.write(f"{where:<24} {kind:<14} {what}\n")
