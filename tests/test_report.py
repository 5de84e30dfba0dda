"""`presence report`: one self-contained HTML page, rendered for real in headless Chromium."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from datetime import date
from pathlib import Path

import pytest
from summary_data import BERLIN, add_meetings, add_span, at, home, meeting

from presence.reports import history
from presence.reports.html import IN_PERSON, VIRTUAL, render

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


def week_of_data(folder: Path):
    store, config = home(folder)
    for day in range(1, 8):
        hour = f"2026-06-{day:02d}T{8 + day:02d}"
        add_span(store, f"{hour}:00", f"{hour}:40", "slack", "messaging")
        add_span(store, f"2026-06-{day:02d}T21:00", f"2026-06-{day:02d}T21:{day * 5:02d}",
                 "instagram", "social")
    add_meetings(store, meeting("Dinner <with> Tom & Jerry", "2026-06-05T19:00",
                                "2026-06-05T21:30"),
                 meeting("Climbing", "2026-06-07T10:00", "2026-06-07T12:00"))
    add_span(store, "2026-06-05T20:00", "2026-06-05T20:10", "whatsapp", "messaging")
    return store, config


def test_the_page_is_self_contained(tmp_path):
    store, config = week_of_data(tmp_path)
    page = render(history.period_summary(store, config, date(2026, 6, 7), 7,
                                         at("2026-06-08T09:00")), BERLIN)
    assert page.startswith("<!doctype html>")
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"\b(src|href)\s*=|url\(|@import", page)
    # the only URL is the SVG namespace, which is a name, not a request
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "Dinner &lt;with&gt; Tom &amp; Jerry" in page and "<with>" not in page
    assert page.count('class="bar virtual"') == 7 and page.count('class="bar in-person"') == 7
    assert page.count('class="cell ') == 7 * 24 + 5  # the grid and the legend


def test_report_command_writes_a_week_or_a_month(tmp_path):
    store, _ = week_of_data(tmp_path)
    store.close()
    env = dict(os.environ, PRESENCE_HOME=str(tmp_path))
    out = tmp_path / "week.html"
    done = subprocess.run([sys.executable, "-m", "presence", "report", "--until", "2026-06-07",
                           "--out", str(out)], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out} (2026-06-01 – 2026-06-07)"
    assert out.read_text().count('class="bar virtual"') == 7
    month = subprocess.run([sys.executable, "-m", "presence", "report", "--month", "--until",
                            "2026-06-07", "--out", "-"], capture_output=True, text=True,
                           env=env, timeout=60)
    assert month.returncode == 0 and month.stdout.count('class="bar virtual"') == 30
    assert "2026-05-09" not in month.stdout and "9 May – 7 Jun 2026" in month.stdout


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("PRESENCE_REQUIRE_DESKTOP") == "1":
        pytest.fail("chromium is required here (Debian package: chromium)")
    pytest.skip("chromium is not installed (Debian package: chromium)")


_MEASURE = """<script>
const out = {};
for (const id of ["days-chart", "hour-heatmap"]) {
  const svg = document.getElementById(id), box = svg.getBoundingClientRect();
  const sized = sel => [...svg.querySelectorAll(sel)].map(e => {
    const r = e.getBoundingClientRect(); return [r.width, r.height]; });
  out[id] = {width: box.width, height: box.height, virtual: sized("rect.bar.virtual"),
             in_person: sized("rect.bar.in-person"), cells: sized("rect.cell")};
}
document.body.setAttribute("data-measured", JSON.stringify(out));
</script></body>"""


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--window-size=1000,1400", *args], capture_output=True, text=True,
                          timeout=120)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and color in (2, 6) and interlace == 0
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        base = y * (stride + 1)
        kind, line = raw[base], bytearray(raw[base + 1:base + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line) if bpp == 3 else
                    bytes(v for j in range(0, stride, 4) for v in line[j:j + 3]))
        prev = line
    return width, height, rows


def count_colour(rows: list[bytes], hex_colour: str) -> int:
    target = bytes.fromhex(hex_colour.lstrip("#"))
    return sum(row[i:i + 3] == target for row in rows for i in range(0, len(row), 3))


def test_chromium_draws_both_charts(tmp_path):
    browser = chromium()
    store, config = week_of_data(tmp_path)
    page = render(history.period_summary(store, config, date(2026, 6, 7), 7,
                                         at("2026-06-08T09:00")), BERLIN)
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    probe = tmp_path / "measured.html"  # the report plus a measuring script, for the test only
    probe.write_text(page.replace("</body>", _MEASURE), encoding="utf-8")

    dom = run_chromium(browser, tmp_path / "profile-dom", "--dump-dom", probe.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-measured="([^"]*)"', dom.stdout)
    assert found, dom.stdout[:2000]
    sizes = json.loads(html.unescape(found.group(1)))
    days, heat = sizes["days-chart"], sizes["hour-heatmap"]
    assert days["width"] > 300 and days["height"] > 150
    assert heat["width"] > 300 and heat["height"] > 100
    assert len(days["virtual"]) == len(days["in_person"]) == 7
    assert all(w > 0 and h > 0 for w, h in days["virtual"])
    assert [h > 0 for _, h in days["in_person"]] == [False] * 4 + [True, False, True]
    assert len(heat["cells"]) == 7 * 24 + 5 and all(w > 0 and h > 0 for w, h in heat["cells"])

    shot = tmp_path / "shot.png"
    done = run_chromium(browser, tmp_path / "profile-shot", f"--screenshot={shot}",
                        report.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1000, 1400)
    assert len({row for row in rows}) > 50  # not a blank page
    assert count_colour(rows, VIRTUAL) > 500  # orange bars and heatmap cells
    assert count_colour(rows, IN_PERSON) > 200  # green bars


def test_the_readme_pictures_come_from_the_project_script(tmp_path):
    # Issue 13: a newcomer sees a summary and the report near the top of the README; both are
    # made by scripts/screenshot_report.py, so they stay what presence really prints
    chromium()  # skips (or fails under PRESENCE_REQUIRE_DESKTOP) without a browser
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, str(root / "scripts" / "screenshot_report.py"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    width, height, rows = png_pixels((tmp_path / "report.png").read_bytes())
    assert (width, height) == (1000, 1700)
    colours = {row[i:i + 3] for row in rows[::10] for i in range(0, len(row), 30)}
    assert len(colours) > 20  # a drawn page, not a blank one
    sample = (tmp_path / "summary.txt").read_text(encoding="utf-8").rstrip("\n")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert f"```\n{sample}\n```" in readme
    assert (root / "docs" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "](docs/report.png)" in readme and "](docs/PERFORMANCE.md)" in readme
