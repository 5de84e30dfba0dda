"""Reading calendar sources: an .ics file, a folder of them, or an http(s) / webcal URL.

A URL gets a total timeout, a size cap, a conditional request (ETag / Last-Modified) and a cached
copy under the cache folder that serves while the network or the server is down. Each read
returns a digest of the content: equal digests mean unchanged content, so the caller can keep
what it parsed last time (issue 3, item 5). A calendar URL is a password (Google's "secret
address"): it is never put whole into a message, a log line or a cache file name; `redact()`
is the only form that leaves this module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from presence.errors import CalendarError
from presence.secrets import hide_urls, redact

__all__ = ["Document", "SourceRead", "is_url", "label", "read_source", "redact", "unexpected"]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
_URL_SCHEMES = ("http", "https", "webcal", "webcals")
# A folder source is walked this deep and this wide, no further (a folder nested 1,100 deep
# or a million files is somebody's mistake or an attack, not a calendar collection).
MAX_DEPTH = 16
MAX_FILES = 2000


@dataclass(frozen=True)
class Document:
    """One calendar file's bytes.

    Attributes:
        name: the file's path, or the redacted URL; meetings carry it as their source.
        data: the raw bytes.
        digest: SHA-256 of `data`, hex.
    """

    name: str
    data: bytes
    digest: str


@dataclass(frozen=True)
class SourceRead:
    """What one read of a source produced.

    Attributes:
        label: the source as it may be shown (a path, or a redacted URL).
        documents: one per file (a folder gives several; a file or URL one).
        digest: over all documents; equal to the last read's digest = nothing changed.
        stale: why the cached copy of a URL was served instead of a fresh one; None if fresh.
        warnings: files of a folder that could not be read.
    """

    label: str
    documents: tuple[Document, ...]
    digest: str
    stale: str | None = None
    warnings: tuple[str, ...] = ()


def is_url(source: str) -> bool:
    """Whether `source` is an http(s) or webcal URL rather than a path."""
    scheme, sep, _ = source.partition("://")
    return bool(sep) and scheme.lower() in _URL_SCHEMES


def label(source: str) -> str:
    """How a source may be shown: a path as given, a URL redacted."""
    return redact(source) if is_url(source) else source


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_source(source: str, cache_dir: Path, *, timeout: float = DEFAULT_TIMEOUT,
                max_bytes: int = DEFAULT_MAX_BYTES) -> SourceRead:
    """Read a source: a file, a folder of .ics files, or a URL (with its cache).

    Args:
        source: a path or an http(s)/webcal URL, as configured.
        cache_dir: where cached copies of URLs live (`paths.cache_dir()`); created private.
        timeout: most seconds one URL read may take, all of it.
        max_bytes: largest calendar accepted, after decompression.

    Returns:
        The documents and their digest; for a URL whose server cannot be reached, the cached
        copy with `stale` saying why.

    Raises:
        CalendarError: nothing could be read (and, for a URL, no cached copy exists). The
            message names the source, redacted.
    """
    try:
        if is_url(source):
            return _read_url(source, cache_dir, timeout, max_bytes)
        path = Path(source).expanduser()
        if path.is_dir():
            return _read_folder(path, source, max_bytes)
        document = Document(source, *_read_file(path, source, max_bytes))
        return SourceRead(label=source, documents=(document,), digest=document.digest)
    except CalendarError:
        raise
    except Exception as exc:  # noqa: BLE001 - one source's surprise must fail that source alone
        raise CalendarError(f"{label(source)}: cannot read the calendar "
                            f"({unexpected(exc)})") from None


def unexpected(exc: BaseException) -> str:
    """An unforeseen exception as a short, URL-free phrase for a source's error line."""
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    text = hide_urls(text)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_file(path: Path, name: str, max_bytes: int) -> tuple[bytes, str]:
    """A regular file's bytes, at most `max_bytes`: never a device, a FIFO or a socket."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as exc:
        raise CalendarError(f"{name}: no such file or folder") from exc
    except OSError as exc:
        raise CalendarError(f"{name}: cannot read the calendar ({exc.strerror})") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CalendarError(f"{name}: not a regular file (give an .ics file or a folder)")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise CalendarError(f"{name}: the calendar is larger than {max_bytes} bytes")
            chunks.append(chunk)
    except OSError as exc:
        raise CalendarError(f"{name}: cannot read the calendar ({exc.strerror})") from exc
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data, _digest(data)


def _calendar_files(path: Path, source: str, warnings: list[str]) -> list[Path]:
    """The .ics files of a folder, walked without recursion, bounded in depth and count;
    links to folders are not followed (a link loop would never end)."""
    found: list[Path] = []
    queue: deque[tuple[Path, int]] = deque([(path, 0)])
    while queue:
        folder, depth = queue.popleft()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            warnings.append(f"{folder}: cannot list the folder ({exc.strerror})")
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 < MAX_DEPTH:
                        queue.append((Path(entry.path), depth + 1))
                    else:
                        warnings.append(f"{entry.path}: deeper than {MAX_DEPTH} folders; "
                                        "not read")
                elif entry.name.lower().endswith(".ics") and entry.is_file():
                    found.append(Path(entry.path))
            except OSError:
                continue
            if len(found) > MAX_FILES:
                warnings.append(f"{source}: more than {MAX_FILES} .ics files; only the first "
                                f"{MAX_FILES} are read")
                return sorted(found[:MAX_FILES])
    return sorted(found)


def _read_folder(path: Path, source: str, max_bytes: int) -> SourceRead:
    documents, warnings = [], []
    files = _calendar_files(path, source, warnings)
    budget = max_bytes
    for file in files:
        try:
            document = Document(str(file), *_read_file(file, str(file), budget))
        except CalendarError as exc:
            warnings.append(str(exc))
            continue
        documents.append(document)
        # the whole folder shares one size cap, not one per file
        budget = max(budget - len(document.data), 0)
    if not files:
        warnings.append(f"{source}: the folder holds no .ics files")
    combined = hashlib.sha256()
    for document in documents:
        combined.update(f"{document.name}\0{document.digest}\n".encode("utf-8", "replace"))
    return SourceRead(label=source, documents=tuple(documents), digest=combined.hexdigest(),
                      warnings=tuple(warnings))


def _cache_files(cache_dir: Path, url: str) -> tuple[Path, Path]:
    key = hashlib.sha256(url.encode("utf-8", "replace")).hexdigest()[:32]
    return cache_dir / f"{key}.ics", cache_dir / f"{key}.json"


def _load_cache(cache_dir: Path, url: str) -> tuple[bytes, dict[str, str]] | None:
    body, meta = _cache_files(cache_dir, url)
    try:
        data = body.read_bytes()
        info = json.loads(meta.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data, info if isinstance(info, dict) else {}


def _store_cache(cache_dir: Path, url: str, data: bytes, info: dict[str, str]) -> None:
    from presence.paths import make_private_dir

    body, meta = _cache_files(cache_dir, url)
    try:
        make_private_dir(cache_dir)
        for target, content in ((body, data), (meta, json.dumps(info).encode("utf-8"))):
            # Write beside, then rename: a crash never leaves a half-written cached copy.
            temporary = target.with_suffix(target.suffix + ".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(temporary, target)
    except OSError as exc:
        log.warning("%s: cannot keep a cached copy (%s)", redact(url), exc.strerror)


def _http_url(url: str) -> str:
    scheme, _, rest = url.strip().partition("://")
    return ("https" if scheme.lower() in ("webcal", "webcals") else scheme.lower()) + "://" + rest


def _read_url(url: str, cache_dir: Path, timeout: float, max_bytes: int) -> SourceRead:
    shown = redact(url)
    cached = _load_cache(cache_dir, url)
    try:
        fetched = _fetch(_http_url(url), shown, cached[1] if cached else {}, timeout, max_bytes)
    except CalendarError as exc:
        if cached is None:
            raise
        reason = str(exc).removeprefix(f"{shown}: ")
        log.warning("%s: serving the cached copy: %s", shown, reason)
        return _from_cache(shown, cached, stale=reason)
    if fetched is None:
        if cached is None:
            raise CalendarError(f"{shown}: the server answered 304 Not Modified to a request "
                                "without a cached copy")
        return _from_cache(shown, cached, stale=None)
    data, info = fetched
    info["digest"] = _digest(data)
    _store_cache(cache_dir, url, data, info)
    return SourceRead(label=shown, documents=(Document(shown, data, info["digest"]),),
                      digest=info["digest"])


def _from_cache(shown: str, cached: tuple[bytes, dict[str, str]],
                stale: str | None) -> SourceRead:
    data, info = cached
    digest = info.get("digest") or _digest(data)
    return SourceRead(label=shown, documents=(Document(shown, data, digest),), digest=digest,
                      stale=stale)


def _fetch(url: str, shown: str, info: dict[str, str], timeout: float,
           max_bytes: int) -> tuple[bytes, dict[str, str]] | None:
    """GET the URL (see `fetch`); None on 304 Not Modified; only a whole calendar passes."""
    from presence import __version__
    from presence.calendar.fetch import fetch

    got = fetch(url, shown, info, timeout, max_bytes,
                f"presence/{__version__} (calendar reader)")
    if got is None:
        return None
    data, new_info, content_type = got
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    if start != b"BEGIN:VCALENDAR":
        # A login page or an error page sent with 200 must not replace a good cached copy.
        raise CalendarError(f"{shown}: the server did not send a calendar "
                            f"(Content-Type {content_type[:100] or 'unknown'})")
    if b"END:VCALENDAR" not in data[-64:].upper():
        raise CalendarError(f"{shown}: the download was cut short (no END:VCALENDAR at the "
                            "end)")
    return data, new_info
