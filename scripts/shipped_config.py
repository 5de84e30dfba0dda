#!/usr/bin/env python3
"""Write presence/shipped.py: config/default.toml as Python data (issue 18).

Every command loads the config, and parsing the shipped file's 230 lines with tomllib took a
tenth of `presence bar`; a module of plain literals loads from its cached bytecode in a few
microseconds. config/default.toml stays the one source: run this after changing it
(tests/test_config.py fails until the two agree, and until then presence parses the file as
before, since the module also holds the size and CRC-32 of the bytes it was made from).

Usage: python scripts/shipped_config.py
"""

from __future__ import annotations

import pprint
import sys
import zlib
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "config" / "default.toml"
TARGET = ROOT / "presence" / "shipped.py"


def render(raw: bytes) -> str:
    """The module's text for the bytes of default.toml."""
    tree = tomllib.loads(raw.decode("utf-8-sig"))
    shown = pprint.pformat(tree, indent=1, width=95, sort_dicts=False)
    body = "\n".join("    " + line for line in shown.splitlines())
    return (
        '"""config/default.toml as Python data: written by scripts/shipped_config.py from that\n'
        'file, never by hand (a test checks that the two agree).\n\n'
        '`SIZE` and `CRC32` are those of the file it was made from: `config.load` uses `tree()`\n'
        'only while default.toml still matches both, and parses the file otherwise.\n"""\n\n'
        "from __future__ import annotations\n\n"
        f"SIZE = {len(raw)}\nCRC32 = {zlib.crc32(raw):#010x}\n\n\n"
        "def tree() -> dict:\n"
        '    """The parsed file, a new copy each call (a caller may change its own)."""\n'
        f"    return (\n{body}\n    )\n")


def main() -> None:
    TARGET.write_text(render(SOURCE.read_bytes()), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
