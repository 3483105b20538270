"""Every check and every output format over one hostile repository tree.

The tree holds, at once, what issue 12 says the tool must survive: a symlink
farm (links to ``/dev/zero``, ``/dev/stdin``, a FIFO, ``/proc/self/fd/1``, a file
outside the repository, a loop) where each check looks for its inputs, file
names that are not UTF-8 or carry control characters (ESC, CR, LF, OSC 52,
``::stop-commands::``), lone surrogates in NDJSON values and a manifest key,
workflow commands, Markdown and HTML in content.

Each (check, format) pair runs the real entry point once, in a child process
with a timeout and a stdin pipe that is held open and never written (a read of
``/dev/stdin`` would wait forever). The pairs run four at a time; the tree is
built once. For each pair: exit 0/1 with a report, or exit 2 with one line on
stderr; no traceback; output that parses in its format (strict UTF-8, JSON,
annotations, SARIF valid against the 2.1.0 schema); no raw control characters
in text; no line that starts a workflow command except the tool's own
annotations; the outside file's content never shown. After every pair has run,
the repository and the folder beside it are exactly as they were: nothing is
written but the requested outputs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote_to_bytes

import cmarkgfm
import jsonschema
import pytest
from cmarkgfm.cmark import Options

from governance_hooks.escape import no_workflow_command, terminal_safe

from ..conftest import PROJECT, RUNNER_WHITE, git

pytestmark = pytest.mark.integration

SECRET = "TOP-SECRET-OUTSIDE-CONTENT"
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
MARKUP = "![x](http://evil.example/x.png) <img src=x onerror=alert(1)> [l](https://evil.example)"
VULNERABLE = ("import re\nimport yaml\n# ::stop-commands::tok\nR = re.compile(r'<img src=x>(a+)+$')\nyaml.load(open('x'))\n"
              "R.search(input())\n")  # a visible use: an unused pattern is reported one severity lower
#: a top-level name that reads as an option if it ever reaches a command line unguarded
OPTION_NAME = b"--output=pwned.py"
#: names as bytes: not UTF-8, ESC, CR, LF, OSC 52, workflow commands (after a white space the runner trims, legacy)
NAMES = [b"bad\xffname", b"esc\x1b[2Jname", b"cr\rname", b"nl\nname", OSC52.encode() + b"osc", b"::stop-commands::tok",
         "\u3000::add-mask::x".encode(), b"x ##[error]legacy"]
LINK_KINDS = ("zero", "stdin", "fifo", "fd1", "outside", "loop")
#: system.os("...") in pickle protocol 0: a finding for the checkpoint check, never run
PICKLE = b"cos\nsystem\n(S'echo ::stop-commands::tok'\ntR."
CHECKS = ("codeowners", "redos", "metrics", "policy", "manifest", "checkpoint", "semgrep", "run")
FORMATS = ("text", "json", "github", "sarif")
#: a control character other than newline (and tab, which text layouts may use)
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ANNOTATION = re.compile(r"::(error|warning|notice|debug)( [^:]*)?::")
#: what the runner reads as a command: ``::`` after .NET white space (``TryParseV2``), ``##[`` anywhere (``TryParse``)
COMMAND = re.compile("^[" + "".join(RUNNER_WHITE) + "]*::|##\\[")

POLICY = f"""\
version: 1
semantics: deny-overrides
allowlist:
  - hosts: [pypi.org]
    ports: [443]
    schemes: [https]
egress:
  - id: pip
    effect: allow
    tools: [pip]
    hosts: [pypi.org, "evil.example"]
    ports: 443
    schemes: https
    when: {{offline: false}}
invariants:
  egress-within-allowlist: true
  offline-no-egress: true
"""

PYPROJECT = """\
[tool.governance-hooks.policy]
policy = ".governance/policy.yaml"
"""


def _write(root: Path, rel: bytes, content: bytes) -> None:
    path = os.path.join(os.fsencode(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)


def _link(root: Path, rel: bytes, kind: str, outside: Path) -> None:
    path = os.path.join(os.fsencode(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    target = {
        "zero": b"/dev/zero", "stdin": b"/dev/stdin", "fd1": b"/proc/self/fd/1",
        "outside": os.fsencode(outside),
        "fifo": os.fsencode(os.path.relpath(root / "fifo", os.fsdecode(os.path.dirname(path)))),
        "loop": os.path.basename(path),
    }[kind]
    os.symlink(target, path)


def build_tree(base: Path) -> Path:
    """The hostile repository under ``base/repo``; ``base/sibling/outside.txt`` is what links point out to."""
    root = base / "repo"
    root.mkdir()
    sibling = base / "sibling"
    sibling.mkdir()
    outside = sibling / "outside.txt"
    outside.write_text(f'{{"epoch": "{SECRET}"}}\n# {SECRET}\nimport re\nre.compile("(a+)+$")\n', encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    _write(root, b"pyproject.toml", PYPROJECT.encode())
    _write(root, b".governance/policy.yaml", POLICY.encode())
    _write(root, b".github/CODEOWNERS", (
        f"* @octo\n/docs/{OSC52}\x1b[2K\r @bad\n::stop-commands::tok @a\n"
        f"/x/ {MARKUP}\n".encode()
        + b"/bad\xffname/ @octo\n"
    ))
    for name in NAMES:
        _write(root, b"src/" + name + b".py", VULNERABLE.encode())
        _write(root, b"ckpt/" + name + b".pkl", PICKLE)
        _write(root, b".governance/" + name + b".smt2", f"; ::stop-commands::tok {OSC52}\n(assert false)\n(check-sat)\n".encode())
    _write(root, OPTION_NAME, VULNERABLE.encode())
    for kind in LINK_KINDS:
        _link(root, f"src/links/{kind}.py".encode(), kind, outside)
        _link(root, f"runs/{kind}/metrics.ndjson".encode(), kind, outside)
        _link(root, f"ckpt/links/{kind}.pkl".encode(), kind, outside)
        _link(root, f".governance/{kind}.smt2".encode(), kind, outside)
        _link(root, f"data/ds/{kind}.csv".encode(), kind, outside)
    # Lone surrogates in values and keys, a workflow command and markup in values.
    _write(root, b"runs/a/metrics.ndjson", (
        '{"epoch": "\\ud800x", "note": "::stop-commands::tok"}\n'
        '{"epoch": 1, "\\ud800": 1, "\\udfff": "' + MARKUP.replace('"', '\\"') + '"}\n'
        '{"step": "\\n::error::pwned", "value": "' + OSC52.replace("\x1b", "\\u001b").replace("\x07", "\\u0007") + '"}\n'
    ).encode())
    _write(root, b"runs/bad\xffname/metrics.ndjson", b'{"epoch": "x"}\n')
    _write(root, b"data/ds/ok.csv", b"a,b\n1,2\n")
    shards = [{"path": f"{kind}.csv", "sha256": "0" * 64, "size": 1} for kind in LINK_KINDS]
    shards.append({"path": "ok.csv", "sha256": "0" * 64, "size": 8})
    shards.append({"path": "::stop-commands::tok\n" + MARKUP, "sha256": "0" * 64, "size": 1})
    manifest = json.dumps({"dataset_id": MARKUP, "schema_version": "1.0", "created_at": 0, "shards": shards})
    manifest = manifest[:-1] + ', "\\ud800": "\\udfff"}'
    _write(root, b"data/ds/manifest.json", manifest.encode())
    os.mkfifo(root / "fifo")
    (root / ".git" / "info" / "exclude").write_text("/fifo\n", encoding="utf-8")  # the FIFO only: not runs/fifo/
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "hostile")
    return root


#: what each check writes besides stdout (``argv``): only ``run`` is asked for more
OUTPUTS = {"run": ["run.sarif", "audit", "audit/report.json", "audit/report.md"]}


def expected_findings(check: str) -> Counter:
    """``Counter((path as bytes, rule id, severity))``: every finding the check must report over the tree, exactly."""
    found: Counter = Counter()
    links = [kind.encode() for kind in LINK_KINDS]
    sources = [b"src/" + n + b".py" for n in NAMES] + [OPTION_NAME]
    if check in ("codeowners", "run"):
        for rule, severity, count in (("invalid-pattern", "error", 1), ("unmatched-pattern", "warning", 2),
                                      ("invalid-owner", "error", 5), ("invalid-encoding", "error", 1)):
            found[(b".github/CODEOWNERS", f"codeowners/{rule}", severity)] += count
    if check in ("redos", "run"):
        found.update((path, "redos/exponential-backtracking", "error") for path in sources)
        found.update((b"src/links/" + k + b".py", "redos/unreadable-file", "error") for k in links)
    if check in ("metrics", "run"):
        found.update({(b"runs/a/metrics.ndjson", "metrics/schema-violation", "error"): 2,
                      (b"runs/bad\xffname/metrics.ndjson", "metrics/schema-violation", "error"): 1})
        found.update((b"runs/" + k + b"/metrics.ndjson", "metrics/unreadable-file", "error") for k in links)
    if check in ("policy", "run"):
        found[(b".governance/policy.yaml", "policy/egress-outside-allowlist", "error")] += 1
        found.update((b".governance/" + n + b".smt2", "policy/smt-invalid", "error") for n in NAMES)
        found.update((b".governance/" + k + b".smt2", "policy/smt-refused", "error") for k in links)
    if check in ("manifest", "run"):
        for rule, count in (("unsafe-path", 6), ("unreadable-file", 1), ("changed-shard", 1), ("malformed-manifest", 1)):
            found[(b"data/ds/manifest.json", f"manifest/{rule}", "error")] += count
    if check in ("checkpoint", "run"):
        found.update((b"ckpt/" + n + b".pkl", "checkpoint/code-execution", "error") for n in NAMES)
        found.update((b"ckpt/links/" + k + b".pkl", "checkpoint/unreadable-container", "error") for k in links)
    if check in ("semgrep", "run"):
        found.update((b"src/links/" + k + b".py", "semgrep/analysis-incomplete", "error") for k in links)
        found.update((path, "semgrep/yaml-unsafe-load", "error") for path in sources)
    return found


def snapshot(folder: Path) -> dict:
    """bytes path -> (type, size, mtime_ns, link target) for everything under ``folder``, never opening a file."""
    seen = {}
    top = os.fsencode(folder)
    for parent, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(parent, name)
            st = os.lstat(path)
            target = os.readlink(path) if os.path.islink(path) else None
            seen[os.path.relpath(path, top)] = (st.st_mode, st.st_size, st.st_mtime_ns, target)
    return seen


def argv(check: str, fmt: str, root: Path, out: Path) -> list:
    """The command line of one (check, format) pair; github also writes the job summary."""
    args = {"manifest": ["manifest", "verify"], "run": ["run", "--sarif", str(out / "run.sarif"),
                                                        "--report", str(out / "audit")]}.get(check, [check])
    args = [*args, "--format", fmt, "--repo", str(root)]
    if fmt == "github":
        args += ["--summary", str(out / "summary.md")]
    return args


def run_pair(check: str, fmt: str, root: Path, out: Path, env: dict) -> subprocess.CompletedProcess:
    out.mkdir(parents=True)
    read_end, write_end = os.pipe()  # stdin: held open, never written
    try:
        return subprocess.run([sys.executable, "-m", "governance_hooks", *argv(check, fmt, root, out)],
                              stdin=read_end, capture_output=True, timeout=120, env=env, cwd=root)
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run every (check, format) pair once over one hostile tree: ({pair: process}, base folder, before, after)."""
    base = tmp_path_factory.mktemp("hostile")
    root = build_tree(base)
    out = base / "out"
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
           "HOME": str(out / "home"), "XDG_CACHE_HOME": str(out / "cache"),
           "GOVERNANCE_HOOKS_CACHE_DIR": str(out / "cache" / "governance-hooks")}
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_TOKEN"):
        env.pop(name, None)
    before = {"repo": snapshot(root), "sibling": snapshot(base / "sibling")}
    pairs = [(check, fmt) for check in CHECKS for fmt in FORMATS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {pair: pool.submit(run_pair, *pair, root, out / f"{pair[0]}-{pair[1]}", env) for pair in pairs}
        done = {pair: future.result() for pair, future in futures.items()}
    after = {"repo": snapshot(root), "sibling": snapshot(base / "sibling")}
    return done, out, before, after


def test_nothing_is_written_outside_the_requested_outputs(results):
    _, _, before, after = results
    for folder in ("repo", "sibling"):
        changed = sorted(set(before[folder].items()) ^ set(after[folder].items()))
        assert changed == [], (folder, changed)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("check", CHECKS)
def test_every_check_in_every_format_survives_the_hostile_tree(results, check, fmt, sarif_schema):
    done, out, _, _ = results
    proc = done[(check, fmt)]
    stdout = proc.stdout.decode("utf-8")  # strict: every output is valid UTF-8
    stderr = proc.stderr.decode("utf-8")
    context = f"{check} --format {fmt}: rc {proc.returncode}\nstderr: {stderr!r}\nstdout: {stdout[:3000]!r}"
    assert "Traceback" not in stderr, context
    assert SECRET not in stdout and SECRET not in stderr, context
    assert not any(COMMAND.search(line) for line in stderr.splitlines()), context
    assert not RAW_CONTROL.search(stderr), context
    if proc.returncode == 2:
        if check == "run":  # a check that could not run: the others still report (docs/action.md)
            assert all(line.startswith("governance-hooks: ") for line in stderr.splitlines()), context
        else:
            lines = stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("governance-hooks: error: "), context
        # Well formed, but wrong here: every configuration in the tree is valid, so only a hostile
        # input can have stopped the check, and one file among many is a finding, not an exit 2.
        pytest.fail(f"a hostile input stopped the check\n{context}")
    assert proc.returncode in (0, 1), context
    expected = expected_findings(check)
    folder = out / f"{check}-{fmt}"
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    assert written == sorted(OUTPUTS.get(check, []) + (["summary.md"] if fmt == "github" else [])), context
    if fmt == "text":
        assert not RAW_CONTROL.search(stdout), context
        assert not any(COMMAND.search(line) for line in stdout.splitlines()), context
        for path, _, _ in expected:  # every hostile name is shown, escaped
            assert no_workflow_command(terminal_safe(os.fsdecode(path))) in stdout, (path, context)
    elif fmt == "json":
        assert not any(COMMAND.search(line) for line in stdout.splitlines()), context
        doc = json.loads(stdout)
        # Exactly the expected findings: every hostile name reported under its own bytes, every link an error.
        got = Counter((os.fsencode(f["path"]), f["rule_id"], f["severity"]) for f in doc["findings"])
        assert got == expected_findings(check), context
    elif fmt == "github":
        for line in stdout.splitlines():
            # An annotation is read by TryParseV2 first: a `##[` in it is never parsed (escape.no_workflow_command).
            assert not COMMAND.search(line) or ANNOTATION.match(line), (line, context)
            assert not RAW_CONTROL.search(line), (line, context)
        assert sum(line.startswith("::") for line in stdout.splitlines()) == sum(expected.values()), context
        summary = (out / f"{check}-{fmt}" / "summary.md").read_bytes().decode("utf-8")
        assert not RAW_CONTROL.search(summary), context
        html = cmarkgfm.github_flavored_markdown_to_html(summary, options=Options.CMARK_OPT_UNSAFE)
        assert "<img" not in html and 'href="http' not in html, context
    else:
        assert not any(COMMAND.search(line) for line in stdout.splitlines()), context
        log = json.loads(stdout)
        jsonschema.Draft4Validator(sarif_schema).validate(log)
        # URIs percent-encode the raw bytes: decoded, they are the names in the tree.
        uris = Counter(unquote_to_bytes(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                       for r in log["runs"][0]["results"])
        assert uris == Counter(path for path, _, _ in expected.elements()), context
    if check == "run":
        jsonschema.Draft4Validator(sarif_schema).validate(json.loads((folder / "run.sarif").read_bytes().decode("utf-8")))
        json.loads((folder / "audit" / "report.json").read_bytes().decode("utf-8"))
        assert not RAW_CONTROL.search((folder / "audit" / "report.md").read_bytes().decode("utf-8"))
