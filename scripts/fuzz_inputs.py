"""Throw random and adversarial inputs at presence's parsers for a fixed time (issue 14).

    .venv/bin/python scripts/fuzz_inputs.py --seconds 600 [--seed N] [--out DIR]

Inputs: .ics files (mutations of the project's fixtures and of RFC 5545-style examples, plus
hand-made hostile shapes), window titles (through the shipped and the user's rules), and
replay traces of three kinds: valid ones (which must replay), near-valid ones (a valid trace
with a few recorder or editor mistakes) and invalid ones (wrong in every field). Each input
runs in a worker process with the memory cap of the daemon's sync child; calendars are parsed
under a deadline as a sync parses them, and the parent kills a worker that takes longer than
its own, longer deadline. A finding is an exception other than presence's own one-line
errors, a hang past the deadline, a worker that dies (memory), or a valid trace refused; each
is written to DIR with its input. Prints one summary line per kind
and exits 1 when anything was found.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import time
import traceback
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "ics").glob("*.ics"))
DEADLINE = {"ics": 20.0, "title": 5.0, "trace": 20.0}
# The deadline each calendar is parsed and expanded under, as a sync would; the worker is
# killed only at DEADLINE["ics"], so a hang there is the deadline overshot by 10 s or more.
PARSE_DEADLINE = 10.0
MEMORY_MB = 1024

RFC_EXAMPLES = [
    # RFC 5545 §4-style examples, written here
    "BEGIN:VCALENDAR\r\nPRODID:-//x//EN\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:19970901T130000Z"
    "-123401@example.com\r\nDTSTAMP:19970901T130000Z\r\nDTSTART:19970903T163000Z\r\nDTEND:"
    "19970903T190000Z\r\nSUMMARY:Annual Employee Review\r\nCLASS:PRIVATE\r\nCATEGORIES:"
    "BUSINESS,HUMAN RESOURCES\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VTIMEZONE\r\nTZID:America/New_"
    "York\r\nBEGIN:STANDARD\r\nDTSTART:19671029T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"
    "\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:"
    "19870405T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:"
    "-0400\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:weekly@x\r\nDTSTART;TZID="
    "America/New_York:20260302T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL="
    "20261231T000000Z\r\nEXDATE;TZID=America/New_York:20260304T090000\r\nSUMMARY:Standup\r\n"
    "LOCATION:Room 4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VTODO\r\nUID:t@x\r\nDTSTAMP:"
    "20260301T000000Z\r\nDUE:20260310\r\nSUMMARY:Submit\r\nBEGIN:VALARM\r\nACTION:AUDIO\r\n"
    "TRIGGER:-PT1H\r\nEND:VALARM\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTART;VALUE=DATE:"
    "20260302\r\nSUMMARY:Holiday\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
]

RRULE_PARTS = ["FREQ=SECONDLY", "FREQ=MINUTELY", "FREQ=HOURLY", "FREQ=DAILY", "FREQ=WEEKLY",
               "FREQ=MONTHLY", "FREQ=YEARLY", "FREQ=NONSENSE", "INTERVAL=0", "INTERVAL=1",
               "INTERVAL=99999999999", "COUNT=0", "COUNT=100000000", "UNTIL=99991231T000000Z",
               "UNTIL=00010101T000000Z", "BYSECOND=0,1,2,3,4,5", "BYMINUTE=" + ",".join(
                   str(i) for i in range(60)), "BYHOUR=" + ",".join(str(i) for i in range(24)),
               "BYDAY=MO,TU,WE,TH,FR,SA,SU", "BYDAY=-1SU", "BYMONTHDAY=31,-1", "BYSETPOS=-1",
               "BYYEARDAY=366", "BYWEEKNO=53", "WKST=XX"]
HOSTILE_LINES = ["DTSTART:00010101T000000Z", "DTSTART:99991231T235959Z", "DTSTART:2026",
                 "DTSTART;TZID=Mars/Olympus:20260302T090000", "DTEND:19000101T000000Z",
                 "DURATION:P99999999W", "DURATION:-PT1H", "RDATE:" + ",".join(
                     f"2026{m:02d}01T000000Z" for m in range(1, 13)) * 50,
                 "EXDATE:garbage", "RECURRENCE-ID:20260302T090000Z", "SEQUENCE:-1",
                 "SUMMARY:\x1b]0;owned\x07\x1b[2J", "LOCATION:" + "A" * 100_000,
                 "ATTENDEE;CN=" + '"' * 5000 + ":mailto:x@y", "GEO:999;999", "X-A:" + "\\" * 9999,
                 "CATEGORIES:" + ",".join(["in-person"] * 5000), "STATUS:CANCELLED",
                 "UID:" + "\udcff".encode("utf-8", "surrogatepass").decode("latin-1")]
TITLE_FRAGMENTS = ["a", "é", "zoom", "call ", "meeting ", " - ", "| ", ") ", "(1) ", "@a.",
                   "r/", "#a | ", "mastodon.", "on x", ":", "\x00", "\x1b[", "\u202e", "\ud800",
                   "WhatsApp", " — Mozilla Firefox", "\t", "\n"]


def mutate_ics(rng: random.Random) -> bytes:
    """One hostile calendar: a fixture or example, changed by a few random mutations."""
    if rng.random() < 0.7 and FIXTURES:
        data = rng.choice(FIXTURES).read_bytes()
    else:
        data = rng.choice(RFC_EXAMPLES).encode("utf-8")
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(11)
        at = rng.randrange(len(lines) + 1)
        if kind == 0 and lines:  # flip bytes
            i = rng.randrange(len(lines))
            line = bytearray(lines[i])
            for _ in range(rng.randint(1, 4)):
                if line:
                    line[rng.randrange(len(line))] = rng.randrange(256)
            lines[i] = bytes(line)
        elif kind == 1 and lines:
            del lines[rng.randrange(len(lines))]
        elif kind == 2 and lines:
            lines.insert(at, rng.choice(lines))
        elif kind == 3:
            parts = rng.sample(RRULE_PARTS, rng.randint(1, 4))
            lines.insert(at, ("RRULE:" + ";".join(parts)).encode() + b"\r")
        elif kind == 4:
            lines.insert(at, rng.choice(HOSTILE_LINES).encode("utf-8", "surrogateescape")
                         + b"\r")
        elif kind == 5:  # deep nesting
            depth = rng.choice([5, 50, 5000])
            lines[at:at] = [b"BEGIN:X-N\r"] * depth + [b"END:X-N\r"] * depth
        elif kind == 6:  # odd folds
            lines.insert(at, b" " + bytes(rng.randrange(256) for _ in range(rng.randint(1, 80))))
        elif kind == 7:
            data2 = b"\n".join(lines)
            return data2[: rng.randrange(len(data2) + 1)]  # cut short
        elif kind == 8:  # another encoding
            text = b"\n".join(lines).decode("utf-8", "replace")
            return rng.choice([b"\xff\xfe", b"\xfe\xff", b""]) + text.encode(
                rng.choice(["utf-16-le", "utf-16-be", "utf-8", "cp1252"]), "replace")
        elif kind == 9:  # many events
            event = (b"BEGIN:VEVENT\r\nUID:e%d\r\nDTSTART:20260302T090000Z\r\nDURATION:PT1H\r\n"
                     b"RRULE:FREQ=DAILY\r\nSUMMARY:x\r\nEND:VEVENT\r")
            lines[at:at] = [event % i for i in range(rng.choice([10, 500, 3000]))]
        else:
            lines.insert(at, bytes(rng.randrange(256) for _ in range(rng.randint(1, 200))))
    return b"\n".join(lines)


def make_title(rng: random.Random) -> str:
    size = rng.choice([10, 200, 4096, 100_000])
    pieces = [rng.choice(TITLE_FRAGMENTS) for _ in range(rng.randint(1, 8))]
    title = "".join(rng.choice(pieces) for _ in range(size // 4 + 1))[:size]
    return title


APPS = ["slack", "firefox", "zoom", "code", "signal-desktop", "discord", "telegram-desktop",
        "chromium", "foot", "thunderbird", None]
ZONES = ["+01:00", "+02:00", "Z", "-05:00", "+14:00", "-12:00", "+05:45", ""]


def valid_trace(rng: random.Random) -> list[str]:
    """A trace replay must accept: samples in time order (gaps of seconds to a year, offsets
    from -12:00 to +14:00, no offset at all), real app names, titles from the title fuzzer,
    optional exe and idle."""
    at = datetime(rng.choice([1971, 2000, 2026, 2038, 2100, 8998]), rng.randint(1, 12),
                  rng.randint(1, 28), rng.randrange(24), rng.randrange(60), tzinfo=timezone.utc)
    zone = rng.choice(ZONES)
    lines = []
    long_gap = False
    for _ in range(rng.randint(1, 60)):
        sample: dict = {"t": _stamp(at, zone), "app": rng.choice(APPS)}
        if rng.random() < 0.7:
            sample["title"] = make_title(rng)[:rng.choice([0, 30, 300])]
        if rng.random() < 0.5:
            sample["exe"] = f"/usr/bin/{sample['app'] or 'x'}"
        if rng.random() < 0.7:
            sample["idle"] = rng.choice([0, 0, 3, 179.5, 181, 3600, 10 * 366 * 86400.0])
        lines.append(json.dumps(sample))
        gap = rng.choice([0, 1, 5, 30, 299, 3600])
        if not long_gap and rng.random() < 0.1:  # a suspended recorder: skipped in one step
            gap, long_gap = rng.choice([13 * 3600, 366 * 86400, 10 * 365 * 86400]), True
        if at.year + gap / (365 * 86400) >= 8999:
            gap = 0
        at += timedelta(seconds=gap)
        if rng.random() < 0.05:
            zone = rng.choice(ZONES)  # a trip across zones
    return lines


def _stamp(at, zone: str) -> str:
    if not zone:
        return at.replace(tzinfo=None).isoformat()
    if zone == "Z":
        return at.replace(tzinfo=None).isoformat() + "Z"
    sign = -1 if zone[0] == "-" else 1
    offset = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    return at.astimezone(offset).isoformat()


def near_valid_trace(rng: random.Random) -> list[str]:
    """A valid trace with one to three small mistakes a recorder or an editor makes: a line
    moved back in time, a value of the wrong type or out of range, a key missing or unknown,
    a line cut short or doubled, a stray blank or BOM, a time that is not a time."""
    lines = valid_trace(rng)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        kind = rng.randrange(10)
        if kind == 0 and len(lines) > 1:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            continue
        if kind == 1:
            lines[i] = lines[i][:rng.randrange(len(lines[i]) + 1)]
            continue
        if kind == 2:
            lines.insert(i, rng.choice(["", " ", "\ufeff" + lines[i], lines[i], "\t"]))
            continue
        try:
            item = json.loads(lines[i])
        except ValueError:
            continue  # already broken by an earlier mistake
        if not isinstance(item, dict):
            continue
        if kind == 3:
            item.pop(rng.choice(["t", "app", "title", "idle", "exe"]), None)
        elif kind == 4:
            item[rng.choice(["window", "T", "pid", ""])] = 1
        elif kind == 5:
            item["idle"] = rng.choice([-1, 1e400, "5", True, [], 10 ** 30, 1e-320])
        elif kind == 6:
            item[rng.choice(["app", "title", "exe"])] = rng.choice([3, True, {}, [], 1.5])
        elif kind == 7:
            item["t"] = rng.choice(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                    "1969-12-31T23:59:59Z", "2026-02-30T00:00", "2026-03-02",
                                    "2026-03-02T09:00:00+24:00", "yesterday", "", 1700000000,
                                    None, "2026-03-02T09:00:00.123456789+01:00",
                                    "2026-W10-1T09:00", "+002026-03-02T09:00:00Z"])
        elif kind == 8:
            item["t"] = str(item.get("t", "")).replace("T", rng.choice([" ", "t", "_"]), 1)
        else:
            lines[i] = rng.choice(["[" + lines[i] + "]", lines[i] + lines[i],
                                   lines[i].replace("}", ', "idle": NaN}'), "null"])
            continue
        lines[i] = json.dumps(item)
    return lines


def invalid_trace(rng: random.Random) -> list[str]:
    """Lines mostly wrong in every field: NaN, huge numbers, junk times and values."""
    values = [0, 1, -1, 1e400, "NaN", "Infinity", "-Infinity", 1e308, 10 ** 30, True, None,
              "\"x\"", "[]", "{}"]
    times = ["2026-03-02T09:00:00+01:00", "2026-03-02T09:00:05Z", "0001-01-01T00:00:00+14:00",
             "9999-12-31T23:59:59-12:00", "2036-03-02T09:00:00Z", "yesterday", "2026-02-30T00:00",
             "2026-03-02T09:00:00+99:00", "", "1" * 5000]
    lines = []
    for _ in range(rng.randint(1, 40)):
        if rng.random() < 0.1:
            lines.append(rng.choice(["", "{", "[1,2]", "null", "{\"t\": 1}", "\x00\xff"]))
            continue
        t = times[0] if rng.random() < 0.5 else rng.choice(times)
        idle = rng.choice(values)
        app = rng.choice(["\"slack\"", "null", "3", "\"\\u001b[2J\"", "\"" + "a" * 1000 + "\""])
        title = json.dumps(make_title(rng)[:50])
        lines.append(f'{{"t": {json.dumps(t)}, "app": {app}, "idle": {idle}, "title": {title}}}')
    return lines



TRACES = {"valid": valid_trace, "near-valid": near_valid_trace, "invalid": invalid_trace}


def make_trace(rng: random.Random) -> tuple[str, str]:
    """(which kind, the trace): half valid, a third near-valid, the rest invalid."""
    kind = rng.choices(list(TRACES), [3, 2, 1])[0]
    ending = rng.choice(["\n", "\r\n"])
    return kind, ending.join(TRACES[kind](rng)) + rng.choice([ending, ""])


def split_differs(payload: bytes, most: int = 20_000) -> str | None:
    """The first content line of `payload` that `QuickLine` splits otherwise than icalendar
    does (name, parameters, value, or the error), or None: the quick split must never
    change what is parsed."""
    from icalendar.parser import Contentline

    from presence.calendar.quick_lines import QuickLine
    from presence.calendar.text import logical_lines

    def split(line: str, kind: type) -> object:
        try:
            name, params, value = kind(line).raw_parts()
        except ValueError as exc:
            return ("refused", str(exc))
        return (name, dict(params), value)

    for count, (_, line) in enumerate(logical_lines(payload)):
        if count >= most:
            break
        if split(line, QuickLine) != split(line, Contentline):
            return line
    return None


def worker(conn) -> None:
    """Run inputs sent by the parent; answer ("ok" | "error" | "bug", detail, peak MB)."""
    from presence.calendar.sync import limit_memory

    limit_memory(MEMORY_MB)
    from presence import clock
    from presence import config as config_mod
    from presence.calendar.expand import CalendarSettings, parse_calendar
    from presence.calendar.limits import Deadline
    from presence.classify import classify
    from presence.errors import CalendarDeadline, PresenceError
    from presence.model import Sample
    from presence.replay import iter_trace, replay

    settings = CalendarSettings.shipped(timezone.utc)
    cfg = config_mod.defaults()
    window = (datetime(2026, 2, 20, tzinfo=timezone.utc), datetime(2026, 4, 30,
                                                                   tzinfo=timezone.utc))
    while True:
        kind, payload, folder = conn.recv()
        try:
            if kind == "ics":
                deadline = Deadline.after(PARSE_DEADLINE, clock.steady)
                try:
                    parse_calendar(payload, "fuzz.ics", settings, deadline).instances(
                        *window, deadline)
                finally:
                    differs = split_differs(payload)
                    if differs is not None:
                        raise AssertionError(f"the quick split differs on {differs!r}")
            elif kind == "title":
                for app in ("firefox", "slack", "editor"):
                    classify(cfg, Sample(0.0, app, payload, "/usr/bin/" + app[:10], None, 0))
            else:
                samples = iter_trace(payload.splitlines(True), "fuzz.jsonl", timezone.utc)
                replay(samples, cfg, [], Path(folder))
            answer = ("ok", "")
        except CalendarDeadline as exc:
            answer = ("deadline", str(exc))
        except PresenceError as exc:
            text = str(exc)
            answer = ("error", text) if "\n" not in text else ("bug", "multi-line: " + text)
        except MemoryError:
            answer = ("bug", "MemoryError")
        except Exception:  # noqa: BLE001 - that is what is being looked for
            answer = ("bug", traceback.format_exc())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        conn.send((*answer, peak))


def worker_cpu(pid: int) -> float:
    """CPU seconds the worker has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def answered(conn, pid: int, cpu_before: float, deadline: float) -> bool:
    """Wait for the worker's answer until it has spent `deadline` seconds of CPU on the input
    (or ten times that of wall-clock time). On a machine others load, a niced worker may get a
    tenth of a core: wall-clock time alone would call a slow share of the CPU a hang."""
    began = time.monotonic()
    while not conn.poll(1.0):
        try:
            spent = worker_cpu(pid) - cpu_before
        except Exception:  # noqa: BLE001 - psutil.NoSuchProcess: it died; recv says so
            return True
        if spent > deadline or time.monotonic() - began > 10 * deadline:
            return False
    return True


def generate(rng: random.Random) -> tuple[str, str, str | bytes]:
    """(what the input is, how the worker runs it, the input): .ics, a title or a trace."""
    kind = rng.choices(["ics", "title", "trace"], [6, 2, 2])[0]
    if kind == "ics":
        return "ics", "ics", mutate_ics(rng)
    if kind == "title":
        return "title", "title", make_title(rng)
    which, trace = make_trace(rng)
    return f"trace:{which}", "trace", trace


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"presence-fuzz-{os.getpid()}"
    scratch.mkdir(parents=True, exist_ok=True)
    labels = ["ics", "title", *(f"trace:{which}" for which in TRACES)]
    counts = {k: {"tried": 0, "ok": 0, "error": 0, "deadline": 0, "bug": 0, "hang": 0,
                  "died": 0, "refused": 0} for k in labels}
    slowest = {k: 0.0 for k in labels}
    peak_mb = 0.0
    ctx = mp.get_context("spawn")

    def start():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=worker, args=(child,), daemon=True)
        proc.start()
        return proc, parent

    proc, conn = start()
    stop_at = time.monotonic() + args.seconds
    while time.monotonic() < stop_at:
        label, kind, payload = generate(rng)
        counts[label]["tried"] += 1
        began = time.monotonic()
        cpu = worker_cpu(proc.pid)
        conn.send((kind, payload, str(scratch)))
        outcome = None
        if answered(conn, proc.pid, cpu, DEADLINE[kind]):
            try:
                status, detail, peak = conn.recv()
                outcome = status
                peak_mb = max(peak_mb, peak)
            except EOFError:
                outcome, detail = "died", "the worker died (memory?)"
        else:
            outcome, detail = "hang", f"no answer within {DEADLINE[kind]} s of CPU time"
        if outcome == "error" and label == "trace:valid":
            # a valid trace must replay: refusing it is a finding too
            outcome, detail = "refused", "a valid trace was refused: " + detail
        slowest[label] = max(slowest[label], time.monotonic() - began)
        counts[label][outcome] += 1
        if outcome in ("bug", "hang", "died", "refused"):
            args.out.mkdir(parents=True, exist_ok=True)
            name = f"{label.replace(':', '-')}-{counts[label]['tried']}-{outcome}"
            data = payload if isinstance(payload, bytes) else payload.encode("utf-8",
                                                                              "surrogatepass")
            (args.out / f"{name}.input").write_bytes(data)
            (args.out / f"{name}.txt").write_text(detail, encoding="utf-8")
            print(f"finding: {name}: {detail.strip().splitlines()[-1][:200]}", flush=True)
            if outcome in ("hang", "died") or not proc.is_alive():
                proc.kill()
                proc.join()
                proc, conn = start()
    proc.kill()
    found = 0
    for label, c in counts.items():
        found += c["bug"] + c["hang"] + c["died"] + c["refused"]
        print(f"{label:<16} tried {c['tried']:>6}  ok {c['ok']:>6}  one-line errors "
              f"{c['error']:>6}  past the parse deadline {c['deadline']}  bugs {c['bug']}  "
              f"hangs {c['hang']}  died {c['died']}  "
              f"valid refused {c['refused']}  slowest {slowest[label]:.2f} s")
    print(f"seed {args.seed}, {args.seconds:.0f} s, worker peak RSS {peak_mb:.0f} MB, "
          f"findings {found}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
