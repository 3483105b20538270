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


#: Configuration keys a command-line option replaces (key -> option dest): with the option given, the
#: repository's value has no effect, so changing it weakens nothing (``commands.review_configuration``).
OVERRIDDEN_BY = {"dialect": "dialect", "require-owner": "require_owner"}


def base_revision(args: argparse.Namespace) -> Optional[str]:
    """The revision a validating run, or the reviews list (``--changed-since REV --who``), compares with
    (``--base``, else ``--changed-since``); ``None`` for ``--who PATH``. The runner compares the repository
    configuration with the one there too: the reviews list reads the base's CODEOWNERS with the dialect the
    change's own configuration sets."""
    if args.who:
        return None
    return getattr(args, "base", None) or getattr(args, "changed_since", None)


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
    from .locate import MAX_BYTES, dialect_of, host_dialect, locate
    from .parser import decode, parse

    if args.who is not None and args.format not in ("text", "json"):
        # Answers are lines or a JSON list, not findings: printed before a SARIF log or annotations they
        # would make that output invalid.
        raise ToolError(f"--who answers in text or json; --format {args.format} is not supported with it")
    table = _options(ctx)
    configured = args.dialect or table.get("dialect", "auto")
    dialect = host_dialect(configured)
    root = ctx.root
    result = CheckResult()
    host = host_dialect("auto")
    if host != "auto" and dialect != host and _from_repository(args, ctx):
        # The (trusted) environment names the host; the repository cannot make it read CODEOWNERS another way.
        name, runner = _HOSTS[host]
        reason = (f"the environment names {runner}, but the repository configuration sets dialect = \"{dialect}\"; "
                  f"{name} reads CODEOWNERS with its own search order and rules")
        if args.who is not None:
            raise ToolError(f"{reason}; pass --dialect on the command line")
        result.findings.append(finding(
            "codeowners/host-dialect-mismatch", f"{reason}, so they were checked instead",
            relative_posix(ctx.config.source, root), evidence={"dialect": dialect, "host": host},
            suggestion=f"set dialect = \"{host}\" or remove the key, or pass --dialect on the command line"))
        dialect = host
    since = getattr(args, "changed_since", None)
    if since is None:
        since = getattr(ctx, "changed_since", None)
    given_base = getattr(args, "base", None)
    # `is not None`: an empty --base (an unset CI variable) must fail as an unknown revision, not turn the check off.
    base_rev = given_base if given_base is not None else since
    changed = ctx.changed_files
    if getattr(args, "changed_since", None) is not None:
        from ..changes import changed_since

        # Requested reviews cover deleted files too (GitHub matches every changed path); the checks do not.
        changed = changed_since(root, since, deleted=args.who == [])
    if args.who == [] and (changed is None or since is None):
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
    else:
        located = locate(root, dialect)
        result.findings.extend(_link_findings(root, located))
        if located.links and args.who:
            # An answer from the next location (or from none) would hide that the one in place is not used.
            raise ToolError(f"{located.links[0]}: is a symbolic link or lies below one; it is not followed, so "
                            "it requests no reviews: replace it with the file before asking --who")
        skipped = _skipped_by_configuration(args, ctx, table, configured, located.in_effect)
        if skipped is not None:
            reason = (f"{'GitLab' if skipped.startswith('.gitlab/') else 'GitHub'} reads `{skipped}`, but the "
                      f"repository configuration sets dialect = \"{dialect}\", whose search order skips it, "
                      "so it was not checked")
            if args.who is not None:
                raise ToolError(f"{reason}; pass --dialect on the command line")
            result.findings.append(finding(
                "codeowners/skipped-file", reason, skipped, evidence={"dialect": dialect, "in_effect": located.in_effect},
                suggestion="pass --dialect github or --dialect gitlab on the command line, or delete the file the "
                           "repository's host does not read"))
        for dead in located.dead:
            result.findings.append(finding(
                "codeowners/multiple-files",
                f"{'GitLab' if located.host == 'gitlab' else 'GitHub'} uses `{located.in_effect}`; this CODEOWNERS "
                "file is ignored", dead, evidence={"in_effect": located.in_effect},
                suggestion=f"merge its rules into {located.in_effect} and delete it"))
        if located.in_effect is None:
            if args.who == []:  # the reviews come from the base; this change removes CODEOWNERS
                from .model import CodeownersFile

                return _reviews(args, ctx, CodeownersFile(dialect="gitlab" if dialect == "gitlab" else "github"),
                                None, result, changed, since, dialect)
            places = {
                "github": ".github/, the root or docs/",
                "gitlab": "the root, docs/ or .gitlab/",
            }.get(dialect, ".github/, the root, docs/ or .gitlab/")
            if args.who is not None:
                # An ownership answer without rules would read as "nobody owns it": refuse instead.
                raise ToolError(f"{root}: no CODEOWNERS file in {places}; --repo names the repository root")
            other = locate(root, "auto").in_effect if dialect != "auto" else None
            missing = finding(
                "codeowners/missing-file",
                f"no CODEOWNERS file in {places}" + (f" (`{other}` is not in this search order)" if other else ""), "",
                suggestion="add .github/CODEOWNERS" if located.host == "github" else "add CODEOWNERS")
            if args.require_owner is not None or table.get("require-owner"):
                # A configured guard whose input was deleted fails: deleting CODEOWNERS is not a way around it.
                from dataclasses import replace

                from ..findings import Severity

                missing = replace(missing, severity=Severity.ERROR,
                                  message=missing.message + "; require-owner is configured, so every file is unowned")
            result.findings.append(missing)
            if base_rev is not None:
                option = "--base" if given_base is not None else "--changed-since"
                result.findings.extend(_removed_since_base(root, base_rev, files, dialect, option))
            result.stats = {"files": len(files), "rules": 0, "unowned_files": len(files)}
            return result
        rel = located.in_effect
        target = root / rel
        if not is_within(target, root):
            raise ToolError(f"{rel}: is a symbolic link that points outside the repository; refusing to read it")
        _refuse_special(target, rel)
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
    model = parse(text, dialect_of(rel, dialect), issues)

    if args.who == []:
        return _reviews(args, ctx, model, rel, result, changed, since, dialect,
                        rel if args.codeowners is not None else None)
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
        option = "--base" if given_base is not None else "--changed-since"
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


def _link_findings(root: Path, located) -> list:
    """``codeowners/symlinked-file`` for each CODEOWNERS location skipped as a symbolic link (see :mod:`.locate`)."""
    from .locate import linked_part

    out = []
    for link in located.links:
        part = linked_part(root, link)
        how = "is a symbolic link" if part == link else f"lies below the symbolic link `{part}`"
        instead = f"; `{located.in_effect}` is read instead" if located.in_effect else ""
        out.append(finding(
            "codeowners/symlinked-file",
            f"{how}, which is not followed (in git a link is not the file it points to), so this CODEOWNERS "
            f"requests no reviews{instead}", link,
            evidence={"link": part, "in_effect": located.in_effect},
            suggestion="replace the link with the file itself"))
    return out


def _at_base(root: Path, rev: str, dialect: str, explicit: Optional[str], option: str):
    """``(commit, label, path, model, unreadable, links)`` of the CODEOWNERS in effect at the merge base of
    ``rev`` and HEAD.

    Found as :func:`.revision.codeowners_at` finds it (``links``: the locations before it that are links) and
    read with :func:`.locate.dialect_of`, the working tree's rules; ``path`` and ``model`` are ``None`` when
    there is no file. A file that is not text (UTF-16, a NUL byte) has ``model`` ``None`` and ``unreadable``
    the reason; it is not taken as empty. ``label`` names the base in messages: ``rev (commit)``, or the
    short commit alone.

    Raises:
        ToolError: an unknown revision (worded for ``option``), git failures.
    """
    from ..changes import diff_base
    from .locate import dialect_of
    from .parser import decode, parse
    from .revision import codeowners_at

    try:
        commit = diff_base(root, rev)
    except ToolError as exc:  # diff_base words its errors for --changed-since
        raise ToolError(str(exc).replace("--changed-since", option)) from None
    label = commit[:12] if commit.startswith(rev) else f"{rev} ({commit[:12]})"
    name, data, links = codeowners_at(root, commit, dialect, explicit)
    if data is None:
        return commit, label, None, None, None, links
    text, issues = decode(data)
    if text is None:
        return commit, label, name, None, issues[0].message.split(";")[0], links  # "the file is binary (...)"
    return commit, label, name, parse(text, dialect_of(name, dialect), issues), None, links


def _unreadable_base(path: str, label: str, base_rel: str, reason: str, whose: str):
    """``codeowners/base-unreadable``: the comparison with a base CODEOWNERS that is not text is unknown."""
    return finding(
        "codeowners/base-unreadable",
        f"{base_rel} at {label} cannot be read as rules: {reason}, so {whose} is unknown", path,
        evidence={"base": label, "base_codeowners": base_rel, "reason": reason},
        suggestion="review the ownership this change gives by hand; once a readable CODEOWNERS is on the base "
                   "branch the comparison works again")


def _skipped_by_configuration(args, ctx: Context, table: dict, dialect: str, in_effect: Optional[str]) -> Optional[str]:
    """The CODEOWNERS file the default search order reads that the repository's own ``dialect`` skips, if any.

    ``dialect = "gitlab"`` skips ``.github/CODEOWNERS`` (GitHub reads it first) and ``dialect = "github"``
    skips ``.gitlab/CODEOWNERS``. The repository's configuration may be hostile, so it cannot leave the file
    a host may really use unchecked; ``--dialect`` and an operator's ``--config`` outside the repository can.
    The default order is the host's when the environment names one (:func:`.locate.host_dialect`).
    """
    from .locate import host_dialect, locate

    if dialect == "auto" or not _from_repository(args, ctx):
        return None
    default = locate(ctx.root, host_dialect("auto")).in_effect  # the order of the host the environment names
    return default if default is not None and default != in_effect else None


#: The hosts :func:`.locate.host_dialect` recognises, as messages name them.
_HOSTS = {"github": ("GitHub", "GitHub Actions (GITHUB_ACTIONS=true)"), "gitlab": ("GitLab", "GitLab CI (GITLAB_CI=true)")}


def _from_repository(args, ctx: Context) -> bool:
    """Whether the dialect comes from the repository's own configuration (hostile), not from ``--dialect``
    or an operator's ``--config`` outside the repository."""
    source = ctx.config.source
    return args.dialect is None and source is not None and is_within(source, ctx.root)


def _compare_with_base(root: Path, rev: str, model, files: List[str], rel: str, explicit: Optional[str], dialect: str,
                       option: str = "--base"):
    """``--base``: findings of :func:`.review.compare` against the CODEOWNERS at the merge base of ``rev``."""
    from .model import CodeownersFile
    from .review import compare

    _, label, base_rel, old, unreadable, _ = _at_base(root, rev, dialect, explicit, option)
    if unreadable is not None:
        return [_unreadable_base(rel, label, base_rel, unreadable, "which files this change gives other owners")]
    return compare(old if old is not None else CodeownersFile(dialect=model.dialect), model, files, rel, label)


def _removed_since_base(root: Path, rev: str, files: List[str], dialect: str, option: str = "--base"):
    """``--base`` when the working tree has no CODEOWNERS: the files that had owners at the base."""
    from .analysis import finding
    from .ownership import Ownership
    from .review import SAMPLE

    commit, label, old_rel, old, unreadable, _ = _at_base(root, rev, dialect, None, option)
    if unreadable is not None:
        return [_unreadable_base("", label, old_rel, unreadable, "which files lose their code owners")]
    if old is None:
        return []
    owned = [f for f, (owners, _) in zip(files, Ownership(old).owners_of_all(files)) if owners]
    if not owned:
        return []
    return [finding("codeowners/newly-unowned",
                    f"{old_rel} was removed since {rev} ({commit[:12]}): {len(owned)} file(s) that had code owners have "
                    f"none, e.g. {', '.join(f'`{f}`' for f in owned[:SAMPLE])}",
                    old_rel, evidence={"base": commit[:12], "files": len(owned), "sample": owned[:SAMPLE]},
                    identity=f"newly-unowned:removed:{old_rel}")]


def _reviews(args, ctx: Context, model, rel: Optional[str], result: CheckResult, changed: List[str], rev: str,
             dialect: str, explicit: Optional[str] = None) -> CheckResult:
    """``--changed-since REV --who``: the code owner reviews the changed files (deleted ones included) request.

    They come from the CODEOWNERS at the merge base of REV and HEAD, not from the working tree's
    (``model`` at ``rel``, ``None`` when the change removes it). GitHub Docs, "About code owners": "For
    code owners to receive review requests, the CODEOWNERS file must be on the base branch of the pull
    request"; GitLab Docs, "Troubleshooting Code Owners": "The CODEOWNERS file must be present in the
    target branch before the merge request is created." When the change edits CODEOWNERS, one more line
    (JSON: ``codeowners_changed``) says how many changed files its own rules would give other owners.

    Raises:
        ToolError: a location at the base before the file in effect is a symbolic link (or below one): which
            file the host then reads is not known. A base file that is not text gives no list but a
            ``codeowners/base-unreadable`` error (:func:`_unknown_reviews`).
    """
    from .model import CodeownersFile
    from .ownership import Ownership
    from .review import differing_owners, requested_reviews, review_lines

    commit, label, base_rel, base, unreadable, links = _at_base(ctx.root, rev, dialect, explicit, "--changed-since")
    if links:  # as --who PATH refuses in the working tree: which file GitHub then reads is not known
        raise ToolError(f"{links[0]} at {label}: is a symbolic link or lies below one; it is not followed, so it "
                        "requests no reviews: replace it with the file before asking --who")
    if unreadable is not None:
        return _unknown_reviews(args, ctx, result, changed, rev, commit, label, base_rel, unreadable, rel)
    if base is None:
        base = CodeownersFile(dialect=model.dialect)
    ownership = Ownership(base)
    groups, unowned = requested_reviews(ownership, changed)
    edited = (base_rel, base.lines) != (rel, model.lines if rel is not None else [])
    other = len(differing_owners(base, model, changed)) if edited else 0
    result.findings = []
    result.stats = {"paths": len(changed)}
    if args.format == "json":
        import json

        document = {"changed_files": len(changed), "base": {"revision": rev, "commit": commit, "codeowners": base_rel},
                    "reviews": [g.as_json() for g in groups], "unowned": unowned,
                    "codeowners_changed": {"path": rel, "files_with_other_owners": other} if edited else None}
        ctx.stdout.write(json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")
        result.replaces_report = True
        return result
    from ..escape import terminal_safe

    lines = review_lines(groups, unowned, ownership.gitlab, len(changed))
    if edited:
        source = f"the reviews above come from {base_rel} at {label}" if base_rel else \
            f"there is no CODEOWNERS at {label}, so none is requested"
        own = f"its {rel} would request other owners" if rel else "without CODEOWNERS there would be no owners"
        lines.append(f"  this change edits CODEOWNERS: {source}; {own} for {other} of the {len(changed)} file(s)")
    # File names come from the repository (git diff): a name holding ESC or OSC 52 must not reach the terminal.
    ctx.stdout.write("".join(terminal_safe(line) + "\n" for line in lines))
    return result


def _unknown_reviews(args, ctx: Context, result: CheckResult, changed: List[str], rev: str, commit: str, label: str,
                     base_rel: str, reason: str, rel: Optional[str]) -> CheckResult:
    """``--changed-since REV --who`` when the base CODEOWNERS is not text: no list (an empty one would read
    as "nobody owns these files"), one line saying why, and a ``codeowners/base-unreadable`` error (exit 1)."""
    result.findings = [_unreadable_base(rel or base_rel, label, base_rel, reason, "which reviews this change requests")]
    result.stats = {"paths": len(changed)}
    if args.format == "json":
        import json

        document = {"changed_files": len(changed),
                    "base": {"revision": rev, "commit": commit, "codeowners": base_rel, "unreadable": reason},
                    "reviews": None, "unowned": None, "codeowners_changed": None}
        ctx.stdout.write(json_safe(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")
        result.replaces_report = True
        return result
    from ..escape import terminal_safe

    ctx.stdout.write(terminal_safe(f"{len(changed)} changed file(s); the code owner reviews requested are unknown: "
                                   f"{base_rel} at {label} cannot be read as rules: {reason}") + "\n")
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
