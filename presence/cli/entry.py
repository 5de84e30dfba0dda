"""The `presence` program: the console script and `python -m presence` start here.

A status bar runs `presence bar` every few seconds and scripts poll `summary --json`, so the
start-up is most of what these commands cost, and importing click alone costs more than half
of Python's own start (issue 18). So the read commands (`summary`, `status`, `bar` without
`--follow`, `people` without a subcommand) are parsed here by a few lines that know their
options, and run the very function their click command runs (`cli/reads.py`). So is
`presence run` (`cli/start.py`): the daemon would otherwise keep click in its memory for
days for a command line read once. Everything
else goes to the click group in `cli/main.py` unchanged: any other command, `--help`,
`--version`, shell completion, and every line these few rules do not recognise — a typo, an
unknown option, a missing value, a path that is a folder — so click still writes every help
text and every one-line usage error (exit 2).
"""

from __future__ import annotations

import os
import sys

# The read commands this module parses: flags (option -> parameter), options taking one of a
# few values (option -> parameter; the values are `_choices`), the positional arguments in
# order, and the defaults. Each mirrors the click command of the same name (a test compares
# them), which stays the one that documents them.
QUICK = {
    "summary": ({"--week": "week", "--json": "as_json"}, {}, ("day",),
                {"day": "today", "week": False, "as_json": False}),
    "status": ({"--json": "as_json"}, {}, (), {"as_json": False}),
    "bar": ({}, {"--format": "fmt"}, (), {"fmt": "text", "follow": False}),
    "people": ({"--json": "as_json", "--all": "show_all"}, {}, (),
               {"as_json": False, "show_all": False}),
    "run": ({"--dry-run": "dry_run"}, {"--interval": "interval", "--probe": "probe"}, (),
            {"interval": None, "probe": None, "dry_run": False}),
}
# Where each quick command's function lives (the read commands: `cli/reads.py`).
_MODULES = {"run": "presence.cli.start"}
# The group's own options (before the command word), as `cli/main.py` declares them.
_GLOBAL_PATHS = {"--config": ("config_path", "PRESENCE_CONFIG"), "--db": ("db_path", "PRESENCE_DB")}


def _choices(option: str) -> tuple[str, ...] | None:
    """The values an option takes, from the one list its click option takes them from; None
    for `--interval`, which takes a number (`_value`)."""
    if option == "--interval":
        return None
    if option == "--probe":
        from presence.probe import PROBES

        return PROBES
    from presence.glance.bar import FORMATS  # the one list `bar --format` takes

    return FORMATS


def _value(option: str, text: str) -> object | None:
    """An option's value as the command takes it; None where click should say what is wrong."""
    choices = _choices(option)
    if choices is not None:
        return text if text in choices else None
    from presence.config import interval_problem  # the words `run --interval` refuses in

    try:
        number = float(text)
    except ValueError:
        return None
    return None if interval_problem(number) else number


def parse(argv: list[str]) -> tuple[str, dict[str, object], dict[str, object]] | None:
    """The command, its parameters and the global options, where `argv` is one of the
    commands this module runs (`QUICK`: the read commands and `run`); None where click should
    read it (anything else, or anything unusual).
    """
    given: dict[str, object] = {}
    verbose = 0
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        word = argv[i]
        name, eq, value = word.partition("=")
        if name in _GLOBAL_PATHS:
            if not eq:
                if i + 1 >= len(argv):
                    return None
                i, value = i + 1, argv[i + 1]
            given[name] = value
        elif word in ("-v", "--verbose") or (len(word) > 2 and word.strip("v") == "-"):
            verbose += 1 if word == "--verbose" else len(word) - 1
        else:
            return None  # --help, --version, a typo: click's
        i += 1
    if i >= len(argv) or argv[i] not in QUICK:
        return None
    command, rest = argv[i], argv[i + 1:]
    flags, options, arguments, defaults = QUICK[command]
    params = dict(defaults)
    positional: list[str] = []
    j = 0
    while j < len(rest):
        word = rest[j]
        if word in flags:
            params[flags[word]] = True
        elif word.partition("=")[0] in options:
            name, eq, value = word.partition("=")
            if not eq:
                if j + 1 >= len(rest):
                    return None
                j, value = j + 1, rest[j + 1]
            parsed = _value(name, value)
            if parsed is None:
                return None
            params[options[name]] = parsed
        elif word.startswith("-"):
            return None
        else:
            positional.append(word)
        j += 1
    if len(positional) > len(arguments):
        return None
    params.update(zip(arguments, positional))
    paths = {}
    for option, (key, variable) in _GLOBAL_PATHS.items():
        value = given.get(option) or os.environ.get(variable) or None
        if option in given and not given[option]:
            return None
        if value is not None and not _plain_path(str(value)):
            return None
        paths[key] = value
    return command, params, {**paths, "verbose": verbose}


def _plain_path(value: str) -> bool:
    # what click.Path(dir_okay=False) lets through unchanged: a path that does not exist, or a
    # readable one that is not a folder; click says what is wrong with any other
    try:
        st = os.stat(value)
    except (OSError, ValueError):
        return True
    import stat

    return not stat.S_ISDIR(st.st_mode) and os.access(value, os.R_OK)


def main() -> None:
    """Run `presence` with this process's arguments; exits with the command's code."""
    argv = sys.argv[1:]
    parsed = None if os.environ.get("_PRESENCE_COMPLETE") else parse(argv)
    if parsed is None:
        from presence.cli.main import main as group

        group(prog_name="presence")
        return
    command, params, options = parsed
    sys.exit(_run(command, params, options))


def _run(command: str, params: dict[str, object], options: dict[str, object]) -> int:
    # What the click group does around a command (`PresenceGroup.invoke`, `.main`): logging
    # set up, a PresenceError as one line and its code, a closed pipe quiet, Ctrl-C one line.
    from pathlib import Path

    from presence import logsetup
    import importlib
    from presence.cli.common import Context, echo, quiet_closed_stdout
    from presence.errors import PresenceError
    from presence.sanitise import block

    verbose = int(options["verbose"])  # type: ignore[call-overload]
    logsetup.setup_logging(verbose, deferred=True)
    config_path, db_path = (Path(str(options[k])) if options[k] is not None else None
                            for k in ("config_path", "db_path"))
    try:
        try:
            obj = Context(config_path, db_path, verbose)
            module = importlib.import_module(_MODULES.get(command, "presence.cli.reads"))
            code = getattr(module, command)(obj, **params)
            sys.stdout.flush()  # a pipe closed by `| head` shows up here at the latest
            return code or 0
        except PresenceError as exc:
            echo(f"presence: {block(exc)}", err=True)
            return exc.exit_code
        except BrokenPipeError:
            quiet_closed_stdout()
            return 0
    except (KeyboardInterrupt, EOFError):
        echo(err=True)
        echo("presence: stopped", err=True)
        return 1
