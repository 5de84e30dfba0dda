"""Following the store cheaply: a new glance only when something may have changed.

`bar --follow` and the tray wake once per daemon interval and ask two cheap questions: did the
store change — the WAL file's stat, and SQLite's `PRAGMA data_version` only when that moved
(it changes only when another connection, the daemon or the CLI, committed) — and, with a
`[devices] folder`, did the folder's modification time move (a peer's snapshot renamed in,
issue 17). Nothing else runs while both stay the same.

When the store changed, three small records (what is in front, the snooze, the pause) and the
tail of the spans are read. A snooze or a pause reads today again at once. A daemon flush
grows the span in front, and a switch closes it and writes the next (what is in front now):
then the glance is advanced by what the spans grew (`view.advance`) instead of reading the
day again — the same numbers, for a fraction of the work, as long as nothing else could
differ (no in-person time going on, no other device's time past the spans in front). A write
that changed neither the spans nor anything else the glance reads (the daemon's record of
its probe or notifier) costs nothing more. Anything else the store says
reads today again, at most every `REREAD_SECONDS`; and today is read again anyway every
`FULL_SECONDS`, when the daemon starts or stops, when a peer's snapshot arrives, and when the
glance said it would change (a snooze ends, a meeting starts, midnight).

A follower made with `watch=True` (`bar --follow`, the tray) also sleeps through the quiet
seconds: `glance.wake` has the kernel wake it when the database's folder or the devices folder
is written (a commit, the daemon's lock taken or let go, a snapshot renamed in), `fileno` is
what to wait on, and `wait_seconds` how long until the glance may change on its own. Without
inotify it wakes at every interval, as before.
"""

from __future__ import annotations

import os
from pathlib import Path

from presence import holds
from presence.config import Config
from presence.errors import StoreError
from presence.glance import view
from presence.lock import is_held
from presence.paths import lock_file
from presence.store.flushes import DAEMON_KEY
from presence.timeline import day_bounds, local_day
from presence.logsetup import logger

log = logger(__name__)

REREAD_SECONDS = 60.0
# The advanced glance is checked against a full read this often (what the tail cannot see:
# a calendar sync that landed in the same wake as a flush). A full read of a busy day costs
# tens of milliseconds: every 5 minutes it was most of what a quiet follower cost (issue 16).
FULL_SECONDS = 1800.0
# How old the WAL's modification time must be before an unchanged one is trusted to mean an
# unchanged store (a few of the kernel's clock ticks).
WAL_SETTLED = 0.1
# A commit is seen by readers a moment after its last write to the WAL (the writer then
# updates the shared index): a woken follower asks once more this long after the last write.
COMMIT_SETTLED = 0.5
# The longest a watching follower sleeps without an event (its bar may have gone away).
IDLE_SECONDS = 30.0
# A daemon that stops writes nothing more: while the store is quiet, whether it still runs is
# asked of its lock this often (each wake, only when the store changed).
LOCK_CHECK_SECONDS = 5.0


class Follower:
    """Keeps one read connection open and hands out a fresh `Glance` when it may differ."""

    def __init__(self, db_path: Path, config: Config, watch: bool = False):
        self.db_path = db_path
        self.config = config
        self.glance: view.Glance | None = None
        self.interval = config.interval
        self._store = None
        self._version: int | None = None
        self._stale = True
        self._marks: tuple | None = None
        self._tail: tuple | None = None
        self._inputs: tuple | None = None
        self._dirty = False
        self._read_at = -FULL_SECONDS
        self._running: bool | None = None
        self._lock = lock_file(db_path)
        self._wal = db_path.with_name(db_path.name + "-wal")
        self._wal_mark: tuple | None = None
        self._checked_at = -LOCK_CHECK_SECONDS
        self._folder = config.devices_folder
        self._folder_mark: int | None = self._folder_mtime()
        self._alone = True
        self._watch = None
        self._names: dict[str, set[str]] = {}
        self._settle_at: float | None = None
        if watch:
            self._start_watching()

    def store(self):
        """The open read connection, or None while there is no database yet."""
        if self._store is None:
            from presence.store import Store

            try:
                self._store = Store.open(self.db_path, create=False)
            except StoreError as exc:
                log.debug("no database to follow yet: %s", exc)
        return self._store

    def _start_watching(self) -> None:
        from presence.glance import wake

        real = Path(os.path.realpath(self.db_path))
        folders = {"data": self.db_path.parent}
        store = {self.db_path.name, self._wal.name}
        self._names = {"data": store | {self._lock.name}}
        if real.parent != self.db_path.parent:  # a symlinked database: its files are there
            folders["real"] = real.parent
            self._names["real"] = {real.name, real.name + "-wal", self._lock.name}
        if self._folder is not None:
            folders["devices"] = self._folder
        self._watch = wake.watch(folders)

    def fileno(self) -> int | None:
        """What to wait on for the store to change (None: wake every `wait_seconds`)."""
        return self._watch.fileno() if self._watch is not None else None

    def wait_seconds(self, now: float) -> float:
        """How long the caller may sleep (or wait on `fileno`) before the next `poll`."""
        watch, glance = self._watch, self.glance
        if watch is None or not watch.complete or glance is None:
            return self.interval
        due = [glance.until, self._read_at + FULL_SECONDS, now + IDLE_SECONDS]
        if self._dirty:
            due.append(self._read_at + REREAD_SECONDS)
        if self._settle_at is not None:
            due.append(self._settle_at)
        return min(max(0.0, min(due) - now), IDLE_SECONDS)

    def _woken(self, now: float) -> tuple[bool, bool, bool] | None:
        """(store, lock, devices folder): which may have changed since the last poll, as
        the watcher tells; None when there is no watcher to tell (ask everything)."""
        watch = self._watch
        if watch is None:
            return None
        from presence.glance.wake import EVERYTHING

        changes = watch.changes()
        if not watch.complete:
            self._watch = None
            watch.close()
            return None
        store = lock = False
        for tag in ("data", "real"):
            names = changes.get(tag)
            if names:
                every = EVERYTHING in names
                store = store or every or bool(names & self._names[tag] - {self._lock.name})
                lock = lock or every or self._lock.name in names
        if store:
            self._settle_at = now + COMMIT_SETTLED
        elif self._settle_at is not None and now >= self._settle_at:
            store, self._settle_at = True, None
            wal = self._wal_stat()
            if wal is not None and 0 <= now - wal[0] / 1e9 < COMMIT_SETTLED:
                self._settle_at = now + COMMIT_SETTLED  # written again since: ask once more
        return store, lock, bool(changes.get("devices"))

    def invalidate(self) -> None:
        """Read again on the next poll (after this process wrote to the store itself, which
        `data_version` does not report to the connection that wrote)."""
        self._stale = True

    def _wal_stat(self) -> tuple | None:
        """What the WAL file looks like (None without one: then SQLite is asked)."""
        try:
            st = os.stat(self._wal)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def _folder_mtime(self) -> int | None:
        """The devices folder's modification time: a snapshot renamed in changes it."""
        if self._folder is None:
            return None
        try:
            return os.stat(self._folder).st_mtime_ns
        except OSError:
            return None

    def poll(self, now: float) -> view.Glance | None:
        """A new glance when something may have changed since the last one, else None."""
        woken = self._woken(now)
        store = self.store()
        version = self._version
        if store is not None and (woken is None or woken[0] or version is None):
            try:
                if woken is not None:
                    version = store.data_version()  # the kernel said the folder was written
                else:
                    version = self._version_by_stat(store, now)
            except StoreError as exc:
                log.info("cannot read the database: %s", exc)
                self._drop_store()
                store = None
                version = None
        if self._folder is not None and (woken is None or woken[2]):
            mark = self._folder_mtime()
            if mark != self._folder_mark:
                self._folder_mark, self._stale = mark, True
        if woken is not None:
            lock_due = woken[1]
        else:
            lock_due = not 0 <= now - self._checked_at < LOCK_CHECK_SECONDS
        if version == self._version and not self._stale and self.glance is not None \
                and now < self.glance.until and not lock_due \
                and now - self._read_at < FULL_SECONDS \
                and not (self._dirty and now - self._read_at >= REREAD_SECONDS):
            return None  # the wake-up of a quiet store: nothing more to ask
        if self._running is None or version != self._version or lock_due:
            self._running = is_held(self._lock)
            self._checked_at = now
        running = self._running
        last = self.glance
        due = (self._stale or last is None or running != last.running or now >= last.until
               or now - self._read_at >= FULL_SECONDS)
        try:
            if version != self._version and not due:
                self._version = version
                with store.transaction("cannot read today's numbers", write=False):
                    outcome = self._after_write(store, now, running)
                if isinstance(outcome, view.Glance):
                    self.glance = outcome
                    return outcome
                due = outcome
            due = due or (self._dirty and now - self._read_at >= REREAD_SECONDS)
            if not due:
                return None
            self._version = version
            self.glance = self._read(store, now, running)
        except StoreError as exc:
            log.info("cannot read today's numbers: %s", exc)
            return None
        self._stale = self._dirty = False
        self._read_at = now
        if store is not None and running:
            beat = store.get_setting(DAEMON_KEY) or {}
            if isinstance(beat.get("interval"), (int, float)) and beat["interval"] > 0:
                self.interval = float(beat["interval"])
        return self.glance

    def _after_write(self, store, now: float, running: bool) -> view.Glance | bool:
        """What another connection's commit means (read in one snapshot): the glance
        advanced by it, True when today must be read at once, or False when not now (and
        whether it must be read within `REREAD_SECONDS`, kept in `_dirty`)."""
        marks, before = self._read_marks(store, now), self._marks
        if not running or marks is None or before is None or marks[1:] != before[1:]:
            return True  # a snooze, a pause, or the daemon gone: read at once
        switched = marks[0] != before[0]
        grown = self._advanced(store, now, switched, marks[0])
        if isinstance(grown, view.Glance):
            self._marks = marks
            return grown
        if switched:
            return True  # a switch shows at once
        # a write that changed neither the spans nor anything else the glance reads (the
        # daemon's record of its probe or notifier) leaves nothing to read again
        if not (grown == {} and self._read_inputs(store, now) == self._inputs):
            self._dirty = True
        return False

    def _version_by_stat(self, store, now: float) -> int | None:
        """`data_version`, asked only when the WAL file moved: every commit writes it, so
        while it stays as it was, so does the store (stat first, so that no commit slips
        between)."""
        wal = self._wal_stat()
        if wal is not None and wal == self._wal_mark:
            return self._version
        version = store.data_version()
        # A file's time moves in clock ticks: a mark younger than WAL_SETTLED may yet be
        # shared by a second commit, so it is not trusted.
        settled = wal is not None and now - wal[0] / 1e9 >= WAL_SETTLED
        self._wal_mark = wal if settled else None
        return version

    def _day_start(self, now: float) -> float:
        tz = self.config.tz
        return day_bounds(local_day(now, tz), tz)[0]

    def _read(self, store, now: float, running: bool) -> view.Glance:
        """Today read whole, with the records, the tail and the other inputs it was read
        with (one snapshot of the store, so a flush in between is neither lost nor counted
        twice)."""
        if store is None:
            self._marks = self._tail = self._inputs = None
            return view.read(None, self.config, now, running)
        with store.transaction("cannot read today's numbers", write=False):
            glance = view.read(store, self.config, now, running)
            self._marks = self._read_marks(store, now)
            self._tail = store.span_tail(self._day_start(now))
            self._inputs = self._read_inputs(store, now)
        self._alone = self._no_peers()
        return glance

    def _read_inputs(self, store, now: float) -> tuple:
        """What today's glance reads besides the spans, what is in front, the snooze and the
        pause: the meetings of today and of the look-ahead, the logged time, the focus
        windows and the people seen. Cheap (a few rows each), so that a write that changed none of it and no span
        (the daemon's record of its probe or notifier) costs no full read."""
        start, end = day_bounds(local_day(now, self.config.tz), self.config.tz)
        return (store.meetings(start, end + view.LOOKAHEAD_SECONDS, self.config.tz),
                store.in_person_log(start, end), store.focus_windows(start, end + 86400),
                store.together(start, end))

    def _no_peers(self) -> bool:
        """Whether the devices folder holds no snapshot but this device's own (or there is
        no folder): then no peer's time can overlap the span in front."""
        if self._folder is None:
            return True
        from presence.devices.peers import is_snapshot_file
        from presence.devices.snapshot import snapshot_name

        try:
            me = self._store.this_device() if self._store is not None else None
            names = [e.name for e in os.scandir(self._folder) if is_snapshot_file(e.name)]
        except FileNotFoundError:
            return True
        except (OSError, StoreError):
            return False
        own = snapshot_name(me.id) if me is not None else None
        return all(name == own for name in names)

    def _advanced(self, store, now: float, switched: bool = False,
                  shown: view.Current | None = None
                  ) -> view.Glance | dict[str, float] | None:
        """The last glance advanced by what the spans in front grew (and, when `switched`,
        with `shown` in front), when that is all that changed and the growth counts whole.
        Else the growth found (`{}`: the spans stand as they did), or None when they changed
        in another way."""
        last, before = self.glance, self._tail
        if last is None or before is None or not last.steady or not self._alone:
            return None
        rows = before[2]
        start = self._day_start(now)
        after = store.span_tail(start, rows[-1][0] if rows else int(start * 1000))
        grown = _growth(before, after) if after is not None else None
        if grown is None or (not grown and not switched):
            return grown  # a write that grew nothing (a log, a focus window) is no flush
        if switched and shown is None:
            return None
        self._tail = after
        return view.advance(last, grown, self.config, now, shown if switched else None)

    @staticmethod
    def _read_marks(store, now: float) -> tuple | None:
        """What a user notices at once: what is in front, the snooze and the pause."""
        if store is None:
            return None
        return (view.read_current(store, now), store.get_setting(holds.SNOOZE_KEY),
                store.get_setting(holds.PAUSE_KEY))

    def _drop_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        self._wal_mark = None

    def close(self) -> None:
        """Close the read connection (and stop watching)."""
        self._drop_store()
        if self._watch is not None:
            self._watch.close()
            self._watch = None



def _growth(before: tuple, after: tuple) -> dict[str, float] | None:
    """Seconds per category the spans grew by between two `span_tail`s (the second taken
    from the first's last key on), or None when something else changed: a span inserted or
    removed before the last, another device's time past where the growth began, spans of
    another device or overlapping spans among the new ones."""
    count, others, old = before
    new_count, new_others, rows = after
    last = old[-1] if old else None
    if last is not None and (not rows or rows[0][0] != last[0]):
        return None  # the span in front was removed or replaced
    added = rows[1:] if last is not None else rows
    if new_count != count + len(added) or new_others != others:
        return None
    begin = last[0] + last[1] if last is not None else None
    if others is not None and begin is not None and others > begin:
        return None  # another device's time lies past the span in front
    grown: dict[str, float] = {}
    if last is not None:
        key, length, category, device = rows[0]
        if category != last[2] or device != last[3] or length < last[1]:
            return None
        if length > last[1]:
            grown[category] = (length - last[1]) / 1000
    end = rows[0][0] + rows[0][1] if last is not None else None
    for key, length, category, device in added:
        if (last is not None and device != last[3]) or (end is not None and key < end):
            return None  # another device's span, or one overlapping the one before
        if others is not None and others > key:
            return None
        grown[category] = grown.get(category, 0.0) + length / 1000
        end = key + length
    return grown
