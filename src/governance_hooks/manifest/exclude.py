"""Files under a dataset root that are not data: gitignore-style patterns (``pathspec``).

Exclusions only decide what ``build`` lists and what ``verify`` reports as new;
a path the manifest lists is always verified.
"""

from __future__ import annotations

from typing import Iterable, Sequence

#: Never data: OS litter, git metadata, and checksum files of the dataset itself.
DEFAULT_EXCLUDE = (
    ".DS_Store",
    "Thumbs.db",
    "desktop.ini",
    ".gitattributes",
    ".gitignore",
    "/manifest.json",
    "/SHA256SUMS",
    "*.sha256sum",
)


class Excluder:
    """Match dataset-relative POSIX paths against gitignore patterns (last match wins, ``!`` re-includes).

    Folders are matched with a trailing ``/``. Defaults come first, so user
    patterns can re-include with ``!name``.
    """

    def __init__(self, patterns: Sequence[str] = (), defaults: Iterable[str] = DEFAULT_EXCLUDE) -> None:
        import pathspec  # imported here: only verify/build need it

        self.patterns = tuple(defaults) + tuple(patterns)
        self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
        self._dirs: dict = {}

    def file(self, rel: str) -> bool:
        """True if the file ``rel`` is excluded (by its own name or one of its folders)."""
        if self._spec.match_file(rel):
            return True
        folder = rel.rpartition("/")[0]
        return bool(folder) and self.folder(folder + "/")

    def folder(self, rel_slash: str) -> bool:
        """True if the folder ``rel_slash`` (ending in ``/``) or one of its parents is excluded."""
        cached = self._dirs.get(rel_slash)
        if cached is None:
            parent = rel_slash[:-1].rpartition("/")[0]
            cached = (bool(parent) and self.folder(parent + "/")) or bool(self._spec.match_file(rel_slash))
            self._dirs[rel_slash] = cached
        return cached
