"""The rules of the house that a grep can check (ARCHITECTURE.md says why each exists)."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "presence"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def offenders(pattern: str, allowed) -> list[str]:
    found = []
    for path in modules():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        if allowed(rel):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_only_clock_py_reads_the_clock():
    assert offenders(r"time\.time\(|datetime\.now|date\.today|monotonic\(",
                     lambda rel: rel == "presence/clock.py") == []


def test_only_the_store_speaks_sql():
    assert offenders(r"execute\(|sqlite3", lambda rel: rel.startswith("presence/store/")) == []


def test_sqlite_utils_is_imported_only_by_the_migrations():
    assert offenders(r"import sqlite_utils|from sqlite_utils",
                     lambda rel: rel == "presence/store/migrations.py") == []


# strftime directives of C89, which every platform's C library (Windows' too) implements;
# glibc's extensions such as `%-d`, `%e` or `%k` fail or differ elsewhere.
PORTABLE = set("aAbBcdHIjmMpSUwWxXyYzZ%")


def format_strings() -> list[tuple[str, str]]:
    found = []
    spec = re.compile(r"\{[^{}:]*:(%[^{}]*)\}")          # f"{day:%a %d %b}"
    call = re.compile(r"strftime\(\s*f?[\"']([^\"']*)[\"']")  # day.strftime("%H:%M")
    for path in modules():
        text = path.read_text(encoding="utf-8")
        for pattern in (spec, call):
            found += [(path.name, m) for m in pattern.findall(text) if "%" in m]
    return found


def test_dates_are_rendered_with_portable_strftime_formats_only():
    formats = format_strings()
    assert len(formats) > 10  # the scan sees the formats of summary, report and the CLI
    assert [(name, fmt) for name, fmt in formats
            if any(d not in PORTABLE for d in re.findall(r"%(.)", fmt))] == []


# About 400 lines: a module one can read in one sitting. Exceptions are named here, each with
# why it is still long; the list only ever shrinks.
LONG_MODULES: dict[str, str] = {}


def test_modules_stay_small():
    long = {}
    for path in modules():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > 420 and rel not in LONG_MODULES:
            long[rel] = lines
    assert long == {}


# The pure core takes time as an argument and touches no OS, clock, store or command line.
PURE = ["timeline", "timeparse", "classify", "spans", "calendar/text", "calendar/zones",
        "calendar/expand", "calendar/classify", "people/names", "people/ledger",
        "nudges/policy", "nudges/view", "nudges/text", "nudges/effect", "nudges/away",
        "nudges/people_digest", "reports/summary", "reports/render", "reports/html",
        "calendar/settings", "calendar/series", "calendar/limits", "tomltree",
        "autostart/render"]
IMPURE = re.compile(r"^\s*(from|import) (presence\.(store|cli|probe|clock|service|daemon|paths"
                    r"|localzone)\b|(os|sqlite3|subprocess|socket|time)\b)")


def test_the_pure_modules_import_nothing_of_the_edges():
    found = []
    for name in PURE:
        path = PACKAGE / f"{name}.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if IMPURE.match(line):
                found.append(f"{name}.py:{number}: {line.strip()}")
    assert found == []


def test_every_test_runs_sealed_off_from_the_caller(presence_home, tmp_path):
    import os

    from presence import paths

    leaked = [k for k in os.environ if k.startswith("PRESENCE_")
              and k not in ("PRESENCE_HOME", "PRESENCE_REQUIRE_DESKTOP")]
    assert leaked == []
    assert presence_home.parent == tmp_path
    assert paths.database() == presence_home / "presence.db"
    assert paths.config_file() == presence_home / "config.toml"


def test_every_wing_is_packaged():
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    wings = {path.parent.relative_to(PACKAGE.parent).as_posix().replace("/", ".")
             for path in PACKAGE.rglob("__init__.py")}
    assert wings - listed == set()
