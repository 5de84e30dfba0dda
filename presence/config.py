"""TOML configuration → a validated, frozen `Config`.

The user's file is merged over the shipped `config/default.toml`, which defines every key and
its type: a key the shipped file does not have is unknown, a value of another type is wrong.
User `[[rules]]` come before the shipped ones. Nothing here writes files (the parsed copy of
the user's file is presence/config_cache.py's), and nothing asks the OS anything but the
config files: when `timezone` is empty, the system's zone comes from
the `system_zone` the caller passes (by default the edge `presence.localzone`).
"""

from __future__ import annotations

import math
import re
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import time as dtime, tzinfo
from pathlib import Path
from types import MappingProxyType

from presence import paths
from presence.errors import ConfigError
from presence.frozen import field, frozen
from presence.model import RULE_CATEGORIES
from presence.probe import PROBES
from presence.tomltree import merge
from presence.patterns import Pattern, PatternError, compile_pattern
from presence.sanitise import visible

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any

RULE_FIELDS = ("app", "exe", "title", "browser_title", "package")
_ENUMS = {"daemon.probe": PROBES, "calendar.hybrid": ("in_person", "virtual")}
_CLOCK_TIMES = ("quiet_hours.start", "quiet_hours.end", "nudges.daily_summary.at")
_REGEXES = ("categories.browsers",)
_REGEX_LISTS = ("privacy.exclude_titles",)
_NON_NEGATIVE = ("focus.lead_minutes", "nudges.phubbing.grace_seconds", "nudges.focus.grace_seconds",
                 "nudges.focus.cooldown_minutes", "nudges.crowding_out.cooldown_minutes",
                 "nudges.crowding_out.budget_minutes", "nudges.max_per_day",
                 "nudges.phubbing.max_per_meeting", "daemon.idle_seconds",
                 "nudges.welcome_back.min_away_minutes")
_CATEGORY_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
# Keys that take any number, not only an integer: the sampling period may be fractional.
_NUMBERS = ("daemon.interval_seconds",)
MIN_INTERVAL = 0.1  # seconds; a faster probe would cost more than it tells


def interval_problem(value: object) -> str | None:
    """Why `value` is no sampling period (None when it is one): the one rule for both
    `[daemon] interval_seconds` and `presence run --interval`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or value < MIN_INTERVAL or value == float("inf"):
        return f"must be a number of seconds, at least {MIN_INTERVAL} (such as 5 or 0.5), " \
               f"not {visible(repr(value), 100)}"
    return None


@frozen
class Rule:
    """One classification rule: all of its patterns must match."""

    name: str
    category: str
    origin: str  # "user" or "shipped"
    app: Pattern | None = None
    exe: Pattern | None = None
    title: Pattern | None = None
    browser_title: Pattern | None = None
    package: Pattern | None = None  # an Android package name (ActivityWatch import)


@frozen(eq=False)
class Config:
    """The effective configuration: one value, built once by `load` and never changed
    (`override` makes a new one).

    `data` is the merged plain TOML tree (what `presence config show` prints); the typed
    attributes are what the code reads. Configs compare and hash by identity: each load is
    its own value, so the caches of what is derived from one (classify, policy) key on it.
    """

    data: dict[str, Any] = field(repr=False)
    files: tuple[Path, ...]
    tz: tzinfo
    rules: tuple[Rule, ...]
    browsers: Pattern
    exclude_titles: tuple[Pattern, ...]
    # Every dotted key of `data` with its value, built with the config and read-only: the
    # daemon reads keys on every tick.
    keys: Mapping[str, Any] = field(repr=False)

    def get(self, dotted: str) -> Any:
        """The value of a dotted key, e.g. `get("daemon.interval_seconds")`.

        Raises:
            KeyError: no such key.
        """
        return self.keys[dotted]

    @property
    def interval(self) -> float:
        """Seconds between samples."""
        return float(self.data["daemon"]["interval_seconds"])

    @property
    def devices_folder(self) -> Path | None:
        """The synced folder for snapshots (`[devices] folder`, `~` expanded), or None."""
        folder = self.data["devices"]["folder"]
        return Path(folder).expanduser() if folder else None

    @property
    def virtual_categories(self) -> frozenset[str]:
        """Categories that count as virtual chatting."""
        return frozenset(self.data["categories"]["virtual"])

    @property
    def always_active(self) -> frozenset[str]:
        """Categories that stay present without keyboard input."""
        return frozenset(self.data["categories"]["always_active"])

    def clock_time(self, dotted: str) -> dtime:
        """An `HH:MM` key as a `datetime.time`."""
        hours, minutes = self.get(dotted).split(":")
        return dtime(int(hours), int(minutes))


def _system_zone() -> tzinfo:
    from presence.localzone import system_zone

    return system_zone()


def load(path: Path | None = None, *, required: bool = False,
         system_zone: Callable[[], tzinfo] = _system_zone) -> Config:
    """Load the shipped config, merged with the user's file.

    Args:
        path: the user's file; defaults to `paths.config_file()`.
        required: raise `ConfigError` when `path` does not exist (an explicit `--config`).
        system_zone: the machine's zone, asked only when `timezone` is empty.

    Raises:
        ConfigError: unreadable TOML, an unknown key, a wrong type or an invalid value; the
            message names the file, the key and what was expected. A calendar URL quoted in
            it is redacted (calendar URLs are secrets).
    """
    try:
        return _load(path, required, system_zone)
    except ConfigError as exc:
        # the one exit of every config error: whatever value it quotes, no URL leaves whole
        # (the redactor's patterns are compiled only then)
        from presence.secrets import hide_urls

        raise ConfigError(hide_urls(str(exc))) from None


def _load(path: Path | None, required: bool, system_zone: Callable[[], tzinfo]) -> Config:
    shipped = paths.shipped_config()
    base = _shipped_tree(shipped)
    user_path = path if path is not None else paths.config_file()
    files = [shipped]
    if user_path.exists() and not user_path.is_file():
        raise ConfigError(f"{user_path}: is a folder (or a device), not a config file; "
                          "move it aside or point --config at a .toml file")
    if user_path.is_file():
        user = _read(user_path)
        files.append(user_path)
    elif required:
        raise ConfigError(f"{user_path}: config file not found (check the path, or run "
                          "`presence config path` to see where presence looks)")
    else:
        user = {}
    merged = merge(base, user, user_path, prefix="", checked_later=_NUMBERS)
    user_rules = user.get("rules", [])
    if not isinstance(user_rules, list):
        raise ConfigError(f"{user_path}: key 'rules' must be an array of tables ([[rules]])")
    merged["rules"] = list(user_rules) + list(base.get("rules", []))
    return _build(merged, tuple(files), user_path, len(user_rules), system_zone, base)


def load_or_defaults(path: Path | None = None, *, required: bool = False,
                     system_zone: Callable[[], tzinfo] = _system_zone,
                     ) -> tuple[Config, ConfigError | None]:
    """The user's config, or the shipped one with the error when the user's is broken.

    For what must keep showing the truth through a typo (`status`, the bar, the tray): the
    error is one more line there, never a blank bar.
    """
    try:
        return load(path, required=required, system_zone=system_zone), None
    except ConfigError as exc:
        return defaults(system_zone), exc


def defaults(system_zone: Callable[[], tzinfo] = _system_zone) -> Config:
    """The shipped configuration alone (doctor goes on with it when the user's is broken)."""
    base = _shipped_tree(paths.shipped_config())
    return _build(base, (paths.shipped_config(),), paths.shipped_config(), 0, system_zone,
                  base)


def _shipped_tree(path: Path) -> dict[str, Any]:
    # default.toml as Python data (presence/shipped.py, written from it by
    # scripts/shipped_config.py): tomllib's import and its parse of these 230 lines took a
    # tenth of `presence bar` (issue 18). Only while the file has the size and CRC-32 of the
    # bytes the module was made from; an edited default.toml is parsed, as any config file.
    raw = _bytes(path)
    from presence import shipped

    if len(raw) == shipped.SIZE and zlib.crc32(raw) == shipped.CRC32:
        return shipped.tree()
    return _parse(raw, path)


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from exc


def _read(path: Path) -> dict[str, Any]:
    # the user's file: parsed once, then kept as data while it holds the same text
    from presence.config_cache import parsed

    raw = _bytes(path)
    return parsed(raw, lambda: _parse(raw, path))


def _parse(raw: bytes, path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the config file is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _compile(pattern: str, path: Path, key: str, shipped: bool = False) -> Pattern:
    try:
        return compile_pattern(pattern, shipped=shipped)
    except PatternError as exc:
        shown = visible(pattern, 80)
        raise ConfigError(f"{path}: key '{key}' is not a valid regular expression "
                          f"({exc}): '{shown}'") from None


# The largest value each number may take; any other number is at most _MAXIMUM.
_MAXIMUM = 1_000_000
_MAXIMA = {"daemon.interval_seconds": 3600, "daemon.idle_seconds": 86_400,
           "daemon.flush_seconds": 86_400, "calendar.refresh_minutes": 10_080,
           "calendar.deadline_seconds": 300, "nudges.reconnect.days": 3650}


def _numbers(node: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _numbers(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield prefix, node


def _check_values(data: dict[str, Any], path: Path) -> None:
    def get(dotted: str) -> Any:
        node: Any = data
        for part in dotted.split("."):
            node = node[part]
        return node

    for key, allowed in _ENUMS.items():
        if get(key) not in allowed:
            raise ConfigError(f"{path}: key '{key}' must be one of {', '.join(allowed)}, "
                              f"not {get(key)!r}")
    for key in _CLOCK_TIMES:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", get(key)):
            raise ConfigError(f"{path}: key '{key}' must be a time of day as \"HH:MM\", "
                              f"not {get(key)!r}")
    problem = interval_problem(get("daemon.interval_seconds"))
    if problem:
        raise ConfigError(f"{path}: key 'daemon.interval_seconds' {problem}")
    for key in ("daemon.flush_seconds", "calendar.refresh_minutes", "nudges.reconnect.days",
                "devices.every_minutes", "calendar.deadline_seconds"):
        if get(key) < 1:
            raise ConfigError(f"{path}: key '{key}' must be a positive integer, not {get(key)}")
    for key in _NON_NEGATIVE:
        if get(key) < 0:
            raise ConfigError(f"{path}: key '{key}' must be zero or more, not {get(key)}")
    for key, value in _numbers(data):
        # every number must fit what the daemon and the calendar can hold (a sleep of 10^10 s
        # overflows, `inf` and `nan` are valid TOML)
        top = _MAXIMA.get(key, _MAXIMUM)
        if not math.isfinite(value) or value > top:
            raise ConfigError(f"{path}: key '{key}' must be at most {top}, not {value}")
    folder = get("devices.folder")
    if folder and not Path(folder).expanduser().is_absolute():
        raise ConfigError(f"{path}: key 'devices.folder' must be an absolute folder such as "
                          f"\"~/Sync/presence\", not {folder!r}")
    for key in ("categories.virtual", "categories.always_active"):
        for name in get(key):
            if not _CATEGORY_RE.match(name):
                raise ConfigError(f"{path}: key '{key}' holds {name!r}; a category is a "
                                  "lowercase word such as \"messaging\"")


def _build_rules(raw: list[Any], path: Path, n_user: int,
                 categories: dict[str, Any]) -> tuple[Rule, ...]:
    own = [c for c in (*categories["virtual"], *categories["always_active"])
           if c not in RULE_CATEGORIES]
    known = [*RULE_CATEGORIES, *dict.fromkeys(own)]
    rules = []
    for i, item in enumerate(raw):
        origin = "user" if i < n_user else "shipped"
        where = f"rules[{i + 1 if i < n_user else i - n_user + 1}]"
        source = path if origin == "user" else paths.shipped_config()
        if not isinstance(item, dict):
            raise ConfigError(f"{source}: {where} must be a table ([[rules]])")
        unknown = set(item) - {"name", "category", *RULE_FIELDS}
        if unknown:
            raise ConfigError(f"{source}: unknown key '{where}.{sorted(unknown)[0]}' "
                              f"(a rule has name, category, {', '.join(RULE_FIELDS)})")
        category = item.get("category")
        if category not in known:
            raise ConfigError(f"{source}: key '{where}.category' is {category!r}, which is no "
                              f"category: use {', '.join(known[:-1])} or {known[-1]} (or list "
                              "a category of your own in [categories] virtual or always_active)")
        patterns = {}
        for key in RULE_FIELDS:
            if key in item:
                if not isinstance(item[key], str):
                    raise ConfigError(f"{source}: key '{where}.{key}' must be a string "
                                      f"(a regular expression), not {item[key]!r}")
                patterns[key] = _compile(item[key], source, f"{where}.{key}",
                                         shipped=origin == "shipped")
        if not patterns:
            raise ConfigError(f"{source}: {where} needs at least one of "
                              f"{', '.join(RULE_FIELDS)}")
        name = item.get("name", where)
        if not isinstance(name, str):
            raise ConfigError(f"{source}: key '{where}.name' must be a string")
        rules.append(Rule(name=name, category=category, origin=origin, **patterns))
    return tuple(rules)


def _flatten(node: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        out[prefix + key] = value
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
    return out


def _build(data: dict[str, Any], files: tuple[Path, ...], path: Path, n_user_rules: int,
           system_zone: Callable[[], tzinfo], shipped: dict[str, Any]) -> Config:
    # `shipped`: the default.toml tree; its patterns are compiled on first use (patterns.py)
    _check_values(data, path)
    return Config(
        data=data,
        keys=MappingProxyType(_flatten(data)),
        files=files,
        tz=resolve_zone(data["timezone"], path, system_zone),
        rules=_build_rules(data["rules"], path, n_user_rules, data["categories"]),
        browsers=_compile(data["categories"]["browsers"], path, "categories.browsers",
                          shipped=data["categories"]["browsers"] == shipped["categories"]
                          ["browsers"]),
        exclude_titles=tuple(_compile(p, path, "privacy.exclude_titles",
                                      shipped=p in shipped["privacy"]["exclude_titles"])
                             for p in data["privacy"]["exclude_titles"]),
    )


def resolve_zone(name: str, path: Path | None = None,
                 system_zone: Callable[[], tzinfo] = _system_zone) -> tzinfo:
    """The zone named `name`, or `system_zone()` when `name` is empty.

    Raises:
        ConfigError: `name` is not an IANA zone.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name:
        return system_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path or 'timezone'}: key 'timezone' must be an IANA zone such "
                          f"as \"Europe/Berlin\", not {name!r}") from exc


def override(config: Config, dotted: str, value: Any) -> Config:
    """A copy of `config` with one key replaced (command-line options such as `--interval`)."""
    import copy
    from presence.frozen import replace

    data = copy.deepcopy(config.data)
    node = data
    *parents, last = dotted.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    return replace(config, data=data, keys=MappingProxyType(_flatten(data)))
