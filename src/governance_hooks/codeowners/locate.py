"""Where the CODEOWNERS file is (GitHub Docs, "About code owners", "CODEOWNERS file location").

GitHub reads ``.github/CODEOWNERS``, then ``CODEOWNERS``, then ``docs/CODEOWNERS``
and uses the first that exists; GitLab reads ``CODEOWNERS``, ``docs/CODEOWNERS``,
then ``.gitlab/CODEOWNERS``. Files in the other locations are dead.

A symbolic link is never followed, here or at a revision (:mod:`.revision`): a location that is a
link, or is reached through a linked folder, holds no CODEOWNERS file and the search goes on. GitHub
reads CODEOWNERS from the git tree, where a link is a blob holding the target's name; its
documentation says nothing about links, and the reports found (users, other CODEOWNERS tools) say a
symlinked CODEOWNERS requests no reviews. Whether GitHub then looks at the next location is not known
either, so the working tree reports every such link as an error (``codeowners/symlinked-file``): the
check fails until the link is replaced by the file, whichever way GitHub goes.
"""

from __future__ import annotations

import os

from .model import _Record

GITHUB_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
GITLAB_LOCATIONS = ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
#: GitHub ignores a CODEOWNERS file of this size or more.
MAX_BYTES = 3 * 1024 * 1024


class Located(_Record):
    """The file in effect (``None`` when there is none), the dead ones, the host whose order applied, and
    the locations skipped because they are symbolic links or lie below one."""

    __slots__ = ("in_effect", "dead", "host", "links")
    __hash__ = None

    def __init__(self, in_effect: "str | None", dead: "list[str] | None" = None, host: str = "github",
                 links: "list[str] | None" = None) -> None:
        self.in_effect, self.dead, self.host = in_effect, [] if dead is None else dead, host
        self.links = [] if links is None else links


def linked_part(root: "str | os.PathLike[str]", rel: str) -> "str | None":
    """The first part of the repo-relative ``rel`` (a folder on the way, or ``rel`` itself) that is a
    symbolic link; ``None`` when no part is."""
    part = ""
    for name in rel.split("/"):
        part = f"{part}/{name}" if part else name
        if os.path.islink(os.path.join(root, part)):
            return part
    return None


def host_dialect(dialect: str, environ: "os._Environ[str] | dict[str, str]" = os.environ) -> str:
    """``dialect``, with ``auto`` made the host's when the (trusted) environment names it: ``github`` on a
    GitHub Actions runner (``GITHUB_ACTIONS=true``), ``gitlab`` in GitLab CI (``GITLAB_CI=true``; GitHub
    Docs, "Variables reference"; GitLab Docs, "Predefined CI/CD variables"). There the repository's
    content must not pick the semantics: a `[Section]` line would otherwise read a GitHub file with
    GitLab rules and hide its GitHub syntax errors."""
    if dialect != "auto":
        return dialect
    github, gitlab = environ.get("GITHUB_ACTIONS") == "true", environ.get("GITLAB_CI") == "true"
    return "github" if github and not gitlab else "gitlab" if gitlab and not github else "auto"


def dialect_of(rel: str, dialect: str) -> str:
    """The dialect the CODEOWNERS at ``rel`` is read with, in the working tree and at a revision alike.

    ``github`` and ``gitlab`` stand. ``auto`` becomes ``github`` for ``.github/`` (GitLab does not read
    that folder, so a ``[Section]`` there is a GitHub syntax error) and ``gitlab`` for ``.gitlab/``
    (GitHub does not read that one); elsewhere it stays ``auto`` (GitLab when a ``[Section]`` appears).
    """
    if dialect != "auto":
        return dialect
    if rel.startswith(".github/"):
        return "github"
    if rel.startswith(".gitlab/"):
        return "gitlab"
    return "auto"


def locate(root: "str | os.PathLike[str]", dialect: str = "auto") -> Located:
    """Resolve the CODEOWNERS file of the repository at ``root``.

    Args:
        root: the repository root.
        dialect: ``github`` or ``gitlab`` pick that host's search order; ``auto``
            uses GitHub's, falling back to ``.gitlab/CODEOWNERS`` when GitHub finds none.

    Returns:
        Repo-relative POSIX paths of the file in effect and of the dead files
        (other locations of the same host that exist), and the locations skipped as links.
    """
    links: "list[str]" = []

    def present(order):
        # A folder is not a CODEOWNERS file; anything else there (a FIFO, a device) is, and the command
        # refuses it rather than looking past it. A link, or a file reached through a linked folder, is
        # skipped as git history skips it (see the module docstring); after the file in effect it is
        # just one more dead file.
        found = []
        for rel in order:
            full = os.path.join(root, rel)
            if not os.path.lexists(full):
                continue
            if not found and linked_part(root, rel) is not None:
                links.append(rel)
            elif not os.path.isdir(full):
                found.append(rel)
        return found

    if dialect == "gitlab":
        found, host = present(GITLAB_LOCATIONS), "gitlab"
    else:
        found, host = present(GITHUB_LOCATIONS), "github"
        if not found and dialect == "auto":
            found, host = present((".gitlab/CODEOWNERS",)), "gitlab"
    if not found:
        return Located(None, [], host, links)
    return Located(found[0], found[1:], host, links)
