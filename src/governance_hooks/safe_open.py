"""The one way the tool opens a file that comes from the checked repository.

Everything in the checked repository may be hostile (see ``docs/security.md``).
A committed file can be a symlink to ``/dev/zero`` (``st_size`` 0, a read never
ends), to ``/dev/stdin`` or ``/proc/self/fd/1`` (a read waits forever), to a
FIFO (``open`` itself waits for a writer), to a file outside the repository
(its content would end up in a finding), or a symlink loop. Every read of a
repository file goes through :func:`open_repo_file` (or the two readers built
on it), which:

1. refuses a path whose symlinks resolve outside ``root`` (and loops);
2. refuses, *before* ``open``, anything but a regular file (opening a FIFO or
   a device has effects);
3. opens with ``O_NONBLOCK | O_NOCTTY`` (so a file swapped for a FIFO between
   the ``stat`` and the ``open`` cannot block) and checks ``fstat`` again;
4. refuses more than ``limit`` bytes, by ``fstat`` and again while reading.

Paths named in repository configuration (a schema, a datasets root, a policy
file) go through :func:`config_path` first: relative, inside the repository.

A refusal raises :class:`UnsafeFile`, a :class:`~governance_hooks.errors.ToolError`:
left uncaught it is a one-line exit 2; a check that scans many files catches it
and turns ``exc.reason`` into a finding for that file.
"""

from __future__ import annotations

import os
import stat

from .errors import ToolError

# No pathlib or typing at import time: ``codeowners --who`` reads its file through here on every start.

#: Default byte budget for a file the tool reads whole (source files, configuration, lists).
DEFAULT_LIMIT = 64 << 20

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_CHUNK = 1 << 20

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)

#: What the functions here accept as a path (for annotations).
PathLike = "str | os.PathLike[str]"


class UnsafeFile(ToolError, OSError):
    """A repository file the tool must not or cannot read.

    Both a :class:`ToolError` (uncaught: one line, exit 2) and an ``OSError``
    (so a check's existing "cannot read" path turns it into its finding).

    Attributes:
        path: the path as given.
        reason: one line, without the path (``"a symlink to /dev/zero, outside the repository"``).
        too_large: the size in bytes when the refusal is the byte budget (else ``None``;
            ``-1`` when the file grew past the budget while it was read).
    """

    def __init__(self, path: PathLike, reason: str, too_large: int | None = None,
                 os_error: OSError | None = None) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}; not read")
        self.path = os.fspath(path)
        self.reason = reason
        self.too_large = too_large
        # ``exc.strerror or exc`` (the usual "cannot read" idiom) gives the OS's words or the refusal.
        self.errno = os_error.errno if os_error is not None else None
        self.strerror = (os_error.strerror if os_error is not None else None) or reason
        self.filename = self.path


class MissingFile(UnsafeFile, FileNotFoundError):
    """The file does not exist (also a ``FileNotFoundError``)."""


def _os_failure(path: PathLike, exc: OSError) -> UnsafeFile:
    kind_ = MissingFile if isinstance(exc, FileNotFoundError) else UnsafeFile
    return kind_(path, f"cannot be read: {exc.strerror or exc}", os_error=exc)


def kind(mode: int) -> str:
    """What a non-regular file is, in words (``"a FIFO (named pipe)"``)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def inside(path: PathLike, root: PathLike) -> bool:
    """True if the absolute ``path`` equals ``root`` or lies below it (no symlink resolution)."""
    path, root = os.fspath(path), os.fspath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_inside(path: PathLike, root: PathLike | None) -> str:
    """``path`` with every symlink resolved, refused when that leaves ``root``.

    ``root=None`` is for paths the operator named on the command line (trusted
    location, still subject to the file-type rules).

    Raises:
        UnsafeFile: a symlink loop, or a link that resolves outside ``root``.
    """
    try:
        real = os.path.realpath(path, strict=True)
    except FileNotFoundError:
        real = os.path.realpath(path)
    except OSError as exc:  # ELOOP and friends
        raise UnsafeFile(path, f"cannot be resolved: {exc.strerror or exc}", os_error=exc) from None
    if root is not None and not inside(real, os.path.realpath(root)):
        if real == os.path.abspath(path):  # no link on the way: the path itself is elsewhere
            raise UnsafeFile(path, "is outside the repository")
        raise UnsafeFile(path, f"is a symlink to {real}, outside the repository")
    return real


def in_repository(path: PathLike, root: PathLike) -> bool:
    """Whether a path the operator named lies in the repository ``root``: as written, or once the links
    of its folder are resolved (its own name is not resolved).

    Such a path is repository content, read with ``root`` (a link in it that leaves the repository is
    refused); any other path was chosen by the operator and is read with ``root=None``.
    """
    full, real_root = os.path.abspath(path), os.path.realpath(root)
    return (inside(full, os.path.abspath(root)) or inside(full, real_root)
            or inside(os.path.realpath(os.path.dirname(full)), real_root))


def open_repo_file(path: PathLike, root: PathLike | None, *, limit: int | None = DEFAULT_LIMIT,
                   streams: bool = False) -> "BinaryIO":
    """Open a repository file for reading, binary, unbuffered-safe; the caller closes it.

    Args:
        path: the file (absolute, or relative to the working folder).
        root: the repository root; a path resolving outside it is refused.
            ``None``: a path from the command line (any location).
        limit: refuse a file larger than this many bytes (``None``: no cap, for
            callers that stream or map huge files and bound their own work).
        streams: also accept a FIFO or character device (``<(git ls-files)``,
            ``/dev/stdin``); only for a path the operator named (``root=None``),
            and the caller bounds the read.

    Returns:
        A binary file object positioned at 0 (blocking mode restored).

    Raises:
        UnsafeFile: outside the repository, a loop, not a regular file (FIFO,
            device, socket, folder), larger than ``limit``, or an ``OSError``.
    """
    real = resolve_inside(path, root)
    try:
        before = os.stat(real)
    except OSError as exc:
        raise _os_failure(path, exc) from None
    stream = streams and root is None and (stat.S_ISFIFO(before.st_mode) or stat.S_ISCHR(before.st_mode))
    if not stat.S_ISREG(before.st_mode) and not stream:
        raise UnsafeFile(path, f"is {kind(before.st_mode)}, not a regular file")
    if limit is not None and before.st_size > limit and not stream:
        raise UnsafeFile(path, f"is {before.st_size:,} bytes, over the {limit:,}-byte limit",
                         too_large=before.st_size)
    try:
        fd = os.open(real, _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise _os_failure(path, exc) from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) and not (stream and opened.st_mode == before.st_mode):
            raise UnsafeFile(path, f"is {kind(opened.st_mode)}, not a regular file")
        if limit is not None and opened.st_size > limit and not stream:
            raise UnsafeFile(path, f"is {opened.st_size:,} bytes, over the {limit:,}-byte limit",
                             too_large=opened.st_size)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_repo_bytes(path: PathLike, root: PathLike | None, *, limit: int = DEFAULT_LIMIT,
                    streams: bool = False) -> bytes:
    """The whole content of a repository file, at most ``limit`` bytes (see :func:`open_repo_file`).

    Raises:
        UnsafeFile: as :func:`open_repo_file`, or the file grew past ``limit`` while read.
    """
    with open_repo_file(path, root, limit=limit, streams=streams) as handle:
        chunks, total = [], 0
        try:
            while total <= limit:
                chunk = handle.read(min(_CHUNK, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        except OSError as exc:
            raise _os_failure(path, exc) from None
    if total > limit:
        raise UnsafeFile(path, f"grew past the {limit:,}-byte limit while read", too_large=-1)
    return b"".join(chunks)


def read_repo_text(path: PathLike, root: PathLike | None, *, limit: int = DEFAULT_LIMIT,
                   encoding: str = "utf-8", errors: str = "strict") -> str:
    """:func:`read_repo_bytes` decoded (``utf-8-sig`` strips a BOM).

    Raises:
        UnsafeFile: as :func:`read_repo_bytes`, or not decodable with ``errors="strict"``.
    """
    data = read_repo_bytes(path, root, limit=limit)
    try:
        return data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise UnsafeFile(path, f"is not valid {encoding.upper()} (byte {exc.start})") from None


def config_path(value: str, root: PathLike, what: str, base: PathLike | None = None) -> Path:
    """A path named in repository configuration, as an absolute path inside ``root``.

    Repository configuration is untrusted: it may name only relative paths that
    stay inside the repository (no absolute path, no ``..`` escaping it, no
    symlink out of it). Paths from the command line do not come here.

    Args:
        value: the configured path (POSIX separators).
        root: the repository root.
        what: where the value came from, for the message (``"[tool.governance-hooks.metrics] schema"``).
        base: the folder relative paths start from (the configuration file's); default ``root``.

    Raises:
        UnsafeFile: absolute, escaping ``..``, or resolving outside the repository.
    """
    from pathlib import Path, PurePosixPath

    text = str(value)
    if not text or text.startswith(("/", "\\")) or PurePosixPath(text).is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise UnsafeFile(text, f"{what} must be a path relative to the repository root")
    full = Path(os.path.abspath(os.path.join(os.fspath(base if base is not None else root), text)))
    if not inside(str(full), os.path.abspath(os.fspath(root))):
        raise UnsafeFile(text, f"{what} points outside the repository")
    resolve_inside(full, root)
    return full
