"""Where presence's log goes: set up once per process, by the CLI or the service.

Kept apart from `service.py` so that every short command (`presence summary`, `status`) can set
up logging without importing the daemon, the notifiers and the calendar code (issue 5: the
read commands import only what they need). The modules a read command loads take their
logger from `logger(__name__)`, which imports `logging` on the first record: a command that
logs nothing never imports it (issue 18), and the quick entry defers its set-up until then.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any
    import logging
    from pathlib import Path

# The verbosity of a set-up deferred until the first record (`setup_logging(deferred=True)`).
_deferred: list[int] = []


class _Logger:
    """`logging.getLogger(name)`, fetched when it is first used."""

    __slots__ = ("_name", "_real")

    def __init__(self, name: str) -> None:
        self._name = name
        self._real: logging.Logger | None = None

    def __getattr__(self, attr: str) -> Any:
        # only what the slots do not hold comes here: debug, info, warning, isEnabledFor ...
        if self._real is None:
            import logging

            if _deferred:
                setup_logging(_deferred.pop())
            self._real = logging.getLogger(self._name)
        return getattr(self._real, attr)


def logger(name: str) -> logging.Logger:
    """The logger called `name` (a module's `__name__`), imported and set up on first use."""
    return _Logger(name)  # type: ignore[return-value]


def _formatter() -> logging.Formatter:
    import logging

    from presence.sanitise import block
    from presence.secrets import hide_urls

    class SafeFormatter(logging.Formatter):
        """Log lines quote titles, calendars and servers: escape characters are shown, not
        sent to the terminal or the journal, and no URL is written whole (calendar URLs are
        secrets)."""

        def format(self, record: logging.LogRecord) -> str:
            return block(hide_urls(super().format(record)))

    return SafeFormatter("%(asctime)s presence %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")


def _private_rotating_handler(log_file: Path) -> logging.Handler:
    import logging  # only the daemon writes a log file

    class PrivateRotatingFileHandler(logging.FileHandler):
        """A file of at most `MAX_BYTES`, with `BACKUPS` older ones beside it (`.1` the
        newest); every file it opens, the first and each one after a rotation, is 0600.

        What `logging.handlers.RotatingFileHandler` does, without that module: it imports
        pickle, socket servers and queues, which the daemon would keep for days (issue 18).
        """

        MAX_BYTES = 1_000_000
        BACKUPS = 2

        def _open(self) -> Any:
            # Create the file private before logging opens it: a rotation opens a new file
            # with the process's umask, which would leave it readable by others.
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.fchmod(fd, 0o600)
            finally:
                os.close(fd)
            return super()._open()

        def emit(self, record: logging.LogRecord) -> None:
            try:
                if self.stream is None:
                    self.stream = self._open()
                line = self.format(record) + self.terminator
                if self.stream.tell() + len(line.encode("utf-8")) > self.MAX_BYTES:
                    self.doRollover()
            except Exception:  # noqa: BLE001  (what logging does with a failing handler)
                self.handleError(record)
                return
            super().emit(record)

        def doRollover(self) -> None:
            """Move the file to `.1` (and `.1` to `.2` ...) and start a fresh one."""
            if self.stream is not None:
                self.stream.close()
                self.stream = None  # type: ignore[assignment]
            base = self.baseFilename
            for number in range(self.BACKUPS - 1, 0, -1):
                if os.path.exists(f"{base}.{number}"):
                    os.replace(f"{base}.{number}", f"{base}.{number + 1}")
            if os.path.exists(base):
                os.replace(base, f"{base}.1")
            self.stream = self._open()

        def handleError(self, record: logging.LogRecord) -> None:
            # a full disk must not print a traceback per log line; stderr still has the line
            pass

    return PrivateRotatingFileHandler(log_file, encoding="utf-8")


def setup_logging(verbose: int, log_file: Path | None = None, *, deferred: bool = False) -> None:
    """Send presence's log to stderr (journald keeps it under systemd) and, for the daemon,
    to a small rotating private file. `deferred`: only once something logs (through
    `logger()`), unless logging is in use already."""
    if deferred and "logging" not in sys.modules:
        _deferred[:] = [verbose]
        return
    import logging

    from presence import paths

    _deferred.clear()
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose == 1 else logging.WARNING
    root = logging.getLogger("presence")
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    fmt = _formatter()
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(fmt)
    root.addHandler(stderr)
    if log_file is not None:
        try:
            paths.make_private_dir(log_file.parent)
            handler = _private_rotating_handler(log_file)
        except OSError as exc:
            # a read-only or full data folder: the daemon says so in one line (its lock
            # cannot be taken either); the log goes to stderr alone meanwhile
            root.debug("cannot write the log file %s (%s); logging to stderr only", log_file,
                       exc.strerror)
            return
        handler.setLevel(logging.INFO)
        handler.setFormatter(fmt)
        root.addHandler(handler)
