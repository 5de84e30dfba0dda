"""Files presence writes for the user (a report, an export): theirs alone.

Such a file holds what the user did all day, so it is created 0600 whatever the umask, never
written through a symbolic link (another user's link in a shared folder would otherwise
receive it), and never put over an existing file unless the user says `--force`. It appears
whole or not at all: it is written beside its target and moved into place at the end.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from presence.errors import InputError


def _check(path: Path, force: bool) -> None:
    if path.is_symlink():
        raise InputError(f"{path} is a symbolic link; presence does not write through links "
                         "(give the real file's path, or another name)")
    if path.exists() and not path.is_file():
        raise InputError(f"{path} exists and is not a regular file; give another name")
    if path.exists() and not force:
        raise InputError(f"{path} exists; add --force to replace it, or give another name")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such folder (create it, or give another path)")


@contextlib.contextmanager
def private_output(path: Path, *, force: bool = False) -> Iterator[TextIO]:
    """A text stream whose content becomes `path` (0600) when the block ends without error.

    Raises:
        InputError: `path` is a symbolic link, or exists and `force` is false, or its folder
            is missing or cannot be written.
    """
    # tempfile brings shutil, random, bz2 and lzma: only a command that writes a file pays
    import tempfile

    path = path.expanduser()
    _check(path, force)
    try:
        # mkstemp creates the file 0600 and O_EXCL: nobody else's file, whatever the umask
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".part")
    except OSError as exc:
        raise InputError(f"{path}: cannot write here ({exc.strerror})") from exc
    part = Path(temporary)
    try:
        os.fchmod(fd, 0o600)  # exactly: a strict umask must not leave it unreadable to you
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        _place(part, path, force)
    finally:
        part.unlink(missing_ok=True)


def _place(part: Path, path: Path, force: bool) -> None:
    """Move the finished file into place; without `force`, never over a file that appeared
    meanwhile (a hard link fails when the name exists, where a rename would replace it)."""
    if force:
        os.replace(part, path)  # replaces a link that appeared meanwhile, never follows it
        return
    try:
        os.link(part, path)
    except FileExistsError:
        raise InputError(f"{path} exists; add --force to replace it, or give another name") \
            from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise InputError(f"{path}: cannot write the file ({exc.strerror})") from exc
        # a filesystem without hard links (FAT, some network shares): create exclusively
        _copy_exclusive(part, path)


def _copy_exclusive(part: Path, path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
    except FileExistsError:
        raise InputError(f"{path} exists; add --force to replace it, or give another name") \
            from None
    with os.fdopen(fd, "wb") as out:
        out.write(part.read_bytes())
