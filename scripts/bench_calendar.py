"""Benchmark: a 2,000-event calendar over a year, parsed, expanded and classified, and a second
sync of the unchanged source (DESIGN §6: at most 2.5 s, and no re-parse when unchanged).

Usage: python scripts/bench_calendar.py [--events 2000] [--series 200] [--runs 3] [--json OUT]

The second sync is what the daemon does every `refresh_minutes`: read the source, compare its
digest with the last one, and keep the parsed calendar when they match. It is measured for a
file and for an http URL answered with 304 Not Modified by a server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

UTC = timezone.utc
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
TARGET_FIRST = 2.5
TARGET_SECOND = 0.050

BERLIN_ZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

LOCATIONS = ["", "Room 4.1", "Microsoft Teams Meeting", "https://us02web.zoom.us/j/81234567890",
             "Markthalle Neun\\, Eisenbahnstraße 42\\, 10997 Berlin", "Café Central",
             "Room 2; Microsoft Teams Meeting", "+49 30 1234567"]
TITLES = ["Team sync", "1:1", "Design review", "Lunch", "Coffee chat", "Planning", "Focus",
          "Dinner", "Customer call", "Retro", "Gym", "Interview"]


def fold(line: str) -> list[str]:
    """Fold at 75 octets as exporters do (never inside a character here)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def generate(events: int, series: int, seed: int = 7) -> bytes:
    """A realistic calendar: zones, attendees, descriptions, series with EXDATE and moves."""
    rng = random.Random(seed)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//presence//bench//EN",
             "X-WR-CALNAME:me@example.com", "X-WR-TIMEZONE:Europe/Berlin",
             *BERLIN_ZONE.splitlines()]
    start_of_year = datetime(2026, 1, 1, 8)
    for i in range(events):
        day = start_of_year + timedelta(days=rng.randrange(360), hours=rng.randrange(11),
                                        minutes=rng.choice((0, 15, 30, 45)))
        length = timedelta(minutes=rng.choice((15, 30, 45, 60, 90, 120)))
        zone = rng.random()
        if zone < 0.7:
            dtstart = f"DTSTART;TZID=Europe/Berlin:{day:%Y%m%dT%H%M%S}"
            dtend = f"DTEND;TZID=Europe/Berlin:{day + length:%Y%m%dT%H%M%S}"
        elif zone < 0.95:
            utc = day - timedelta(hours=1)
            dtstart = f"DTSTART:{utc:%Y%m%dT%H%M%SZ}"
            dtend = f"DTEND:{utc + length:%Y%m%dT%H%M%SZ}"
        else:
            dtstart = f"DTSTART:{day:%Y%m%dT%H%M%S}"
            dtend = f"DTEND:{day + length:%Y%m%dT%H%M%S}"
        uid = f"{i:05d}-{rng.getrandbits(64):016x}@bench.example"
        body = [f"UID:{uid}", "DTSTAMP:20260101T000000Z", dtstart, dtend,
                f"SUMMARY:{rng.choice(TITLES)} #{i}", "SEQUENCE:0", "STATUS:CONFIRMED",
                "ORGANIZER;CN=Organizer:mailto:boss@example.com",
                "ATTENDEE;CN=Me;PARTSTAT=ACCEPTED:mailto:me@example.com"]
        for n in range(rng.randrange(4)):
            body.append(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;"
                        f"CN=Colleague {n}:mailto:colleague{n}@example.com")
        location = rng.choice(LOCATIONS)
        if location:
            body.append(f"LOCATION:{location}")
        body.append("DESCRIPTION:" + "Agenda: status\\, risks\\, next steps. " * rng.randrange(1, 6))
        if rng.random() < 0.1:
            body.append("X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij")
        is_series = i >= events - series
        if is_series:
            rule = rng.choice(("FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=DAILY;COUNT=60",
                               "FREQ=MONTHLY", "FREQ=WEEKLY;BYDAY=MO,WE,FR"))
            body.append(f"RRULE:{rule}")
            exdate = day + timedelta(weeks=rng.randrange(1, 8))
            body.append(f"EXDATE;TZID=Europe/Berlin:{exdate:%Y%m%dT%H%M%S}" if "TZID" in dtstart
                        else f"EXDATE:{exdate:%Y%m%dT%H%M%S}" + ("Z" if dtstart.endswith("Z")
                                                                  else ""))
        lines.append("BEGIN:VEVENT")
        for line in body:
            lines.extend(fold(line))
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class _ETagHandler(BaseHTTPRequestHandler):
    body = b""
    etag = '"bench-1"'

    def do_GET(self) -> None:
        if self.headers.get("If-None-Match") == self.etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("ETag", self.etag)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    started = time.perf_counter()
    import icalendar  # noqa: F401 - measured: every sync process pays this once
    import recurring_ical_events  # noqa: F401

    from presence.calendar.expand import CalendarSettings, parse_calendar
    from presence.calendar.sources import read_source
    imports = time.perf_counter() - started

    data = generate(args.events, args.series)
    settings = CalendarSettings.shipped(tz=ZoneInfo("Europe/Berlin"),
                                owners=frozenset({"me@example.com"}))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.ics"
        path.write_bytes(data)
        cache = Path(folder) / "cache"

        first, parse_times, expand_times, cpu_times = [], [], [], []
        for _ in range(args.runs):
            c0 = time.process_time()
            t0 = time.perf_counter()
            read = read_source(str(path), cache)
            t1 = time.perf_counter()
            parsed = parse_calendar(read.documents[0].data, read.documents[0].name, settings)
            t2 = time.perf_counter()
            result = parsed.instances(*YEAR)
            t3 = time.perf_counter()
            cpu_times.append(time.process_time() - c0)
            first.append(t3 - t0)
            parse_times.append(t2 - t1)
            expand_times.append(t3 - t2)
        known_digest = read.digest

        def second_sync(source: str) -> float:
            t0 = time.perf_counter()
            again = read_source(source, cache)
            if again.digest != known_digest:
                raise SystemExit("the unchanged source changed its digest")
            return time.perf_counter() - t0

        file_second = [second_sync(str(path)) for _ in range(20)]

        _ETagHandler.body = data
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ETagHandler)
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/private-bench/basic.ics"
        try:
            read_source(url, cache)
            url_second = [second_sync(url) for _ in range(20)]
        finally:
            httpd.shutdown()
            httpd.server_close()

        week = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 6, 9, tzinfo=UTC))
        window_times = []
        for _ in range(5):
            t0 = time.perf_counter()
            parsed.instances(*week)
            window_times.append(time.perf_counter() - t0)

    kinds: dict[str, int] = {}
    for meeting in result.meetings:
        kinds[meeting.kind] = kinds.get(meeting.kind, 0) + 1
    best = min(first)
    second = max(statistics.median(file_second), statistics.median(url_second))
    print(f"calendar: {args.events} events ({args.series} recurring series), "
          f"{len(data) / 1024:.0f} KiB, {len(result.meetings)} instances in 2026 "
          f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"imports (icalendar, recurring-ical-events, presence): {imports * 1000:.0f} ms, once")
    print(f"first sync (read + parse + expand + classify), best of {args.runs}: "
          f"{best * 1000:.0f} ms  [text checks and zones {min(parse_times) * 1000:.0f} ms, events "
          f"parsed, expanded and classified batch by batch {min(expand_times) * 1000:.0f} ms]  target <= {TARGET_FIRST * 1000:.0f} ms "
          f"({best / TARGET_FIRST:.2f} of target)")
    # on a shared machine the wall time carries other processes' load; CPU time less so
    print(f"first sync CPU time (this process), best of {args.runs}: "
          f"{min(cpu_times) * 1000:.0f} ms")
    print(f"second sync, unchanged (read + digest compare, no parse), median of 20: "
          f"file {statistics.median(file_second) * 1000:.1f} ms, "
          f"http 304 {statistics.median(url_second) * 1000:.1f} ms  "
          f"target <= {TARGET_SECOND * 1000:.0f} ms ({second / TARGET_SECOND:.2f} of target)")
    print(f"expanding the checked calendar again for an 8-day window (its events are parsed "
          f"again, batch by batch): "
          f"{statistics.median(window_times) * 1000:.1f} ms")
    ok = best <= TARGET_FIRST and second <= TARGET_SECOND
    print("result:", "within targets" if ok else "OVER TARGET")
    if args.json:
        figures = {
            "events": args.events, "series": args.series, "kib": round(len(data) / 1024),
            "instances": len(result.meetings), "kinds": kinds, "runs": args.runs,
            "imports_ms": round(imports * 1000), "first_sync_ms": round(best * 1000),
            "first_sync_cpu_ms": round(min(cpu_times) * 1000),
            "parse_ms": round(min(parse_times) * 1000),
            "expand_classify_ms": round(min(expand_times) * 1000),
            "second_sync_file_ms": round(statistics.median(file_second) * 1000, 1),
            "second_sync_http_304_ms": round(statistics.median(url_second) * 1000, 1),
            "window_8_days_ms": round(statistics.median(window_times) * 1000, 1),
            "target_first_ms": TARGET_FIRST * 1000, "target_second_ms": TARGET_SECOND * 1000,
            "met": ok}
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
