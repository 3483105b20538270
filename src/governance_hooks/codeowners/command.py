"""``governance-hooks codeowners``: the command adapter of the CODEOWNERS check.

Reads the CODEOWNERS file and the file list, runs the pure analysis
(:mod:`.analysis`) and returns findings; ``--who`` answers ownership queries.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import List, Optional

from ..check import CheckResult, Context
from ..config import require_keys
from ..errors import ToolError
from ..escape import json_safe
from ..repo import is_within, relative_posix
from ..safe_open import in_repository, read_repo_bytes

HELP = "Validate CODEOWNERS (GitHub or GitLab semantics): syntax, dead, duplicate and shadowed rules, unowned files."

CONFIG_KEYS = ("dialect", "require-owner", "known-owners", "online", "api-url")
#: Largest --files-from list read (millions of paths); more is not a file list.
MAX_FILE_LIST_BYTES = 256 << 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this check (the common ones come from the CLI)."""
    parser.add_argument("codeowners", nargs="?", metavar="CODEOWNERS", type=Path,
                        help="the CODEOWNERS file to check (default: the one GitHub uses: .github/, root, docs/)")
    parser.add_argument("--files-from", metavar="FILE", type=Path,
                        help="read the tracked files from FILE, one repo-relative path per line "
                             "(default: git ls-files, or a walk outside git)")
    parser.add_argument("--dialect", choices=("auto", "github", "gitlab"), default=None,
                        help="CODEOWNERS dialect (default: auto, GitLab when a [Section] header appears)")
    parser.add_argument("--require-owner", nargs="*", metavar="GLOB", default=None,
                        help="report every file without a code owner (only files matching the GLOBs, "
                             "CODEOWNERS pattern syntax, when given)")
    parser.add_argument("--online", action="store_true", default=None,
                        help="verify users and teams with the GitHub REST API (token from GITHUB_TOKEN)")
    parser.add_argument("--api-url", metavar="URL", default=None,
                        help="GitHub REST API base URL for --online (default: $GITHUB_API_URL or https://api.github.com)")
    parser.add_argument("--who", nargs="*", metavar="PATH", default=None,
                        help="print the owners of each PATH (a folder when it ends in /) and the line that "
                             "decided, instead of validating; - reads the paths from stdin, one per line; "
                             "with --changed-since and no PATH: the code owner reviews the changed files request")
    parser.add_argument("--base", metavar="REV", default=None,
                        help="also compare with the CODEOWNERS at the merge base of REV and HEAD: files that change "
                             "owners or become unowned, rules that now decide nothing (on the changed lines)")
    parser.add_argument("--changed-since", metavar="REV", default=None,
                        help="the files changed since the merge base of REV and HEAD (plus uncommitted and untracked "
                             "ones) are the changed files; implies --base REV")


#: Keys that would make the tool send the operator's token somewhere: never taken from the repository.
NETWORK_KEYS = ("online", "api-url")


def _options(ctx: Context) -> dict:
    from ..repo import is_within

    table = dict(ctx.options)
    require_keys("codeowners", table, CONFIG_KEYS, ctx.config.source)
    source = ctx.config.source or "configuration"
    if ctx.config.source is not None and is_within(ctx.config.source, ctx.root):
        for key in NETWORK_KEYS:
            if key in table:
                # The checked repository may be hostile: it must not choose to send GITHUB_TOKEN anywhere.
                raise ToolError(
                    f"{source}: [tool.governance-hooks.codeowners] {key} is refused in repository configuration "
                    f"(it would send the operator's token); pass --online / --api-url or set GITHUB_API_URL")
    dialect = table.get("dialect", "auto")
    if dialect not in ("auto", "github", "gitlab"):
        raise ToolError(f"{source}: [tool.governance-hooks.codeowners] dialect must be auto, github or gitlab")
    require = table.get("require-owner", False)
    if not (isinstance(require, bool) or (isinstance(require, list) and all(isinstance(g, str) for g in require))):
        raise ToolError(f"{source}: [tool.governance-hooks.codeowners] require-owner must be true/false or a list of globs")
    known = table.get("known-owners")
    if known is not None and not (isinstance(known, list) and all(isinstance(o, str) for o in known)):
        raise ToolError(f"{source}: [tool.governance-hooks.codeowners] known-owners must be a list of owners")
    for key in ("online",):
        if not isinstance(table.get(key, False), bool):
            raise ToolError(f"{source}: [tool.governance-hooks.codeowners] {key} must be true or false")
    if not isinstance(table.get("api-url", ""), str):
        raise ToolError(f"{source}: [tool.governance-hooks.codeowners] api-url must be a string")
    return table


def read_file_list(path: Path, root: Optional[Path] = None) -> List[str]:
    """Repo-relative POSIX paths from ``path``, one per line (``./`` and ``\\r`` stripped, blanks skipped).

    A list inside the repository ``root`` is repository content (safe-open rules);
    one outside it was named by the operator and may be a pipe (``<(git ls-files)``).

    Raises:
        ToolError: unreadable file, or more than ``MAX_FILE_LIST_BYTES``.
    """
    from ..safe_open import open_repo_file

    in_repo = root is not None and in_repository(path, root)
    try:
        # Bounded: a pipe (`--files-from <(git ls-files)`) is fine, /dev/zero must not exhaust memory.
        with open_repo_file(path, root if in_repo else None, limit=None, streams=not in_repo) as handle:
            data = handle.read(MAX_FILE_LIST_BYTES + 1)
    except OSError as exc:
        raise ToolError(f"{path}: cannot read --files-from: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_LIST_BYTES:
        raise ToolError(f"{path}: --files-from is larger than {MAX_FILE_LIST_BYTES:,} bytes")
    text = data.decode("utf-8", "surrogateescape")
    files = []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        while line.startswith("./"):
            line = line[2:]
        if line:
            files.append(line)
    return files


def run(args: argparse.Namespace, ctx: Context) -> CheckResult:
    """Check the repository's CODEOWNERS (or answer ``--who``).

    Raises:
        ToolError: bad configuration, an unreadable file list or CODEOWNERS, ``--online`` without a token.
    """
    from .locate import MAX_BYTES, locate
    from .parser import decode, parse

    if args.who is not None and args.format not in ("text", "json"):
        # Answers are lines or a JSON list, not findings: printed before a SARIF log or annotations they
        # would make that output invalid.
        raise ToolError(f"--who answers in text or json; --format {args.format} is not supported with it")
    table = _options(ctx)
    dialect = args.dialect or table.get("dialect", "auto")
    root = ctx.root
    result = CheckResult()
    since = getattr(args, "changed_since", None)
    base_rev = getattr(args, "base", None) or since or getattr(ctx, "changed_since", None)
    changed = ctx.changed_files
    if since is not None:
        from ..changes import changed_since

        changed = changed_since(root, since)
    if args.who == [] and changed is None:
        raise ToolError("--who needs one or more paths (or - for stdin), or --changed-since REV for the changed files")

    read_root: Optional[Path] = root  # a file of the repository: its links must stay inside
    files: List[str] = []
    if args.who is None:  # --who answers from the rules alone; no need to list the tree
        if args.files_from is not None:
            files = read_file_list(args.files_from, root)
        else:
            from ..repo import select_files

            files = select_files(root)

    if args.codeowners is not None:
        target = args.codeowners if args.codeowners.is_absolute() else Path.cwd() / args.codeowners
        if not target.is_file():
            raise ToolError(f"{args.codeowners}: no such CODEOWNERS file")
        rel = relative_posix(target, root)
        if not in_repository(target, root):
            read_root = None  # named by the operator outside the repository: read as is (safe-open: any place)
        if dialect == "auto" and rel.startswith(".gitlab/"):
            dialect = "gitlab"
    else:
        located = locate(root, dialect)
        for dead in located.dead:
            result.findings.append(finding(
                "codeowners/multiple-files",
                f"{'GitLab' if located.host == 'gitlab' else 'GitHub'} uses `{located.in_effect}`; this CODEOWNERS "
                "file is ignored", dead, evidence={"in_effect": located.in_effect},
                suggestion=f"merge its rules into {located.in_effect} and delete it"))
        if located.in_effect is None:
            places = {
                "github": ".github/, the root or docs/",
                "gitlab": "the root, docs/ or .gitlab/",
            }.get(dialect, ".github/, the root, docs/ or .gitlab/")
            if args.who is not None:
                # An ownership answer without rules would read as "nobody owns it": refuse instead.
                raise ToolError(f"{root}: no CODEOWNERS file in {places}; --repo names the repository root")
            missing = finding(
                "codeowners/missing-file", f"no CODEOWNERS file in {places}", "",
                suggestion="add .github/CODEOWNERS" if located.host == "github" else "add CODEOWNERS")
            if args.require_owner is not None or table.get("require-owner"):
                # A configured guard whose input was deleted fails: deleting CODEOWNERS is not a way around it.
                from dataclasses import replace

                from ..findings import Severity

                missing = replace(missing, severity=Severity.ERROR,
                                  message=missing.message + "; require-owner is configured, so every file is unowned")
            result.findings.append(missing)
            if base_rev is not None:
                result.findings.extend(_removed_since_base(root, base_rev, files, dialect))
            result.stats = {"files": len(files), "rules": 0, "unowned_files": len(files)}
            return result
        rel = located.in_effect
        target = root / rel
        if not is_within(target, root):
            raise ToolError(f"{rel}: is a symbolic link that points outside the repository; refusing to read it")
        _refuse_special(target, rel)
        if located.host == "gitlab" and dialect == "auto":
            dialect = "gitlab"
    result.inputs = [rel]

    try:
        size = target.stat().st_size
        if size >= MAX_BYTES:
            result.findings.append(finding(
                "codeowners/file-too-large",
                f"the file is {size:,} bytes; GitHub ignores CODEOWNERS files of 3 MB ({MAX_BYTES:,} bytes) or more, "
                "so no code owner is requested", rel))
            result.stats = {"files": len(files), "rules": 0, "unowned_files": len(files)}
            return result
        data = read_repo_bytes(target, read_root, limit=MAX_BYTES)
    except OSError as exc:
        raise ToolError(f"{rel}: cannot read: {exc.strerror or exc}") from None

    text, issues = decode(data)
    if text is None:
        from .analysis import issue_findings

        result.findings.extend(issue_findings(issues, rel))
        result.stats = {"files": len(files), "rules": 0, "unowned_files": len(files)}
        return result
    if dialect == "auto" and rel.startswith(".github/"):
        dialect = "github"  # GitLab never reads .github/: a `[Section]` there is a GitHub syntax error
    model = parse(text, dialect, issues)

    if args.who == []:
        return _reviews(args, ctx, model, result, changed)
    if args.who is not None:
        return _who(args, ctx, model, result, rel)

    require = args.require_owner
    if require is None:
        configured = table.get("require-owner", False)
        require = (list(configured) if isinstance(configured, list) else []) if configured else None
    _check_globs(require or [])
    from .analysis import Options, analyze

    options = Options(require_owner=require, restrict_to=changed, known_owners=table.get("known-owners"))
    analysis = analyze(model, files, rel, options)
    result.findings.extend(analysis.findings)
    result.stats = dict(analysis.stats)
    if base_rev is not None:
        option = "--base" if getattr(args, "base", None) else "--changed-since"
        result.findings.extend(_compare_with_base(root, base_rev, model, files, rel,
                                                  rel if args.codeowners is not None else None, dialect, option))

    # table holds online/api-url only from an operator's --config outside the repository (see _options).
    online = args.online if args.online is not None else table.get("online", False)
    if online:
        result.findings.extend(_online(args, table, model, rel))
    return result


def finding(*args, **kwargs):
    """:func:`.analysis.finding`, imported when a finding is made: ``--who`` makes none, and the
    analysis module is start-up time it does not need."""
    from .analysis import finding as make

    return make(*args, **kwargs)


def _compare_with_base(root: Path, rev: str, model, files: List[str], rel: str, explicit: Optional[str], dialect: str,
                       option: str = "--base"):
    """``--base``: findings of :func:`.review.compare` against the CODEOWNERS at the merge base of ``rev``."""
    from ..changes import diff_base
    from .model import CodeownersFile
    from .parser import decode, parse
    from .review import compare
    from .revision import codeowners_at

    try:
        commit = diff_base(root, rev)
    except ToolError as exc:  # diff_base words its errors for --changed-since
        raise ToolError(str(exc).replace("--changed-since", "--base" if option == "--base" else option)) from None
    _, data = codeowners_at(root, commit, dialect if dialect != "auto" else "auto", explicit)
    old = CodeownersFile(dialect=model.dialect)
    if data is not None:
        text, issues = decode(data)
        if text is not None:
            old = parse(text, model.dialect, issues)
    label = commit[:12] if commit.startswith(rev) else f"{rev} ({commit[:12]})"
    return compare(old, model, files, rel, label)


def _removed_since_base(root: Path, rev: str, files: List[str], dialect: str):
    """``--base`` when the working tree has no CODEOWNERS: the files that had owners at the base."""
    from ..changes import diff_base
    from .analysis import finding
    from .ownership import Ownership
    from .parser import decode, parse
    from .review import SAMPLE
    from .revision import codeowners_at

    commit = diff_base(root, rev)
    old_rel, data = codeowners_at(root, commit, dialect)
    text = decode(data)[0] if data is not None else None
    if text is None:
        return []
    owned = [f for f, (owners, _) in zip(files, Ownership(parse(text, dialect)).owners_of_all(files)) if owners]
    if not owned:
        return []
    return [finding("codeowners/newly-unowned",
                    f"{old_rel} was removed since {rev} ({commit[:12]}): {len(owned)} file(s) that had code owners have "
                    f"none, e.g. {', '.join(f'`{f}`' for f in owned[:SAMPLE])}",
                    old_rel, evidence={"base": commit[:12], "files": len(owned), "sample": owned[:SAMPLE]},
                    identity=f"newly-unowned:removed:{old_rel}")]


def _reviews(args, ctx: Context, model, result: CheckResult, changed: List[str]) -> CheckResult:
    """``--changed-since REV --who``: the code owner reviews the changed files request."""
    from .ownership import Ownership
    from .review import requested_reviews, review_lines

    ownership = Ownership(model)
    groups, unowned = requested_reviews(ownership, changed)
    result.findings = []
    result.stats = {"paths": len(changed)}
    if args.format == "json":
        import json

        document = {"changed_files": len(changed), "reviews": [g.as_json() for g in groups], "unowned": unowned}
        ctx.stdout.write(json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")
        result.replaces_report = True
        return result
    from ..escape import terminal_safe

    # File names come from the repository (git diff): a name holding ESC or OSC 52 must not reach the terminal.
    ctx.stdout.write("".join(terminal_safe(line) + "\n"
                             for line in review_lines(groups, unowned, ownership.gitlab, len(changed))))
    return result


def _refuse_special(target: Path, rel: str) -> None:
    """Exit 2 for a CODEOWNERS path that is not a regular file (reading a FIFO would hang).

    Raises:
        ToolError: ``rel: reason`` for a broken or looping link, a FIFO, a device or a socket.
    """
    import stat

    try:
        mode = target.stat().st_mode
    except OSError as exc:
        raise ToolError(f"{rel}: is a broken symbolic link ({exc.strerror or exc}); it cannot be read") from None
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device or special file"
        raise ToolError(f"{rel}: is {kind}, not a regular file; it cannot be read")


def _check_globs(globs: List[str]) -> None:
    """Raise ToolError for a --require-owner glob that is not a valid pattern."""
    from .patterns import PatternError, compile_pattern

    for glob in globs:
        try:
            compile_pattern(glob, "gitlab")
        except PatternError as exc:
            raise ToolError(f"--require-owner {glob!r}: {exc.reason}") from None
        if glob.startswith("!"):
            raise ToolError(f"--require-owner {glob!r}: negation is not supported in coverage globs")


def _online(args, table, model, rel):
    from .analysis import finding, iter_owners, unknown_owner_findings
    from .verify import DEFAULT_API, verify_owners

    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise ToolError("--online needs a GitHub token in the GITHUB_TOKEN environment variable")
    from ..net import check_api_url

    # Only the command line and the environment choose where the token goes (see _options).
    api = check_api_url(args.api_url or table.get("api-url") or os.environ.get("GITHUB_API_URL") or DEFAULT_API)
    verification = verify_owners(iter_owners(model), token, api)
    findings = unknown_owner_findings(model, rel, set(), "does not exist on GitHub (REST API answered 404)",
                                      unknown=verification.unknown)
    if verification.errors:
        findings.append(finding(
            "codeowners/analysis-incomplete",
            f"online owner verification incomplete ({verification.checked} checked): {verification.errors[0]}"
            + (f" (and {len(verification.errors) - 1} more)" if len(verification.errors) > 1 else ""),
            rel))
    return findings


def _who(args, ctx: Context, model, result: CheckResult, rel: str) -> CheckResult:
    """Answer ``--who``: owners and deciding line of each path (text lines or a JSON list).

    Answers are written as they are computed (:func:`.who.write_answers`), so memory does not grow with
    the number of paths. A query reports no validation findings, except those that make its answers
    unreliable (a rule too long to match: :data:`.parser.TOO_LONG`), which fail it.
    """
    from .analysis import issue_findings
    from .ownership import Ownership
    from .parser import TOO_LONG
    from .who import refused_message, write_answers

    ownership = Ownership(model)
    result.findings = issue_findings([i for i in model.issues if i.rule_id == TOO_LONG], rel)
    as_json = args.format == "json"
    write = ctx.stdout.write
    if as_json:
        write("[")
    count, refused, first = write_answers(ownership, args.who, ctx.root, write, as_json)
    result.stats = {"paths": count}
    if as_json:
        write("\n]\n" if count else "]\n")
        result.replaces_report = True
    if as_json or refused:
        from ..escape import terminal_safe

        for found in result.findings:  # no report follows the answers: say why the exit code is not 0
            line = f"{rel}:{found.location.line}: error {found.rule_id}: {found.message}"
            ctx.stderr.write(terminal_safe(line) + "\n")
    if refused:  # bad input: every path was answered, the command still fails (no summary follows)
        raise ToolError(refused_message(refused, count, first))
    return result
