"""`presence report`: a week or a month as one self-contained HTML page (pure).

Inline CSS and SVG only: no script, no font, no request of any kind, so the file opens the
same in any browser, offline, years from now. Two charts tell the story: the days as bars of
virtual against in-person time, and chat by hour of day as a heatmap (issue 5).
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo
from html import escape

from presence.reports.render import day_month
from presence.reports.people import WEEKS, PeopleSection
from presence.reports.summary import DaySummary, PeriodSummary
from presence.sanitise import visible
from presence.timeparse import format_minutes

VIRTUAL = "#e8590c"
IN_PERSON = "#2b8a3e"

_CSS = """
:root { --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --paper: #ffffff;
        --empty: #f1efe9; --virtual: $VIRTUAL; --in-person: $IN_PERSON; }
@media (prefers-color-scheme: dark) {
  :root { --ink: #e6edf3; --muted: #8d96a0; --line: #30363d; --paper: #0d1117;
          --empty: #1c2128; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--paper); color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 820px; margin: 0 auto; padding: 32px 20px 48px; }
h1 { font-size: 26px; margin: 0; }
h2 { font-size: 17px; margin: 36px 0 8px; }
.period { color: var(--muted); margin: 4px 0 24px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 13px; display: block; }
.card .value { font-size: 22px; font-weight: 600; display: block; }
.card .sub { color: var(--muted); font-size: 12.5px; }
.card.virtual .value { color: var(--virtual); }
.card.in-person .value { color: var(--in-person); }
svg { display: block; max-width: 100%; height: auto; }
svg text { fill: var(--muted); font: 11px system-ui, sans-serif; }
.grid { stroke: var(--line); stroke-width: 1; }
.bar.virtual, .swatch.virtual { fill: var(--virtual); }
.bar.in-person, .swatch.in-person { fill: var(--in-person); }
.cell.empty { fill: var(--empty); }
.cell.chat { fill: var(--virtual); }
.cell.in-person { fill: var(--in-person); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 4px 8px 4px 0; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.tables { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr));
          gap: 0 28px; }
footer { color: var(--muted); font-size: 12.5px; margin-top: 40px; }
""".replace("$VIRTUAL", VIRTUAL).replace("$IN_PERSON", IN_PERSON)


def _nice_step(top_minutes: float) -> int:
    """Gridline spacing in minutes: a whole number of hours, or 15/30 min on quiet days."""
    for step in (15, 30, 60, 120, 180, 240, 360):
        if top_minutes / step <= 6:
            return step
    return 720


def _label(minutes: float) -> str:
    return f"{minutes / 60:g} h" if minutes >= 60 else f"{minutes:g} min"


def days_chart(days: tuple[DaySummary, ...]) -> str:
    """Bars of virtual and in-person minutes for each day, with hour gridlines."""
    n = max(len(days), 1)
    left, right, top, bottom = 52, 12, 30, 40
    width = 780
    plot_w, plot_h = width - left - right, 220
    height = top + plot_h + bottom
    peak = max([d.virtual_minutes for d in days] + [d.in_person_minutes for d in days] + [1])
    step = _nice_step(peak)
    scale_top = math.ceil(peak / step) * step

    def y(minutes: float) -> float:
        return top + plot_h - plot_h * minutes / scale_top

    parts = [(f'<svg id="days-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
              f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
              f'aria-labelledby="days-title"><title id="days-title">Virtual and in-person '
              f'time per day</title>')]
    for minutes in range(0, int(scale_top) + 1, step):
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" '
                     f'y1="{y(minutes):.1f}" y2="{y(minutes):.1f}"/>'
                     f'<text x="{left - 6}" y="{y(minutes) + 4:.1f}" '
                     f'text-anchor="end">{_label(minutes)}</text>')
    group = plot_w / n
    bar_w = max(group * 0.34, 2.0)
    for i, d in enumerate(days):
        x0 = left + i * group + group * 0.14
        for j, (cls, value, what) in enumerate((("virtual", d.virtual_minutes, "virtual"),
                                                ("in-person", d.in_person_minutes,
                                                 "in person"))):
            h = plot_h * value / scale_top
            parts.append(f'<rect class="bar {cls}" x="{x0 + j * (bar_w + 1):.1f}" '
                         f'y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'rx="2"><title>{d.day:%a %d %b}: {format_minutes(value)} {what}'
                         f'</title></rect>')
        cx = left + (i + 0.5) * group
        if n <= 10:
            text = f'{d.day:%a}</text><text x="{cx:.1f}" y="{top + plot_h + 32}" ' \
                   f'text-anchor="middle">{day_month(d.day)}'
        else:
            text = str(d.day.day) if i % (1 if n <= 16 else 2) == 0 else ""
        parts.append(f'<text x="{cx:.1f}" y="{top + plot_h + 17}" text-anchor="middle">'
                     f'{text}</text>')
    key = width - right - 160  # the legend sits above the plot, right-aligned
    parts.append(f'<rect class="swatch virtual" x="{key}" y="4" width="10" height="10"/>'
                 f'<text x="{key + 14}" y="13">virtual</text>'
                 f'<rect class="swatch in-person" x="{key + 80}" y="4" width="10" height="10"/>'
                 f'<text x="{key + 94}" y="13">in person</text></svg>')
    return "".join(parts)


def heatmap(days: tuple[DaySummary, ...]) -> str:
    """Minutes of chat in each clock hour of each day: darker is more."""
    left, top, cell_w = 80, 22, 28
    cell_h = 22 if len(days) <= 10 else 15
    width = left + 24 * cell_w + 4
    height = top + len(days) * cell_h + 34
    parts = [(f'<svg id="hour-heatmap" xmlns="http://www.w3.org/2000/svg" width="{width}" '
              f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
              f'aria-labelledby="heat-title"><title id="heat-title">Minutes of chat by hour '
              f'of day</title>')]
    for hour in range(0, 24, 3):
        parts.append(f'<text x="{left + hour * cell_w + 2}" y="{top - 7}">{hour:02d}:00</text>')
    for row, d in enumerate(days):
        y0 = top + row * cell_h
        parts.append(f'<text x="{left - 8}" y="{y0 + cell_h * 0.7:.1f}" '
                     f'text-anchor="end">{d.day:%a %d %b}</text>')
        for hour, minutes in enumerate(d.virtual_by_hour):
            tip = f"{d.day:%a %d %b} {hour:02d}:00 – {format_minutes(minutes)} of chat"
            if minutes < 0.5:
                cls, opacity = "cell empty", ""
            else:
                cls = "cell chat"
                opacity = f' fill-opacity="{0.15 + 0.85 * min(minutes / 60, 1):.2f}"'
            parts.append(f'<rect class="{cls}" x="{left + hour * cell_w}" y="{y0}" '
                         f'width="{cell_w - 2}" height="{cell_h - 2}" rx="2"{opacity}>'
                         f'<title>{tip}</title></rect>')
    legend_y = top + len(days) * cell_h + 12
    parts.append(f'<text x="{left}" y="{legend_y + 10}">less</text>')
    for i, share in enumerate((0.0, 0.25, 0.5, 0.75, 1.0)):
        cls = "cell empty" if share == 0 else "cell chat"
        opacity = "" if share == 0 else f' fill-opacity="{0.15 + 0.85 * share:.2f}"'
        parts.append(f'<rect class="{cls}" x="{left + 32 + i * 16}" y="{legend_y}" width="14" '
                     f'height="12" rx="2"{opacity}/>')
    parts.append(f'<text x="{left + 32 + 5 * 16 + 4}" y="{legend_y + 10}">an hour of chat'
                 f'</text></svg>')
    return "".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _card(cls: str, label: str, value: str, sub: str = "") -> str:
    return (f'<div class="card {cls}"><span class="label">{escape(label)}</span>'
            f'<span class="value">{escape(value)}</span>'
            f'<span class="sub">{escape(sub)}</span></div>')


def _versus(now: float, before: float | None, days: int | None) -> str:
    if before is None or days is None:
        return ""
    delta = now - before
    if abs(delta) < 0.5:
        return f" · as in the {days} days before"
    return (f" · {'+' if delta > 0 else '−'}{format_minutes(abs(delta))} a day vs the "
            f"{days} days before")


def _together_rows(days: tuple[DaySummary, ...], tz: tzinfo) -> str:
    """In-person meetings and logged time, each with the part that has happened: the rows
    add up to the card (less any overlap, which the total counts once)."""
    rows = [(m.start, m.summary or "(no title)", m.past_minutes, m.phubbing_minutes or 0.0)
            for d in days for m in d.meetings if m.kind == "in_person" and m.past_minutes > 0]
    rows += [(e.start, "logged" + (f": {e.note}" if e.note else ""), e.minutes, None)
             for d in days for e in d.logged if e.minutes > 0]
    return "".join(
        f"<tr><td>{datetime.fromtimestamp(start, tz):%a %d %b %H:%M}</td>"
        f"<td>{escape(visible(label))}</td>"
        f'<td class="num">{format_minutes(minutes)}</td>'
        f'<td class="num">{"" if chat is None else format_minutes(chat)}</td></tr>'
        for start, label, minutes, chat in sorted(rows, key=lambda r: r[0]))


def people_section(section: PeopleSection | None, tz: tzinfo) -> str:
    """Who you saw, who is drifting, and a dot per week over 12 weeks for each person."""
    if section is None or not section.rows:
        return ""
    size, gap, left = 14, 6, 170
    width = left + WEEKS * (size + gap)
    rows = []
    for i, row in enumerate(section.rows):
        y = 22 + i * (size + gap)
        label = escape(visible(row.name, 24)) + (f" · {row.status}"
                                                 if row.status in ("due", "drifting") else "")
        rows.append(f'<text x="0" y="{y + size - 3}">{label}</text>')
        for w, minutes in enumerate(row.weeks):
            cls = "cell in-person" if minutes > 0 else "cell empty"
            tip = f"week of {section.week_starts[w]:%d %b}: {format_minutes(minutes)}"
            rows.append(f'<circle class="{cls}" cx="{left + w * (size + gap) + size / 2}" '
                        f'cy="{y + size / 2}" r="{size / 2}"><title>{escape(tip)}</title>'
                        "</circle>")
    height = 22 + len(section.rows) * (size + gap)
    weeks = (f'<text x="{left}" y="12">{section.week_starts[0]:%d %b}</text>'
             f'<text x="{width - size}" y="12" text-anchor="end">this week</text>')
    seen = ", ".join(f"{escape(visible(p.name, 40))} ({format_minutes(p.minutes)})"
                     for p in section.seen) or "nobody in person"
    overdue = ", ".join(f"{escape(visible(r.name, 40))} ({r.status})"
                        for r in section.overdue) or "nobody"
    return (f"<section><h2>People</h2><p>Seen: {seen}.</p><p>Due or drifting: {overdue}.</p>"
            f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="12 weeks of time in person, one dot a week">{weeks}'
            f'{"".join(rows)}</svg></section>')


def render(period: PeriodSummary, tz: tzinfo, title: str = "Online and in person") -> str:
    """The report as one HTML document."""
    days = period.days
    n = max(len(days), 1)
    first, last = (days[0].day, days[-1].day) if days else (None, None)
    when = f"{day_month(first)} – {day_month(last, '%b %Y')}" if first and last else "no days"
    zone = days[0].zone if days else ""
    trend = period.trend
    virtual_day, together_day = period.virtual_minutes / n, period.in_person_minutes / n
    cards = [
        _card("virtual", "virtual", format_minutes(period.virtual_minutes),
              f"{format_minutes(virtual_day)} a day"
              + _versus(virtual_day, trend and trend.virtual_minutes, trend and trend.days)),
        _card("in-person", "in person", format_minutes(period.in_person_minutes),
              f"{format_minutes(together_day)} a day"
              + _versus(together_day, trend and trend.in_person_minutes,
                        trend and trend.days)),
        _card("", "chat during in-person meetings", format_minutes(period.phubbing_minutes),
              f"{_count(period.meetings, 'meeting')}, {_count(period.nudges, 'nudge')}"),
        _card("", "streak", _count(days[-1].streak_days if days else 0, "day"),
              "in a row with time in person"),
    ]
    apps = "".join(f"<tr><td>{escape(a.app or '')}</td>"
                   f"<td>{escape(a.category)}</td>"
                   f'<td class="num">{format_minutes(a.minutes)}</td></tr>'
                   for a in period.apps[:10])
    categories = "".join(f'<tr><td>{escape(c)}</td><td class="num">{format_minutes(m)}</td>'
                         f"</tr>" for c, m in period.categories.items())
    together = _together_rows(days, tz)
    total = (f'<tr><th colspan="2">total (overlaps once)</th>'
             f'<th class="num">{format_minutes(period.in_person_minutes)}</th><th></th></tr>')
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>presence · {escape(when)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="period">{escape(when)} · {escape(zone)}</p>
<section class="cards">{"".join(cards)}</section>
<h2>Day by day</h2>
{days_chart(days)}
<h2>Chat by hour of day</h2>
{heatmap(days)}
<div class="tables">
<section><h2>Top apps</h2><table><tr><th>app</th><th>category</th><th class="num">time</th>
</tr>{apps or '<tr><td colspan="3">nothing recorded</td></tr>'}</table></section>
<section><h2>By category</h2><table><tr><th>category</th><th class="num">time</th></tr>
{categories or '<tr><td colspan="2">nothing recorded</td></tr>'}</table></section>
</div>
<section><h2>Time in person</h2><table><tr><th>when</th><th>meeting or logged time</th>
<th class="num">time</th><th class="num">chat during it</th></tr>
{together or '<tr><td colspan="4">no time in person yet</td></tr>'}{total}</table>
</section>
{people_section(period.section, tz)}
<footer>Made by presence from the data on this machine; this page loads nothing from
anywhere.</footer>
</main>
</body>
</html>
"""
