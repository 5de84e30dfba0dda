"""The process shell around the daemon: signals, reloads, the calendar sync child, wiring."""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Callable

from presence import clock, config as config_mod
from presence import paths
from presence.calendar.sync import child_limit, configured_sources, last_checked, record_child
from presence.daemon import Daemon, Tick
from presence.devices import identity
from presence.devices.snapshot import SnapshotWriter
from presence.nudges.dispatch import Dispatcher
from presence.nudges.dnd import Keeper
from presence.nudges.notify import default_notifiers, report_opener
from presence.nudges.nudger import Nudger
from presence.errors import ConfigError, StoreError
from presence.lock import POKE_SIGNAL, InstanceLock
from presence.pacing import Waker
from presence.sanitise import visible
from presence.store import Store, open_or_recover, start_afresh
from presence.store.db import schema_behind

log = logging.getLogger(__name__)


class StatusLine:
    """The live status: one line rewritten in place on a terminal, or (for a dry run that
    is not on a terminal) one line per tick."""

    def __init__(self, out: IO[str], in_place: bool):
        self.out = out
        self.in_place = in_place

    def __call__(self, tick: Tick) -> None:
        span = tick.open_span
        minutes, seconds = divmod(int(span.last - span.start), 60)
        app = visible(span.app or "-", 24)
        line = (f"{tick.probe:<6} {app:<24} {span.category:<10} "
                f"{minutes:3d}m{seconds:02d}s  ({visible(tick.classified.rule)})")[:110]
        self.out.write("\r\x1b[2K" + line if self.in_place else line + "\n")
        self.out.flush()


# The most memory a sync child may take; a feed that needs more fails alone (MemoryError).
SYNC_MEMORY_MB = 1024


class CalendarSyncRunner:
    """Runs `presence calendar sync` as a child process every `refresh_minutes`.

    A child keeps the calendar libraries and a parsed calendar out of the daemon's memory, and
    a calendar that breaks the parser can never take the daemon down with it. A child that
    dies (a signal, the memory limit, the time limit, or an exit without recording its
    outcome) is reported through `report` (status, doctor and `calendar list` show it) and
    retried later and later: after one refresh period, then two, four... up to a day.

    The time limit is asked for at each start (`limit`): the daemon derives it from the
    sources and their deadline (`calendar.sync.child_limit`), so that a child is never
    stopped while a source that is still within its own deadline waits for its turn.
    """

    # The time limit when none is given (the tests' children, which have no sources).
    LIMIT_SECONDS = 300
    MAX_BACKOFF_SECONDS = 24 * 3600

    def __init__(self, argv: list[str], has_sources: Callable[[], bool],
                 every: Callable[[], float],
                 last_recorded: Callable[[], float | None] = lambda: None,
                 report: Callable[[str | None, float | None], None] = lambda error, retry: None,
                 *, limit: Callable[[], float] | None = None,
                 steady: Callable[[], float] = clock.steady,
                 wall: Callable[[], float] = clock.now):
        """
        Args:
            argv: the sync command line.
            has_sources: whether there is anything to sync (asked when a sync is due).
            every: seconds between syncs (asked after each start: a reload may change it).
            last_recorded: when the last sync recorded its outcome in the store (wall clock).
            report: records a sync that died without recording (its error, the retry time).
            limit: seconds a sync may run, asked at each start (default `LIMIT_SECONDS`).
            steady: the monotonic clock that paces the syncs and bounds a running one.
            wall: the wall clock, to compare with what a sync recorded.
        """
        self.argv = argv
        self.has_sources = has_sources
        self.every = every
        self.last_recorded = last_recorded
        self.report = report
        self._limit = limit or (lambda: float(self.LIMIT_SECONDS))
        self.limit = float(self.LIMIT_SECONDS)
        self._steady = steady
        self._wall = wall
        self._child: subprocess.Popen | None = None
        self._started = 0.0
        self._started_wall = 0.0
        self._next = steady()
        self._failing = False
        self.deaths = 0
        self.backoff = 0.0

    def poll(self) -> bool:
        """Start a due sync or reap a finished one; True when one just finished."""
        now = self._steady()
        if self._child is not None:
            code = self._child.poll()
            overdue = code is None and now - self._started > self.limit
            if overdue:
                self._child.kill()
                code = self._child.wait()
            if code is None:
                return False
            self._child = None
            self._reaped(code, overdue, now)
            return True
        if now >= self._next:
            self._next = now + self.every()
            if self.has_sources():
                self.limit = self._limit()
                self._started = now
                self._started_wall = self._wall()
                self._child = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                               stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)
        return False

    def next_start(self) -> float | None:
        """When (monotonic clock) `poll` may start the next sync; None while one runs,
        whose end only `poll` sees."""
        return None if self._child is not None else self._next

    def _reaped(self, code: int, overdue: bool, now: float) -> None:
        recorded = self.last_recorded()
        finished = recorded is not None and recorded >= self._started_wall
        if overdue:
            why = f"ran longer than {self.limit:g} s and was stopped"
        elif code < 0:
            why = f"was killed by signal {-code}"
        elif code not in (0, 1) or not finished:
            why = f"exited with code {code} before recording its sources"
        else:
            why = None
        if why is None:
            if self.deaths:
                self.report(None, None)
            self.deaths = 0
            if code != 0 and not self._failing:
                log.warning("calendar sync: a source failed (see `presence calendar list`); "
                            "its last good meetings are kept")
            self._failing = code != 0
            return
        self.deaths += 1
        delay = self.backoff = min(self.every() * 2 ** (self.deaths - 1),
                                   self.MAX_BACKOFF_SECONDS)
        self._next = now + delay
        log.error("calendar sync %s (%d time%s in a row); next try in %d min", why,
                  self.deaths, "" if self.deaths == 1 else "s", delay // 60)
        self.report(f"the calendar sync {why} ({self.deaths} time"
                    f"{'' if self.deaths == 1 else 's'} in a row)", self._wall() + delay)

    def close(self) -> None:
        """Stop a sync still running."""
        if self._child is not None and self._child.poll() is None:
            self._child.terminate()
            self._child.wait(timeout=10)


def _migrate_in_a_child(db_path: Path) -> None:
    """Create or migrate the database in a child process, so that the migrations' imports
    never stay in the daemon's memory; whatever goes wrong there, the daemon's own open
    says (and repairs what it can)."""
    code = ("import sys; from pathlib import Path; from presence.store import Store; "
            "Store.open(Path(sys.argv[1])).close()")
    try:
        subprocess.run([sys.executable, "-c", code, str(db_path)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600,
                       check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.info("could not migrate in a child process (%s); migrating here", exc)


def run_daemon(config_path: Path | None, db_path: Path, *, interval: float | None = None,
               probe: str | None = None, dry_run: bool = False,
               out: IO[str] = sys.stdout) -> int:
    """Run the daemon in the foreground until SIGTERM/SIGINT; returns the exit code.

    Raises:
        ConfigError: the config is invalid at start (SIGHUP reloads keep the old one instead).
        AlreadyRunning: another daemon holds the lock on this database.
    """
    from presence.probe import open_probe, select

    cfg = config_mod.load(config_path, required=config_path is not None)
    if interval is not None:
        cfg = config_mod.override(cfg, "daemon.interval_seconds", interval)
    poke = getattr(signal, POKE_SIGNAL, None)
    if poke is not None:
        # until the handler below is in place a poke must not end the process (its default)
        signal.signal(poke, signal.SIG_IGN)
    lock = InstanceLock(paths.lock_file(db_path))
    if not dry_run:
        # first: a second `presence run` says only that one runs already
        lock.acquire()
    requested = probe or cfg.get("daemon.probe")
    choice = select(requested, os.environ, sys.platform)
    log.info("probe %s: %s", choice.name, choice.reason)

    store = nudger = syncer = snapshots = device = None
    waker = Waker()
    if not dry_run:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock.now()))
        if schema_behind(db_path):
            _migrate_in_a_child(db_path)
        store, moved = open_or_recover(db_path, stamp)
        if moved is not None:
            log.error("the database was damaged: moved it to %s and started a fresh one", moved)
        opener = report_opener(db_path, config_path, db_path.parent / "report.html")
        # What do not disturb changed, noted before changing it: restored after a crash.
        keeper = Keeper(paths.dnd_note(db_path))
        dispatcher = Dispatcher(default_notifiers(), keeper)
        # an outcome or an answer ends the loop's wait, to be taken in at the next tick
        dispatcher.on_outcome = waker.poke
        nudger = Nudger(cfg, store, dispatcher, open_report=opener, keeper=keeper)
        try:
            device = identity.this_device(store, cfg, clock.now())
        except StoreError as exc:
            log.error("no device identity (%s); no snapshot is written this time", exc)
        else:
            snapshots = SnapshotWriter(db_path, device.id, device.name)
            log.info("device %s (%s)", device.name, device.id)
    def recover(old: Store, why: str) -> tuple[Store, bool]:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock.now()))
        fresh, moved, kept = start_afresh(old, stamp, why)
        log.error("the database was %s while running: %s; %s", why,
                  f"moved what was there to {moved}" if moved else "it was gone",
                  "its history was copied back from the open connection" if kept else
                  "started a fresh one; the spans in memory are written there")
        if device is not None and not kept:
            fresh.ensure_this_device(device.id, device.name, clock.now())
        return fresh, kept

    daemon = Daemon(cfg, store, open_probe, choice.name, fallback_probe=choice.fallback,
                    nudger=nudger, device=device.id if device else None,
                    recover=recover if store is not None else None)
    if store is not None:
        argv = [sys.executable, "-m", "presence", "--db", str(db_path)]
        argv += ["--config", str(config_path)] if config_path else []
        syncer = CalendarSyncRunner(
            argv + ["calendar", "sync", "--quiet", "--max-memory", str(SYNC_MEMORY_MB)],
            has_sources=lambda: bool(configured_sources(daemon.config, daemon.store)),
            every=lambda: daemon.config.get("calendar.refresh_minutes") * 60.0,
            last_recorded=lambda: last_checked(daemon.store),
            report=lambda error, retry_at: record_child(daemon.store, error, retry_at),
            limit=lambda: child_limit(daemon.config, daemon.store),
            steady=clock.steady, wall=clock.now)

    def reload(_signum: int, _frame: object) -> None:
        try:
            fresh = config_mod.load(config_path, required=config_path is not None)
        except ConfigError as exc:
            log.error("config not reloaded, keeping the running one: %s", exc)
            return
        if interval is not None:
            fresh = config_mod.override(fresh, "daemon.interval_seconds", interval)
        daemon.config = fresh
        if nudger is not None:
            nudger.config = fresh
        if snapshots is not None:
            snapshots.device_name = identity.configured_name(fresh)
        log.info("config reloaded from %s", ", ".join(str(f) for f in fresh.files))

    def stop(_signum: int, _frame: object) -> None:
        daemon.stop()

    # every signal below ends the loop's wait, however many ticks it was to leave out
    waker.catch_signals()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, reload)
    if poke is not None:
        signal.signal(poke, lambda _signum, _frame: daemon.recheck_holds())
        daemon.listens = POKE_SIGNAL
    tty = out.isatty()
    status_line = StatusLine(out, in_place=tty) if tty or dry_run else None

    def on_tick(tick: Tick) -> None:
        if status_line is not None:
            status_line(tick)
        if syncer is not None and syncer.poll() and nudger is not None:
            nudger.refresh(clock.now())
        if snapshots is not None:
            snapshots.poll(tick.classified.sample.at, daemon.config,
                           lambda: identity.registry(daemon.store))

    if dry_run:
        log.info("dry run (pid %d, every %s s): printing each sample, storing nothing",
                 os.getpid(), cfg.interval)
    else:
        log.info("presence running (pid %d, db %s, every %s s)", os.getpid(), db_path,
                 cfg.interval)
    def due() -> float | None:
        # the wall time of the next sync to start; None: every tick is needed (a status
        # line prints each, a running sync ends unseen, a snapshot may be due)
        if status_line is not None or daemon.config.devices_folder is not None:
            return None
        if syncer is None:
            return math.inf
        start = syncer.next_start()
        return None if start is None else clock.now() + (start - clock.steady())

    try:
        daemon.run(on_tick=on_tick, waker=waker, due=due)
    finally:
        waker.close()
        if syncer is not None:
            syncer.close()
        if snapshots is not None:
            # the last snapshot holds everything up to the shutdown flush
            snapshots.finish(clock.now(), daemon.config, identity.registry(daemon.store))
        if tty:
            out.write("\n")
        if daemon.store is not None:
            daemon.store.close()
        lock.release()
    log.info("presence stopped")
    return 0

