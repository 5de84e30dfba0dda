"""Where presence keeps its config, data, lock and logs.

`PRESENCE_HOME` puts config and data in one folder; `PRESENCE_CONFIG` and `PRESENCE_DB`
override each. Otherwise the platform's conventional folders (platformdirs).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

APP = "presence"


def home() -> Path | None:
    """The folder PRESENCE_HOME names, or None when it is not set."""
    value = os.environ.get("PRESENCE_HOME")
    return Path(value).expanduser() if value else None


def config_file() -> Path:
    """The user's config file (it need not exist)."""
    if os.environ.get("PRESENCE_CONFIG"):
        return Path(os.environ["PRESENCE_CONFIG"]).expanduser()
    folder = home()
    if folder is not None:
        return folder / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def data_dir() -> Path:
    """The private folder holding the database, lock, cache and logs."""
    folder = home()
    if folder is not None:
        return folder
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def database() -> Path:
    """The SQLite database shared by the daemon and the CLI."""
    if os.environ.get("PRESENCE_DB"):
        return Path(os.environ["PRESENCE_DB"]).expanduser()
    return data_dir() / "presence.db"


def lock_file(db: Path) -> Path:
    """The single-instance lock, kept beside the database it protects: the real file, with
    every symlink resolved, so that two paths to one database share one lock."""
    real = Path(os.path.realpath(db))
    return real.with_name(real.name + ".lock")


def dnd_note(db: Path) -> Path:
    """What do not disturb looked like before the daemon changed it, beside the database."""
    return db.with_name(db.name + ".dnd.json")


def cache_dir() -> Path:
    """What presence keeps only to save work: cached copies of calendar URLs, the parsed config."""
    return data_dir() / "cache"


@cache  # where presence is installed does not change while it runs (config.load asks often)
def shipped_config() -> Path:
    """The shipped `default.toml`: inside the wheel, or in the source tree's `config/`."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "defaults" / "default.toml", here.parent / "config" / "default.toml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("presence's shipped config/default.toml is missing; reinstall presence")


def make_private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable by the user alone (0700), whatever the
    umask. A folder that already exists keeps its mode: `--db /tmp/x.db` must never lock
    others out of /tmp (`presence doctor` warns about a loose data folder instead)."""
    missing = []
    cursor = path
    while not cursor.exists():
        missing.append(cursor)
        cursor = cursor.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        os.chmod(folder, 0o700)
    return path


def exposed(db: Path) -> list[Path]:
    """Which of presence's folders and files others may read: PRESENCE_HOME, the database's
    folder and the database. A folder that presence did not create keeps the mode it had
    (`--db /tmp/x.db` must not lock others out of /tmp), so `doctor` and `status` name it."""
    candidates = [home(), db.parent, db, db.with_name(db.name + "-wal")]
    seen: dict[Path, None] = {}
    for path in candidates:
        if path is None:
            continue
        try:
            loose = path.exists() and bool(path.stat().st_mode & 0o077)
        except OSError:
            continue
        if loose:
            seen.setdefault(path.absolute(), None)
    return list(seen)


def tighten(paths: list[Path]) -> str:
    """The one command that makes `paths` the user's alone."""
    folders = [str(p) for p in paths if p.is_dir()]
    files = [str(p) for p in paths if not p.is_dir()]
    import shlex

    parts = ([f"chmod 700 {shlex.join(folders)}"] if folders else []) + \
        ([f"chmod 600 {shlex.join(files)}"] if files else [])
    return " && ".join(parts)
