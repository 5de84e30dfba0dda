"""Plain TOML trees: the user's merged over the shipped one (which defines every key and its
type), and a tree written back as TOML for `presence config show` (pure)."""

from __future__ import annotations

from pathlib import Path

from presence.errors import ConfigError
from presence.sanitise import visible

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~4 ms of a start)
if TYPE_CHECKING:
    from typing import Any


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list of strings"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return type(default) is type(value)


def merge(base: dict[str, Any], user: dict[str, Any], path: Path, prefix: str,
          checked_later: tuple[str, ...] = ()) -> dict[str, Any]:
    """The user's tree over the shipped one: every key must exist there, with its type.

    `rules` is left out (user rules come before the shipped ones; `config.load` joins them);
    the dotted keys in `checked_later` take any value (the caller checks them with their
    range, in the same words as the command line).

    Raises:
        ConfigError: an unknown key or a value of another type, naming the file and the key.
    """
    out = dict(base)
    for key, value in user.items():
        dotted = prefix + key
        if dotted == "rules":
            continue
        if key not in base:
            known = ", ".join(k for k in base if k != "rules")
            raise ConfigError(f"{path}: unknown key '{dotted}' (known here: {known})")
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: key '{dotted}' must be a table [{dotted}]")
            out[key] = merge(default, value, path, dotted + ".", checked_later)
        elif dotted in checked_later:
            out[key] = value
        elif not _same_type(default, value):
            raise ConfigError(f"{path}: key '{dotted}' must be {_type_name(default)}, "
                              f"not {visible(repr(value), 100)}")
        else:
            out[key] = value
    return out


def to_toml(data: dict[str, Any]) -> str:
    """Render a config tree as TOML (for `presence config show`)."""
    lines: list[str] = []

    def scalar(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return "[" + ", ".join(scalar(v) for v in value) + "]"

    def table(node: dict[str, Any], name: str) -> None:
        plain = {k: v for k, v in node.items() if not isinstance(v, dict) and k != "rules"}
        if name and plain:
            lines.append(f"\n[{name}]")
        for key, value in plain.items():
            lines.append(f"{key} = {scalar(value)}")
        for key, value in node.items():
            if isinstance(value, dict):
                table(value, f"{name}.{key}" if name else key)

    table(data, "")
    for rule in data.get("rules", []):
        lines.append("\n[[rules]]")
        lines.extend(f"{k} = {scalar(v)}" for k, v in rule.items())
    return "\n".join(lines).lstrip("\n") + "\n"
