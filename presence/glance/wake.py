"""Waking a follower when files change: Linux's inotify, spoken through ctypes (issue 16).

The glance wing's second platform module (beside `tray.py`). A bar that follows the store or a
tray would otherwise wake at every daemon interval only to find that nothing changed; with
inotify the kernel wakes it when a watched folder's files are written, created, renamed or
closed after writing, and it sleeps through the quiet seconds. Where inotify is missing (not
Linux, no libc, a folder that does not exist, the kernel's watch limit reached), `watch`
returns None and the follower keeps its timed polling: the same answers, a little more CPU.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
import sys
from pathlib import Path

from presence.logsetup import logger

log = logger(__name__)

# <sys/inotify.h>
IN_MODIFY = 0x00000002
IN_CLOSE_WRITE = 0x00000008
IN_MOVED_FROM = 0x00000040
IN_MOVED_TO = 0x00000080
IN_CREATE = 0x00000100
IN_DELETE = 0x00000200
IN_DELETE_SELF = 0x00000400
IN_MOVE_SELF = 0x00000800
IN_Q_OVERFLOW = 0x00004000
IN_IGNORED = 0x00008000
IN_ONLYDIR = 0x01000000
# What a commit (WAL writes), a checkpoint, a database created, a daemon starting (the pid
# written into its lock) or ending (the lock closed), and a snapshot renamed in look like.
# Opening and reading are left out: the follower's own reads must not wake it.
MASK = (IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
        | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
_EVENT = struct.Struct("iIII")
# Every event of every watched folder, whatever its name (a queue that overflowed).
EVERYTHING = "*"


class Watcher:
    """One inotify descriptor watching a few folders; `fileno` is for `select`."""

    def __init__(self, fd: int, tags: dict[int, str]):
        self._fd = fd
        self._tags = tags
        self.complete = True

    def fileno(self) -> int:
        """The descriptor that turns readable when a watched folder changed."""
        return self._fd

    def changes(self) -> dict[str, set[str]]:
        """What changed since the last call, without waiting: folder tag → file names
        (`EVERYTHING` when the kernel dropped events). Empty when nothing did."""
        out: dict[str, set[str]] = {}
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return out
            except OSError as exc:
                log.info("inotify read failed (%s): following by polling", exc)
                self.complete = False
                return {tag: {EVERYTHING} for tag in self._tags.values()}
            offset = 0
            while offset + _EVENT.size <= len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                name = data[offset + _EVENT.size:offset + _EVENT.size + length]
                offset += _EVENT.size + length
                if mask & IN_Q_OVERFLOW:
                    return {tag: {EVERYTHING} for tag in self._tags.values()}
                tag = self._tags.get(wd)
                if tag is None:
                    continue
                if mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF):
                    # the folder itself went away: nothing more will come from it
                    self.complete = False
                    out.setdefault(tag, set()).add(EVERYTHING)
                    continue
                out.setdefault(tag, set()).add(
                    os.fsdecode(name.rstrip(b"\0")) if name else EVERYTHING)

    def close(self) -> None:
        """Stop watching."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def watch(folders: dict[str, Path]) -> Watcher | None:
    """A watcher of `folders` (tag → folder), or None where inotify cannot watch them all."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        init, add = libc.inotify_init1, libc.inotify_add_watch
    except (OSError, AttributeError) as exc:
        log.info("no inotify here (%s): following by polling", exc)
        return None
    add.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
    fd = init(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        log.info("inotify_init1 failed (%s): following by polling",
                 os.strerror(ctypes.get_errno()))
        return None
    tags: dict[int, str] = {}
    for tag, folder in folders.items():
        wd = add(fd, os.fsencode(folder), MASK)
        if wd < 0:
            log.info("cannot watch %s (%s): following by polling", folder,
                     os.strerror(ctypes.get_errno()))
            os.close(fd)
            return None
        tags[wd] = tag
    return Watcher(fd, tags)
