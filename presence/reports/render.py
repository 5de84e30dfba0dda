"""The presence summary as JSON (DESIGN §2) and as text for an 80-column terminal (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo

from presence.model import Nudge, NudgeRecord
from presence.sanitise import visible
from presence.reports.by_device import DeviceMinutes
from presence.reports.summary import AppMinutes, DaySummary, PeriodSummary, PersonMinutes, Trend
from presence.timeline import iso_utc
from presence.timeparse import format_minutes

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:  # a day's summary has no People section: its module loads with a period's
    from typing import Any
    from presence.reports.people import PeopleSection

WIDTH = 80
_EIGHTHS = " ▏▎▍▌▋▊▉█"


def day_month(day: date, fmt: str = "%b") -> str:
    """`2 Mar` (or `2 March 2026` with `fmt="%B %Y"`): the day of the month unpadded.

    Written out: strftime's flag for an unpadded day is glibc's alone (Windows rejects it).
    """
    return f"{day.day} {day.strftime(fmt)}"


def nudge_json(nudge: Nudge, **extra: Any) -> dict[str, Any]:
    """A nudge in every JSON document that lists nudges: `{"at" (UTC Z), "kind", "title",
    "message"}` plus what the document adds (`delivered`, `followed` ...)."""
    return {"at": iso_utc(nudge.at), "kind": nudge.kind, "title": nudge.title,
            "message": nudge.message, **extra}


def nudge_line(records: Iterable[NudgeRecord]) -> str:
    """`3 nudges, 2 followed` (the followed part once any nudge could be followed)."""
    records = list(records)
    count = f"{len(records)} nudge{'' if len(records) == 1 else 's'}"
    judged = [r for r in records if r.followed is not None]
    if not judged:
        return count
    return f"{count}, {sum(1 for r in judged if r.followed)} followed"



def _minutes(value: float) -> float:
    return round(value, 1)


def _trend_json(trend: Trend | None, virtual: float, in_person: float) -> dict[str, Any] | None:
    if trend is None:
        return None
    return {"days": trend.days,
            "virtual_minutes_per_day": _minutes(trend.virtual_minutes),
            "in_person_minutes_per_day": _minutes(trend.in_person_minutes),
            "virtual_change_minutes": _minutes(virtual - trend.virtual_minutes),
            "in_person_change_minutes": _minutes(in_person - trend.in_person_minutes)}


def _apps_json(apps: Iterable[AppMinutes]) -> list[dict[str, Any]]:
    return [{"app": a.app, "category": a.category, "minutes": _minutes(a.minutes)}
            for a in apps]


def day_json(s: DaySummary) -> dict[str, Any]:
    """The `summary --json` document of one day (DESIGN §2; keys are stable)."""
    return {
        "date": s.day.isoformat(), "timezone": s.zone,
        "virtual_minutes": _minutes(s.virtual_minutes),
        "in_person_minutes": _minutes(s.in_person_minutes),
        "categories": {c: _minutes(m) for c, m in s.categories.items()},
        "apps": _apps_json(s.apps),
        "meetings": [{"summary": m.summary, "start": iso_utc(m.start), "end": iso_utc(m.end),
                      "kind": m.kind, "reason": m.reason, "source": m.source,
                      "minutes": _minutes(m.minutes),
                      "phubbing_minutes": None if m.phubbing_minutes is None
                      else _minutes(m.phubbing_minutes)} for m in s.meetings],
        "phubbing_minutes": _minutes(s.phubbing_minutes),
        "nudges": [nudge_json(r.nudge, delivered=r.delivered, response=r.response,
                              followed=r.followed) for r in s.nudges],
        "hours": s.hours, "complete": s.complete,
        "virtual_by_hour": [_minutes(m) for m in s.virtual_by_hour],
        "trend": _trend_json(s.trend, s.virtual_minutes, s.in_person_minutes),
        "streak_days": s.streak_days,
        "people": _people_json(s.people),
        "devices": [{"name": d.name, "minutes": _minutes(d.minutes),
                     "virtual_minutes": _minutes(d.virtual_minutes)} for d in s.devices],
    }


def _people_json(people: Iterable[PersonMinutes]) -> list[dict[str, Any]]:
    return [{"name": p.name, "minutes": _minutes(p.minutes)} for p in people]


def _section_json(section: PeopleSection | None) -> dict[str, Any] | None:
    if section is None:
        return None
    return {"overdue": [{"name": r.name, "status": r.status, "days_since": r.days_since}
                        for r in section.overdue],
            "weeks": [d.isoformat() for d in section.week_starts],
            "timeline": [{"name": r.name, "minutes": [_minutes(m) for m in r.weeks]}
                         for r in section.rows]}


def period_json(p: PeriodSummary) -> dict[str, Any]:
    """The `summary --week --json` document: `{"days": [...], "totals": {...}}`."""
    n = len(p.days) or 1
    return {
        "days": [day_json(d) for d in p.days],
        "totals": {
            "from": p.days[0].day.isoformat() if p.days else None,
            "to": p.days[-1].day.isoformat() if p.days else None,
            "days": len(p.days),
            "virtual_minutes": _minutes(p.virtual_minutes),
            "in_person_minutes": _minutes(p.in_person_minutes),
            "categories": {c: _minutes(m) for c, m in p.categories.items()},
            "apps": _apps_json(p.apps),
            "phubbing_minutes": _minutes(p.phubbing_minutes),
            "meetings": p.meetings, "nudges": p.nudges,
            "virtual_by_hour": [_minutes(m) for m in p.virtual_by_hour],
            "trend": _trend_json(p.trend, p.virtual_minutes / n, p.in_person_minutes / n),
            "streak_days": p.days[-1].streak_days if p.days else 0,
            "people": _people_json(p.people),
            "people_section": _section_json(p.section),
        },
    }


def bar(value: float, scale: float, width: int, ascii: bool = False) -> str:
    """A horizontal bar of `value` out of `scale` in `width` columns (eighths of a block)."""
    cells = 0.0 if scale <= 0 else max(0.0, min(value / scale, 1.0)) * width
    if ascii:
        return ("#" * round(cells)).ljust(width)
    full, rest = int(cells), round((cells - int(cells)) * 8)
    if rest == 8:
        full, rest = full + 1, 0
    text = "█" * full + (_EIGHTHS[rest] if rest else "")
    if not text and value > 0:
        text = _EIGHTHS[1]  # something, however small, is not nothing
    return text.ljust(width)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _versus(trend_value: float, value: float, days: int) -> str:
    basis = "the day before" if days == 1 else f"{days}-day average"
    delta = value - trend_value
    if abs(delta) < 0.5:
        return f"same as {basis}"
    sign = "+" if delta > 0 else "−"
    return f"{sign}{format_minutes(abs(delta))} vs {basis}"


def _balance(virtual: float, in_person: float, trend: Trend | None, ascii: bool) -> list[str]:
    scale = max(virtual, in_person)
    lines = []
    for label, value, before in (("virtual", virtual, trend and trend.virtual_minutes),
                                 ("in person", in_person, trend and trend.in_person_minutes)):
        line = f"  {label:<10} {bar(value, scale, 22, ascii)} {format_minutes(value):>11}"
        if trend is not None:
            line += "   " + _versus(before or 0.0, value, trend.days)
        lines.append(_fit(line, WIDTH))
    return lines


def _apps_text(apps: Iterable[AppMinutes], ascii: bool, limit: int = 5) -> list[str]:
    # what rounds to 0 min gets no line, so no bar is drawn full for nothing
    top = [a for a in apps if a.minutes >= 0.5][:limit]
    if not top:
        return []
    scale = top[0].minutes
    lines = ["", "  top apps"]
    for a in top:
        # wide enough for a web app in a browser ("instagram in firefox"), within 80 columns
        name = visible(a.app or "", 22)
        lines.append(f"    {name:<22} {a.category:<10} {bar(a.minutes, scale, 20, ascii)}"
                     f" {format_minutes(a.minutes):>11}")
    return lines


def _categories_text(categories: dict[str, float]) -> list[str]:
    if not categories:
        return []
    parts = [f"{c} {format_minutes(m)}" for c, m in categories.items()]
    lines, line = [], "  by category:"
    for part in parts:
        if len(line) + len(part) + 3 > WIDTH:
            lines.append(line)
            line = "   "
        line += (" · " if not line.endswith(":") and line.strip() else " ") + part
    return lines + [line]


def _devices_text(devices: Iterable[DeviceMinutes]) -> list[str]:
    """`  by device: laptop 3 h (chat 40 min) · Pixel 8 1 h 5 min (chat 55 min)`, when more
    than one device has time that day."""
    devices = list(devices)
    if len(devices) < 2:
        return []
    return _wrapped([f"{visible(d.name, 24)} {format_minutes(d.minutes)}"
                     + (f" (chat {format_minutes(d.virtual_minutes)})"
                        if d.virtual_minutes >= 0.5 else "") for d in devices], "  by device:")


def _who_text(people: Iterable[PersonMinutes], label: str) -> list[str]:
    """`  with Sam 1 h 30 min · Priya 45 min`, wrapped at the terminal's width."""
    return _wrapped([f"{visible(p.name, 30)} {format_minutes(p.minutes)}" for p in people],
                    label)


def _wrapped(parts: list[str], label: str) -> list[str]:
    """`label part · part · ...`, wrapped at the terminal's width under the first part."""
    if not parts:
        return []
    lines, line = [], label + " " + parts[0]
    for part in parts[1:]:
        if len(line) + len(part) + 3 > WIDTH:
            lines.append(line)
            line = " " * len(label) + " " + part
        else:
            line += " · " + part
    return lines + [line]


def _section_text(p: PeriodSummary, ascii: bool) -> list[str]:
    section = p.section
    if section is None or not (section.rows or p.people):
        return []
    lines = ["", "  people"] + _who_text(p.people, "    saw")
    if section.overdue:
        lines.append(_fit("    drifting or due: " + ", ".join(
            f"{visible(r.name, 30)} ({r.status})" for r in section.overdue[:5]), WIDTH))
    if section.rows:
        from presence.reports.people import dots

        lines.append(f"    {'':<20} last 12 weeks (oldest first)")
        for row in section.rows:
            lines.append(f"    {visible(row.name, 20):<20} {dots(row, ascii)}")
    return lines


def _streak_text(days: int) -> str:
    if days == 0:
        return "  streak: no day with time in person yet — who could you meet tomorrow?"
    return f"  streak: {days} day{'s' if days != 1 else ''} in a row with time in person"


def render_day(s: DaySummary, tz: tzinfo, ascii: bool = False) -> str:
    """The day as text: balance bars with the trend, top apps, meetings, nudges, streak."""
    head = f"{s.day:%A} {day_month(s.day, '%B %Y')} · {s.zone}"
    if s.hours != 24:
        head += f" · a {s.hours}-hour day"
    if not s.complete:
        head += " · so far"
    lines = [head, ""]
    lines += _balance(s.virtual_minutes, s.in_person_minutes, s.trend, ascii)
    if s.phubbing_minutes >= 0.5:
        lines.append(f"  chat during in-person meetings: {format_minutes(s.phubbing_minutes)}")
    lines += _who_text(s.people, "  with")
    lines += _categories_text(s.categories)
    lines += _devices_text(s.devices)
    lines += _apps_text(s.apps, ascii)
    if s.meetings:
        lines += ["", "  meetings"]
        for m in s.meetings:
            when = (f"{datetime.fromtimestamp(m.start, tz):%H:%M}–"
                    f"{datetime.fromtimestamp(m.end, tz):%H:%M}")
            kind = "in person" if m.kind == "in_person" else m.kind
            tail = f"{format_minutes(m.minutes):>9}"
            if m.phubbing_minutes:
                tail += f"  chat {format_minutes(m.phubbing_minutes)}"
            title = visible(m.summary or "(no title)", 24)
            lines.append(_fit(f"    {when}  {kind:<9}  {title:<24} {tail}", WIDTH))
    if s.nudges:
        lines += ["", f"  {nudge_line(s.nudges)}"]
        for r in s.nudges:
            n = r.nudge
            at = datetime.fromtimestamp(n.at, tz).strftime("%H:%M")
            note = "" if r.delivered else " (not shown)"
            note += " (followed)" if r.followed else ""
            lines.append("    " + _fit(f"{at}  {n.kind:<13} {visible(n.title)}{note}", WIDTH - 4))
    if not s.categories and not s.meetings and s.in_person_minutes == 0:
        lines += ["", "  nothing recorded this day"]
    lines += ["", _streak_text(s.streak_days)]
    return "\n".join(lines)


def render_period(p: PeriodSummary, tz: tzinfo, ascii: bool = False) -> str:
    """Consecutive days as text: a bar pair per day, then the totals and the trend."""
    if not p.days:
        return "no days"
    first, last = p.days[0].day, p.days[-1].day
    lines = [f"{day_month(first)} – {day_month(last, '%b %Y')} · {p.days[0].zone}", "",
             f"  {'':<11} {'virtual':<28} in person"]
    scale = max(max(d.virtual_minutes for d in p.days),
                max(d.in_person_minutes for d in p.days))
    for d in p.days:
        lines.append(f"  {d.day:%a %d %b} {bar(d.virtual_minutes, scale, 16, ascii)}"
                     f" {format_minutes(d.virtual_minutes):>11}   "
                     f"{bar(d.in_person_minutes, scale, 16, ascii)}"
                     f" {format_minutes(d.in_person_minutes):>11}")
    n = len(p.days)
    lines += ["", (f"  total: virtual {format_minutes(p.virtual_minutes)}, in person "
                   f"{format_minutes(p.in_person_minutes)}"),
              (f"  per day: virtual {format_minutes(p.virtual_minutes / n)}, in person "
               f"{format_minutes(p.in_person_minutes / n)}")]
    if p.trend is not None:
        lines.append(f"  the {p.trend.days} days before: per day "
                     f"{format_minutes(p.trend.virtual_minutes)} virtual and "
                     f"{format_minutes(p.trend.in_person_minutes)} in person")
    if p.phubbing_minutes >= 0.5:
        lines.append(f"  chat during in-person meetings: {format_minutes(p.phubbing_minutes)}")
    lines.append(f"  meetings: {p.meetings}   nudges: {p.nudges}")
    lines += _section_text(p, ascii)
    lines += _categories_text(p.categories)
    lines += _apps_text(p.apps, ascii)
    lines += ["", _streak_text(p.days[-1].streak_days)]
    return "\n".join(lines)
