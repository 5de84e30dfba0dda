"""One calendar's series, expanded by recurring-ical-events within the limits of `limits.py`.

The query is built through the library's documented extension points: an adapter and an
occurrence that hand back the source component instead of a copy (copying every instance costs
more than expanding it), a series that refuses what would cost too much and reports its own
failure by UID instead of failing the whole calendar, and a selection that builds those series
and looks at the source's deadline between every two. Imported only when a source is parsed
(the library costs 63 ms to import). Pure.
"""

from __future__ import annotations

import itertools
from datetime import datetime, time, timezone
from typing import Any

from recurring_ical_events import (
    CalendarQuery,
    EventAdapter,
    Occurrence,
    SelectComponents,
    Series,
)

from presence.calendar.classify import text_of
from presence.calendar.limits import (
    MAX_CALENDAR_STEPS,
    MAX_INSTANCES,
    MAX_SERIES_STEPS,
    MAX_WINDOW_INSTANCES,
    NO_DEADLINE,
    Deadline,
    expansion_steps,
)

UTC = timezone.utc
# What the libraries raise for a series they cannot expand: that series fails alone.
_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError)
# Series built between two looks at the deadline.
_CHECK_SERIES = 50


class Budget:
    """What the series of one calendar may still cost in the window being expanded, and
    the failures met on the way, as (UID, why).

    Attributes:
        source: the file or redacted URL, for the deadline's message.
        deadline: the source's deadline for the expansion under way.
        failures: the series skipped so far, (UID, why).
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.deadline: Deadline = NO_DEADLINE
        self.failures: list[tuple[str, str]] = []
        self.until: Any = None
        self.steps = 0.0
        self.instances = 0
        self.full = False

    def window(self, span_stop: Any) -> None:
        """Start a new budget when a new window is asked for."""
        if self.until != span_stop:
            self.until, self.steps, self.instances, self.full = span_stop, 0.0, 0, False


class _Adapter(EventAdapter):
    def __init__(self, component: Any) -> None:
        super().__init__(component)
        self.event = component


class _Instance(Occurrence):
    def __init__(self, adapter: Any, start: Any = None, end: Any = None,
                 sequence: int = -1) -> None:
        super().__init__(adapter, start, end, sequence)
        self.event = adapter.event

    def as_component(self, keep_recurrence_attributes: bool) -> Any:
        return self


class _GuardedSeries(Series):
    occurrence = _Instance

    def __init__(self, adapters: list[Any], budget: Budget) -> None:
        super().__init__(adapters)
        self.heads = [adapter.event for adapter in adapters]
        self.budget = budget

    def between(self, span_start: Any, span_stop: Any) -> Any:
        budget = self.budget
        budget.window(span_stop)
        budget.deadline.check(budget.source, "while expanding its recurring events")
        if budget.instances >= MAX_WINDOW_INSTANCES:
            if not budget.full:
                budget.full = True
                budget.failures.append((self.uid, f"the calendar has more than "
                                                  f"{MAX_WINDOW_INSTANCES} instances in the "
                                                  "window; this series and the rest are "
                                                  "skipped"))
            return []
        stop = span_stop if isinstance(span_stop, datetime) else datetime.combine(
            span_stop, time(), UTC)
        stop = stop if stop.tzinfo is not None else stop.replace(tzinfo=UTC)
        steps = sum(expansion_steps(event, stop) for event in self.heads)
        if steps > MAX_SERIES_STEPS:
            budget.failures.append((self.uid, f"its recurrence takes more than "
                                              f"{MAX_SERIES_STEPS} steps to expand"))
            return []
        budget.steps += steps
        if budget.steps > MAX_CALENDAR_STEPS:
            budget.failures.append((self.uid, "the calendar's recurrences take more than "
                                              f"{MAX_CALENDAR_STEPS} steps to expand"))
            return []
        try:
            found = list(itertools.islice(super().between(span_start, span_stop),
                                          MAX_INSTANCES + 1))
        except _ERRORS as exc:
            budget.failures.append((self.uid, f"cannot expand its recurrence ({exc})"))
            return []
        if len(found) > MAX_INSTANCES:
            budget.failures.append((self.uid, f"more than {MAX_INSTANCES} instances in the "
                                              "window"))
            return []
        budget.instances += len(found)
        return found


class _Select(SelectComponents):
    def __init__(self, events: list[Any], budget: Budget) -> None:
        self.events = events
        self.budget = budget

    def collect_series_from(self, source: Any, suppress_errors: Any) -> list[Any]:
        groups: dict[str, list[Any]] = {}
        for event in self.events:
            groups.setdefault(text_of(event, "UID") or str(id(event)), []).append(
                _Adapter(event))
        result = []
        for count, (uid, adapters) in enumerate(groups.items()):
            if not count % _CHECK_SERIES:
                self.budget.deadline.check(self.budget.source, "while reading its recurrences")
            try:
                result.append(_GuardedSeries(adapters, self.budget))
            except _ERRORS as exc:
                self.budget.failures.append((uid, f"cannot expand its recurrence ({exc})"))
        return result


def bounded_query(calendar: Any, events: list[Any], budget: Budget) -> Any:
    """A recurring-ical-events query over `events` of `calendar`, bounded by `budget`.

    Raises:
        ValueError: the library refuses the whole calendar (only for its CALSCALE).
        CalendarError: the budget's deadline passed while the series were built.
    """
    return CalendarQuery(calendar, components=[_Select(events, budget)])
