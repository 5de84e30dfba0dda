"""Between the sampling loop and the notifier: builds the policy's state, records nudges,
hands them to delivery and records what became of them: whether they were shown, what the
user answered (and doing what the button said), and whether they were followed.

The database is the channel with the CLI (focus windows, logged time, snooze, synced meetings):
every `flush_seconds` the nudger asks SQLite whether another connection changed it, and re-reads
the stored part of the state only then, after a calendar sync and at day rollover. Today's spans
are kept in memory as the loop closes them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any, Callable, Protocol

from presence.nudges import actions, effect, policy
from presence.config import Config
from presence.errors import StoreError
from presence.model import Classified, Nudge, NudgeRecord, Span
from presence.nudges.actions import Answer, Button
from presence.nudges.dispatch import Delivery
from presence.nudges.notify import ACTIONS_EXPIRE_MS
from presence.nudges.view import current_meeting
from presence.nudges.world import World, read_world
from presence.nudges.stats import backoff_factor
from presence.store import Store
from presence.timeline import clipped_seconds, day_bounds, local_day

log = logging.getLogger(__name__)

# The nudge on screen (notification id, row, until when), for a restarted daemon to take over.
SHOWN_SETTING = "shown_notification"

# The policy's conditions last minutes (grace periods, budgets, cooldowns): deciding every few
# seconds is exact enough, and keeps a daemon sampling every second (and a replay) light.
# Decisions fall on a fixed grid of UNIX time (the first tick of each 5 s slot), so a loop
# that leaves ticks out (a replay) knows where the next one falls without stepping to it.
DECIDE_SECONDS = 5.0


def decision_slot(now: float) -> int:
    """The slot of the decision grid that `now` falls in."""
    return math.floor(now / DECIDE_SECONDS)


class Outbox(Protocol):
    """Where decided nudges go: the notify `Dispatcher`, or a recorder in replay."""

    def submit(self, nudge: Nudge, row: int | None = None,
               buttons: Sequence[Button] = (), replaces: int = 0) -> None:
        """Queue a nudge (stored as `row`, with its buttons) for delivery, replacing the
        notification `replaces` where not 0."""
        ...

    def drain(self) -> list[Delivery]:
        """Outcomes since the last call."""
        ...

    def answers(self) -> list[Answer]:
        """The user's answers (buttons, closes) since the last call."""
        ...

    def run(self, job: Callable[[], Any]) -> None:
        """Run a platform job off the sampling path."""
        ...

    def close(self) -> list[Delivery]:
        """Finish what is queued and return the last outcomes."""
        ...


# How often the daemon looks at its peers' snapshots again (they change every few minutes).
PEER_SECONDS = 60.0


class Nudger:
    """Decides nudges on each tick and follows them to the screen (or the log)."""

    def __init__(self, config: Config, store: Store, outbox: Outbox,
                 open_report: Callable[[], None] | None = None, keeper: Any = None):
        """Wire the nudger.

        Args:
            config: the effective configuration.
            store: the daemon's store.
            outbox: where decided nudges go (the notify `Dispatcher`, or a recorder).
            open_report: writes and opens today's report ("Open report"); None: not offered.
            keeper: the do-not-disturb `Keeper`, held during in-person meetings when
                `[focus] do_not_disturb` is on; its jobs run on the outbox's worker.
        """
        self.config = config
        self.store = store
        self.outbox = outbox
        self.open_report = open_report
        self.keeper = keeper
        self._holding = False
        self._reattached = False
        self._known_until = 0.0
        if keeper is not None:
            # A daemon that was killed may have left the desktop's notifications held.
            outbox.run(keeper.recover)
        self._day = None
        self._day_start = self._day_end = 0.0
        # Today's closed spans, then the open span as the last item once a tick has run: one
        # list updated in place, so a tick never copies the day.
        self._spans: list[Span] = []
        self._open_in_list = False
        self._chat_closed = 0.0
        self._world = World()
        self._checked_at: float | None = None
        self._slot: int | None = None  # the grid slot of the latest decision
        # No decision before this can send anything while the inputs hold (the policy's
        # `Decision.quiet_until`): the decisions until then are left out. Anything that may
        # change what the policy reads sets it back (`unsettle`).
        self._quiet_until = -math.inf
        self._input: str | None = None  # the category in front, as the policy reads it
        self.asked = 0  # how many decisions asked the policy (the others were left out)
        self._judged_by = math.inf  # the earliest a shown nudge's effect may be told
        self._version: int | None = None
        self._peers_at = 0.0
        self._rows: dict[str, int] = {}

    @property
    def config(self) -> Config:
        """The effective configuration (a reload replaces it)."""
        return self._config

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value
        self._flush_seconds = value.get("daemon.flush_seconds")  # read on every tick
        self.unsettle()

    @property
    def store(self) -> Store:
        """The daemon's store (replaced when its file had to be moved aside)."""
        return self._store

    @store.setter
    def store(self, value: Store) -> None:
        self._store = value
        self.unsettle()

    def unsettle(self) -> None:
        """Ask the policy again at the next slot: what it reads may have changed."""
        self._quiet_until = -math.inf  # (every change of what it reads comes here)

    def sees(self, app: str | None, title: str | None, category: str) -> None:
        """The sample in front as the policy reads it (called when the loop judged a sample
        afresh): a change of category unsettles the decisions left out. Which app or title
        of a category is in front moves no rule's moment (only the words of a nudge, which
        are written when it is due), so a switch within one keeps the promise."""
        if category != self._input:
            self._input = category
            self.unsettle()

    def observe_closed(self, span: Span, following: Any = None) -> None:
        """Remember a span the loop just closed, if it reaches into today. `following`: the
        span opened after it, if the loop knows it; one of the same category that takes
        over where it ended (a switch of app or title, no gap) leaves each category's time
        as it was, and keeps the promise (see `sees`); any other change unsettles it."""
        if following is None or following.category != span.category or \
                following.start != span.end:
            self.unsettle()
        if self._open_in_list:
            self._spans.pop()
            self._open_in_list = False
        if span.end > self._day_start and span.end > span.start:
            self._spans.append(span)
            if span.category in self.config.virtual_categories:
                self._chat_closed += clipped_seconds(span, self._day_start, span.end)

    def _new_day(self, day, start: float, now: float) -> None:
        if self._open_in_list:
            self._spans.pop()
            self._open_in_list = False
        if self._day is None:
            # A restart picks up what is already stored for today.
            self._spans = self.store.spans(start, now)
        else:
            self._spans = [s for s in self._spans if s.end > start]
        self._day, self._day_start = day, start
        virtual = self.config.virtual_categories
        self._chat_closed = sum(clipped_seconds(s, start, s.end) for s in self._spans
                                if s.category in virtual)

    def refresh(self, now: float) -> None:
        """Re-read the stored state (after the CLI or a calendar sync changed it)."""
        self.unsettle()
        tz = self.config.tz
        day = local_day(now, tz)
        start, end = day_bounds(day, tz)
        if day != self._day:
            self._new_day(day, start, now)
            self._day_end = end
        self._peers_at = now
        self._world = read_world(self.store, self.config, day, (start, end), now)
        self._version = self.store.data_version()

    def tick(self, now: float, classified: Classified, open_span: Span) -> list[Nudge]:
        """Decide at `now`; record and submit any nudge; record finished deliveries."""
        return self.decide(now, classified, open_span) if self.prepare(now) else []

    def prepare(self, now: float) -> bool:
        """A tick's bookkeeping (finished deliveries, answers, the stored state read again
        when it changed), and whether a decision is due at `now` (the first tick of each
        `DECIDE_SECONDS` slot): the loop builds what `decide` needs only then (`tick` is
        both). A decision that the last one said cannot send anything (its `quiet_until`,
        the inputs unchanged) is taken as made, without asking the policy."""
        try:
            if not self._reattached:
                self._reattached = True
                self._reattach(now)
            self._record_deliveries()
            self._answer(now)
            if self._day is None or not self._day_start <= now < self._day_end:
                self.refresh(now)
            elif (self._checked_at is None
                  or not 0 <= now - self._checked_at < self._flush_seconds):
                # Only the CLI or a calendar sync (other connections) change the stored state.
                self._checked_at = now
                if self.store.data_version() != self._version or (
                        self.config.devices_folder is not None
                        and not 0 <= now - self._peers_at < PEER_SECONDS):
                    self.refresh(now)
        except StoreError as exc:
            log.debug("nudge state not refreshed: %s", exc)
        slot = decision_slot(now)
        if slot == self._slot:
            return False
        if now < self._quiet_until:
            self._slot = slot  # decided: nothing, as promised
            return False
        return True

    def idles(self, now: float) -> bool:
        """Whether a tick at `now` would neither decide nor read the stored state: a loop
        whose outbox delivers at once (the replay's) may leave such a tick out."""
        checked = self._checked_at
        return (self._reattached and self._day is not None
                and self._day_start <= now < self._day_end
                and checked is not None
                and 0 <= now - checked < self._flush_seconds
                and self._slot is not None
                and (decision_slot(now) == self._slot or now < self._quiet_until)
                and self.config.devices_folder is None)

    def skip_to(self, now: float) -> None:
        """The loop left out ticks up to `now` at which `idles` held: the decisions among
        them were taken as made (`prepare`)."""
        self._slot = decision_slot(now)

    def next_due(self) -> float:
        """About when `idles` turns False (the next decision, read or new day)."""
        checked = (self._checked_at or 0.0) + self._flush_seconds
        decides = ((self._slot or 0) + 1) * DECIDE_SECONDS
        return min(self._day_end, checked, max(decides, self._quiet_until))

    def decide(self, now: float, classified: Classified, open_span: Span) -> list[Nudge]:
        """Decide at `now` (after `prepare` said a decision is due); record and submit any
        nudge."""
        self._slot = decision_slot(now)
        world = self._world
        sample = classified.sample
        if self._open_in_list:
            self._spans[-1] = open_span
        else:
            self._spans.append(open_span)
            self._open_in_list = True
        self._known_until = now
        try:
            self._judge(now)
        except StoreError as exc:
            log.debug("nudge effects not recorded yet: %s", exc)
            self._judged_by = now  # try again at the next decision
        state = policy.PolicyState(
            spans=self._spans, closed_chat_seconds=self._chat_closed,
            category=classified.category, app=sample.app,
            title=sample.title, meetings=world.meetings,
            focus_windows=world.focus_windows,
            in_person_log=world.in_person_log, past_nudges=world.past_nudges,
            peer_virtual=world.peer_virtual,
            snoozed_until=world.snoozed_until, last_in_person=world.last_in_person,
            first_seen=world.first_seen, backoff=world.backoff,
            kinds_snoozed_until=world.kinds_snoozed_until,
            people_due=world.people_due, people_named=world.people_named)
        self._hold_during_meetings(now)
        decided = policy.decision(now, state, self.config)
        self.asked += 1
        nudges = decided.nudges
        # nor may one be left out at which a shown nudge's effect could be told
        self._quiet_until = min(decided.quiet_until, self._judged_by)
        for nudge in nudges:
            world.past_nudges.append(nudge)
            row = None
            try:
                row = self._rows[nudge.key] = self.store.insert_nudge(nudge)
            except StoreError as exc:
                log.error("could not record a nudge before showing it: %s", exc)
            log.info("nudge %s: %s — %s", nudge.kind, nudge.title, nudge.message)
            self.outbox.submit(nudge, row, self._buttons(nudge, row))
        return nudges

    def _hold_during_meetings(self, now: float) -> None:
        """Hold the desktop's other notifications while an in-person meeting is on."""
        if self.keeper is None:
            return
        want = bool(self.config.get("focus.do_not_disturb")) and \
            current_meeting(now, self._world.meetings) is not None
        if want != self._holding:
            self._holding = want
            self.outbox.run(self.keeper.hold if want else self.keeper.release)

    def _buttons(self, nudge: Nudge, row: int | None) -> tuple[Button, ...]:
        shown = actions.buttons(nudge, row)
        if self.open_report is None:
            shown = tuple(b for b in shown if not b.key.startswith(actions.REPORT + ":"))
        return shown

    def _reattach(self, now: float) -> None:
        """Take over the buttons of a nudge still on screen from before a restart.

        Servers such as dunst send a button press only to the connection that showed the
        nudge; replacing it in place from this daemon's connection makes its buttons ours.
        """
        shown = self.store.get_setting(SHOWN_SETTING)
        if not isinstance(shown, dict):
            return
        self.store.delete_setting(SHOWN_SETTING)
        try:
            notification, row, until = int(shown["id"]), int(shown["row"]), float(shown["until"])
        except (KeyError, TypeError, ValueError):
            return
        record = self.store.nudge_record(row)
        if record is None or record.response is not None or not now < until:
            return
        log.info("taking over the buttons of nudge %s still on screen", row)
        self.outbox.submit(record.nudge, row, self._buttons(record.nudge, row), notification)

    def _record_deliveries(self, deliveries: list[Delivery] | None = None) -> None:
        deliveries = self.outbox.drain() if deliveries is None else deliveries
        if deliveries:
            self.unsettle()
        for delivery in deliveries:
            row = self._rows.pop(delivery.nudge.key, None)
            if row is None:
                continue
            self.store.record_delivery(row, delivery.channel, delivery.delivered,
                                       delivery.error)
            if delivery.delivered and delivery.notification:
                self.store.set_setting(SHOWN_SETTING, {
                    "id": delivery.notification, "row": row,
                    "until": delivery.nudge.at + ACTIONS_EXPIRE_MS / 1000})
            if delivery.delivered and effect.judged(delivery.nudge):
                self._world.unjudged.append(NudgeRecord(row, delivery.nudge, delivery.channel,
                                                        True))

    def _judge(self, now: float) -> None:
        """Decide `followed` for the shown nudges whose 10 minutes after have passed."""
        world = self._world
        self._judged_by = math.inf
        if not world.unjudged:
            return
        virtual = self.config.virtual_categories
        waiting = []
        changed = set()
        for record in world.unjudged:
            outcome, by = effect.outcome(record.nudge.at, self._spans, virtual, now)
            if outcome is None:
                waiting.append(record)
                self._judged_by = min(self._judged_by, by)
                continue
            self.store.set_followed(record.row, outcome)
            log.info("nudge %s at %s %s", record.nudge.kind, record.nudge.at,
                     "followed" if outcome else "not followed")
            changed.add(record.nudge.kind)
        world.unjudged = waiting
        for kind in changed:
            world.backoff[kind] = backoff_factor(self.store, kind)

    def _answer(self, now: float) -> None:
        """Do what the user's buttons say, and store each answer on its nudge."""
        answers = self.outbox.answers()
        for answer in answers:
            if answer.row is None:
                continue
            record = self.store.nudge_record(answer.row)
            if answer.response in actions.VERBS:
                outcome = actions.perform(self.store, self.config,
                                          record.nudge if record else None, answer.response, now)
                log.info("nudge answered %s: %s", answer.response, outcome.done)
                if outcome.done == "report" and self.open_report is not None:
                    self.open_report()
                if outcome.notice is not None:
                    title, message = outcome.notice
                    self.outbox.submit(Nudge(now, "notice", f"notice:{now}", title, message))
                    continue
            if record is not None:
                self.store.record_response(answer.row, answer.response, now)
        if answers:
            # A button may have snoozed or logged time: the next decision must see it.
            self.refresh(now)  # (which unsettles)

    def close(self) -> None:
        """Let queued deliveries finish (bounded) and record their outcomes, the answers
        that came in, and the effects that the samples so far decide."""
        if self.keeper is not None:
            self.outbox.run(self.keeper.release)
        try:
            self._record_deliveries(self.outbox.close())
            self._answer(self._known_until)
            self._judge(self._known_until)
        except StoreError as exc:
            log.error("could not record nudge deliveries: %s", exc)
