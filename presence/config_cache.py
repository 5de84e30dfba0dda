"""The user's config file as it was parsed last time, so that a command need not parse it.

Importing `tomllib` (which imports `typing`) and parsing even a one-line file cost a read
command about a tenth of its whole process (`presence bar` runs every few seconds; issue 18),
and the file rarely changes. So the tree parsed from it is kept in presence's data folder, in
`cache/config.json`, together with the very text it was parsed from; it is used only while
the file holds exactly that text (a byte-for-byte comparison, not a date), so an edit is
never missed. Only a tree that JSON gives back unchanged is kept (no TOML dates or times),
only for a file of at most `LIMIT` bytes, and only where presence's data folder exists (a
command that only reads the config never creates it). The copy is the user's alone (0600),
like the config it copies (which may hold calendar URLs); failing to read or write it only
means parsing again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from presence import paths
from presence.logsetup import logger

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

log = logger(__name__)

# Config files larger than this are parsed every time (they are a few hundred bytes).
LIMIT = 256 * 1024
NAME = "config.json"


def parsed(raw: bytes, parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The tree of the config file whose bytes are `raw`: the kept one when it was parsed
    from these very bytes, else `parse()` (which raises for a broken file), kept for next
    time."""
    try:
        # as "utf-8-sig" reads it, without importing that codec's module
        text = raw[3:].decode() if raw.startswith(b"\xef\xbb\xbf") else raw.decode()
    except UnicodeDecodeError:
        return parse()  # says what is wrong with the file
    if len(raw) > LIMIT:
        return parse()
    path = paths.cache_dir() / NAME
    kept = _kept(path)
    if kept is not None and kept.get("source") == text and isinstance(kept.get("tree"), dict):
        return kept["tree"]  # type: ignore[no-any-return]
    tree = parse()
    _keep(path, text, tree)
    return tree


def _kept(path: Path) -> dict[str, Any] | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as file:
            data = file.read(4 * LIMIT + 1024)
        kept = json.loads(data)
    except (OSError, ValueError, RecursionError):
        return None
    return kept if isinstance(kept, dict) else None


def _keep(path: Path, text: str, tree: dict[str, Any]) -> None:
    try:
        document = json.dumps({"source": text, "tree": tree})
    except (TypeError, ValueError):
        return  # a TOML date or time: parsed each time
    if json.loads(document)["tree"] != tree:
        return  # NaN, which is never equal to itself: parsed each time
    if not path.parent.parent.is_dir():
        return  # no data folder yet: a config check must not create it
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        paths.make_private_dir(path.parent)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(document)
        os.replace(part, path)
    except OSError as exc:
        log.debug("could not keep the parsed config in %s: %s", path, exc)
        try:
            part.unlink()
        except OSError:
            pass
