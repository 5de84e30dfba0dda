"""Calendar URLs are passwords (Google's "secret address"): the one place that hides them.

`redact()` turns a URL into the form that may be shown; `scrub()` removes a known URL's secret
parts from a text a library wrote (raw or as Python escapes them, `\\t` for a TAB);
`hide_urls()` redacts every URL in a text, for texts that may quote one nobody named (a config
error, a log line). Everything presence prints or logs about a calendar goes through one of
them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# A last path segment that is a plain word ("basic.ics", "calendar.ics") names a format, not a
# secret; anything with digits or of some length may be the token itself (Fastmail, iCloud).
_SAFE_LAST = re.compile(r"^[a-z][a-z_-]{0,15}\.ics$")
_ANY_URL = re.compile(r"(?i)\b(?:https?|webcals?|ftp)://[^\s'\"<>\])}]+")


def redact(url: str) -> str:
    """A calendar URL with its secret parts removed, fit for output, logs and errors.

    Keeps the scheme, host and port, a last path segment that is a plain word such as
    `basic.ics`, and a short hash so that two URLs on one host can be told apart. Drops the
    user, password, the rest of the path, the query and the fragment.

    Returns:
        e.g. `https://calendar.google.com/…/basic.ics#5d41ab`.
    """
    # hashlib loads OpenSSL: paid only when a URL is shown, never by every command
    import hashlib

    tag = hashlib.sha256(url.encode("utf-8", "replace")).hexdigest()[:6]
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"<calendar URL>#{tag}"
    if any(ord(c) < 33 or c in "\\\x7f" for c in host):
        return f"<calendar URL>#{tag}"
    last = parts.path.rsplit("/", 1)[-1]
    tail = f"/…/{last}" if _SAFE_LAST.match(last) else "/…"
    return f"{parts.scheme.lower()}://{host}{port}{tail}#{tag}"


def scrub(text: str, url: str) -> str:
    """`text` without any secret part of `url`: the whole URL, its path, query, fragment,
    user and password, and every path segment, raw or escaped the way Python's repr writes
    them."""
    pieces = {url, url.strip()}
    try:
        parts = urlsplit(url.strip())
        pieces |= {parts.path, parts.query, parts.fragment, parts.netloc.rpartition("@")[0]}
        pieces |= set(re.split(r"[/?&=#]", parts.path + "/" + parts.query))
    except ValueError:
        pieces |= set(re.split(r"[/?&=#]", url))
    shown = {p for p in pieces if len(p) >= 3 and not _SAFE_LAST.match(p)}
    for piece in sorted(shown | {repr(p)[1:-1] for p in shown}, key=len, reverse=True):
        text = text.replace(piece, "…")
    return text


def hide_urls(text: str) -> str:
    """`text` with every URL in it redacted (`https://host/…#tag`)."""
    return _ANY_URL.sub(lambda match: redact(match.group()), text)
