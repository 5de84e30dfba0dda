"""The errors presence raises at its edges.

Every foreseeable problem becomes a `PresenceError`; the CLI turns it into one line and an exit
code (`exit_code`), so no traceback reaches a user.
"""


class PresenceError(Exception):
    """Base of every foreseeable presence failure."""

    exit_code = 1


class ConfigError(PresenceError):
    """The configuration (or another user-supplied input) is invalid."""

    exit_code = 2


class InputError(PresenceError):
    """A command-line argument or input file is malformed."""

    exit_code = 2


class CalendarError(PresenceError):
    """A calendar source cannot be read or parsed at all."""

    exit_code = 2


class CalendarDeadline(CalendarError):
    """A calendar source took longer than its deadline to read, parse and expand."""


class ProbeUnavailable(PresenceError):
    """A probe backend cannot run here (no display, missing library, wrong OS)."""


class StoreError(PresenceError):
    """The database cannot be opened, migrated or written."""


class CorruptDatabase(StoreError):
    """The database file is damaged or is not a SQLite database."""


class NotifierUnavailable(PresenceError):
    """No notification channel could deliver a nudge."""


class AlreadyRunning(PresenceError):
    """Another daemon holds the single-instance lock."""
