"""The command line: each command parses, makes one library call, and prints.

Imports of anything heavy happen inside commands, so `presence summary` does not pay for the
calendar libraries. Every `PresenceError` becomes one line on stderr and its exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from presence import __version__, paths
from presence.errors import PresenceError


class Context:
    """What the global options decided, shared with every command through `ctx.obj`."""

    def __init__(self, config_path: Path | None, db_path: Path | None, verbose: int):
        self.config_path = config_path
        self.db_path = db_path or paths.database()
        self.verbose = verbose
        self._config = None

    def config(self):
        """The effective config (loaded once)."""
        if self._config is None:
            from presence import config

            self._config = config.load(self.config_path, required=self.config_path is not None)
        return self._config

    def store(self, create: bool = True):
        """The database, opened (and migrated) for this command."""
        from presence.store import Store

        return Store.open(self.db_path, create=create)


class PresenceGroup(click.Group):
    """A click group that turns `PresenceError`s into one clear line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PresenceError as exc:
            click.echo(f"presence: {exc}", err=True)
            ctx.exit(exc.exit_code)


def echo_json(value: Any) -> None:
    """Print a JSON document (the stable machine-readable outputs)."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


@click.group(cls=PresenceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              envvar="PRESENCE_CONFIG", help="Config file (default: `presence config path`).")
@click.option("--db", "db_path", type=click.Path(path_type=Path, dir_okay=False),
              envvar="PRESENCE_DB", help="Database file (default: in the data folder).")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(__version__, prog_name="presence")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, db_path: Path | None,
         verbose: int) -> None:
    """presence: notice when virtual chatting crowds out time with real people.

    \b
    Start it:        presence run
    How was today:   presence summary
    Is it working:   presence doctor
    """
    # Not from presence.service, which imports the daemon: short commands stay quick.
    from presence.logsetup import setup_logging

    setup_logging(verbose)
    ctx.obj = Context(config_path, db_path, verbose)


@main.command()
@click.option("--interval", type=click.FloatRange(min=0.05), help="Seconds between samples.")
@click.option("--probe", type=click.Choice(["auto", "x11", "sway", "hyprland", "gnome", "kde",
                                            "macos", "windows", "psutil", "none"]),
              help="Which probe backend to use (default: [daemon] probe).")
@click.option("--dry-run", is_flag=True, help="Sample and classify, print each sample, store "
              "nothing.")
@click.pass_obj
def run(obj: Context, interval: float | None, probe: str | None, dry_run: bool) -> None:
    """Run the daemon in the foreground (stop it with Ctrl-C or SIGTERM).

    Example: presence run --interval 2 --dry-run
    """
    from presence.logsetup import setup_logging
    from presence.service import run_daemon

    setup_logging(max(obj.verbose, 1), None if dry_run else paths.data_dir() / "presence.log")
    sys.exit(run_daemon(obj.config_path, obj.db_path, interval=interval, probe=probe,
                        dry_run=dry_run))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Is the daemon running, what is in front, and today so far.

    Example: presence status --json
    """
    from presence.status import gather, render

    report = gather(obj.config(), obj.db_path)
    if as_json:
        echo_json(report)
    else:
        click.echo(render(report))


@main.group()
def rules() -> None:
    """Classification rules."""


@rules.command("test")
@click.option("--app", required=True, help="App name, as a process or window class shows it.")
@click.option("--title", help="Window title.")
@click.option("--exe", help="Executable path.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def rules_test(obj: Context, app: str, title: str | None, exe: str | None,
               as_json: bool) -> None:
    """Which category an app (and title) gets, and which rule decided.

    Example: presence rules test --app firefox --title "(3) WhatsApp — Mozilla Firefox"
    """
    from presence.classify import explain
    from presence.probe.names import normalise

    name = normalise(app)
    verdict = explain(obj.config(), name, title, exe)
    if as_json:
        echo_json({"app": name, "category": verdict.category, "rule": verdict.rule})
    else:
        click.echo(f"{name}: {verdict.category}  (rule: {verdict.rule})")


@main.group("config")
def config_group() -> None:
    """Where the config is, what it says, whether it is valid."""


@config_group.command("path")
@click.pass_obj
def config_path_cmd(obj: Context) -> None:
    """Print the path of your config file (it need not exist yet).

    Example: presence config path
    """
    click.echo(obj.config_path or paths.config_file())


@config_group.command("show")
@click.pass_obj
def config_show(obj: Context) -> None:
    """Print the effective config: the shipped defaults with your file merged over them.

    Example: presence config show
    """
    from presence.config import to_toml

    click.echo(to_toml(obj.config().data), nl=False)


@config_group.command("check")
@click.pass_obj
def config_check(obj: Context) -> None:
    """Validate the config; exit 2 with one line naming the problem.

    Example: presence config check
    """
    cfg = obj.config()
    click.echo(f"ok: {', '.join(str(f) for f in cfg.files)}")


@main.command()
@click.pass_obj
def doctor(obj: Context) -> None:
    """Check every edge and say how to fix what fails.

    Checks the config, database, probe, idle time, notifier and calendars; exits 1 when
    something fails.

    Example: presence doctor
    """
    from presence.doctor import run_checks

    failed = False
    for check in run_checks(obj.config_path, obj.db_path):
        mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[check.status]
        click.echo(f"{mark} {check.name:<10} {check.detail}")
        if check.fix:
            click.echo(f"     {'':<10} fix: {check.fix}")
        failed = failed or check.status == "fail"
    sys.exit(1 if failed else 0)


@main.group()
def autostart() -> None:
    """Start presence at login (systemd user unit, XDG autostart, LaunchAgent, Run key)."""


METHOD = click.option("--method", type=click.Choice(["systemd", "xdg", "launchd", "windows"]),
                      help="How to start at login (default: what this machine uses).")


@autostart.command("install")
@METHOD
@click.pass_obj
def autostart_install(obj: Context, method: str | None) -> None:
    """Install (and where possible start) the login service; running it twice is harmless.

    Example: presence autostart install
    """
    from presence import autostart as auto

    extra = []
    if obj.config_path:
        extra += ["--config", str(obj.config_path.resolve())]
    if obj.db_path != paths.database():
        extra += ["--db", str(obj.db_path.resolve())]
    method = method or auto.default_method()
    outcome = auto.install(method, auto.command(extra), paths.data_dir() / "presence.log")
    click.echo(outcome.message)


@autostart.command("uninstall")
@METHOD
@click.pass_obj
def autostart_uninstall(obj: Context, method: str | None) -> None:
    """Stop and remove exactly what `install` wrote.

    Example: presence autostart uninstall
    """
    from presence import autostart as auto

    click.echo(auto.uninstall(method or auto.default_method()).message)


@autostart.command("status")
@click.pass_obj
def autostart_status(obj: Context) -> None:
    """Say which login services are installed and whether the daemon runs.

    Example: presence autostart status
    """
    from presence import autostart as auto
    from presence.lock import running_pid

    found = [(m, p) for m in auto.METHODS if (p := auto.installed(m)) is not None]
    for method, path in found:
        click.echo(f"installed ({method}): {path}")
    if not found:
        click.echo("not installed (set it up: presence autostart install)")
    pid = running_pid(obj.db_path)
    click.echo(f"daemon running (pid {pid})" if pid else "daemon not running")


# Command modules register themselves on `main`; imported last because they import it.
from presence import cli_focus, cli_replay  # noqa: E402,F401
from presence import cli_summary  # noqa: E402,F401
from presence.cli_calendar import calendar as _calendar  # noqa: E402

main.add_command(_calendar)
