"""Where the CODEOWNERS file is (GitHub Docs, "About code owners", "CODEOWNERS file location").

GitHub reads ``.github/CODEOWNERS``, then ``CODEOWNERS``, then ``docs/CODEOWNERS``
and uses the first that exists; GitLab reads ``CODEOWNERS``, ``docs/CODEOWNERS``,
then ``.gitlab/CODEOWNERS``. Files in the other locations are dead.
"""

from __future__ import annotations

import os

from .model import _Record

GITHUB_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
GITLAB_LOCATIONS = ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
#: GitHub ignores a CODEOWNERS file of this size or more.
MAX_BYTES = 3 * 1024 * 1024


class Located(_Record):
    """The file in effect (``None`` when there is none), the dead ones, and the host whose order applied."""

    __slots__ = ("in_effect", "dead", "host")
    __hash__ = None

    def __init__(self, in_effect: "str | None", dead: "list[str] | None" = None, host: str = "github") -> None:
        self.in_effect, self.dead, self.host = in_effect, [] if dead is None else dead, host


def locate(root: "str | os.PathLike[str]", dialect: str = "auto") -> Located:
    """Resolve the CODEOWNERS file of the repository at ``root``.

    Args:
        root: the repository root.
        dialect: ``github`` or ``gitlab`` pick that host's search order; ``auto``
            uses GitHub's, falling back to ``.gitlab/CODEOWNERS`` when GitHub finds none.

    Returns:
        Repo-relative POSIX paths of the file in effect and of the dead files
        (other locations of the same host that exist).
    """
    def present(order):
        # A folder is not a CODEOWNERS file; anything else there (a FIFO, a device, a broken or
        # looping link) is, and the command refuses it rather than looking past it.
        return [rel for rel in order if os.path.lexists(os.path.join(root, rel))
                and not os.path.isdir(os.path.join(root, rel))]

    if dialect == "gitlab":
        found, host = present(GITLAB_LOCATIONS), "gitlab"
    else:
        found, host = present(GITHUB_LOCATIONS), "github"
        if not found and dialect == "auto":
            found, host = present((".gitlab/CODEOWNERS",)), "gitlab"
    if not found:
        return Located(None, [], host)
    return Located(found[0], found[1:], host)
