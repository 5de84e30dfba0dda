"""Setting presence up: rules, config, doctor and autostart."""

from __future__ import annotations

import sys

import click

from presence import paths
from presence.autostart import METHODS
from presence.cli.common import Context, echo, echo_json


@click.group()
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
        echo_json({"app": name, "category": verdict.category, "rule": verdict.rule,
                   "counted_as": verdict.counted_as(name)})
    else:
        counted = f"; counted as {verdict.web_app}" if verdict.web_app else ""
        echo(f"{name}: {verdict.category}  (rule: {verdict.rule}){counted}")


@click.group("config")
def config_group() -> None:
    """Where the config is, what it says, whether it is valid."""


@config_group.command("path")
@click.pass_obj
def config_path_cmd(obj: Context) -> None:
    """Print the path of your config file (it need not exist yet).

    Example: presence config path
    """
    echo(obj.config_path or paths.config_file())


@config_group.command("show")
@click.pass_obj
def config_show(obj: Context) -> None:
    """Print the effective config: the shipped defaults with your file merged over them.

    Example: presence config show
    """
    from presence.tomltree import to_toml

    echo(to_toml(obj.config().data), nl=False)


@config_group.command("check")
@click.pass_obj
def config_check(obj: Context) -> None:
    """Validate the config; exit 2 with one line naming the problem.

    Example: presence config check
    """
    cfg = obj.config()
    echo(f"ok: {', '.join(str(f) for f in cfg.files)}")


@click.command()
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
        echo(f"{mark} {check.name:<10} {check.detail}")
        if check.fix:
            echo(f"     {'':<10} fix: {check.fix}")
        failed = failed or check.status == "fail"
    sys.exit(1 if failed else 0)


@click.group()
def autostart() -> None:
    """Start presence at login (systemd user unit, XDG autostart, LaunchAgent, Run key)."""


METHOD = click.option("--method", type=click.Choice(METHODS),
                      help="How to start at login (default: what this machine uses).")


@autostart.command("install")
@METHOD
@click.option("--tray", is_flag=True, help="Also start `presence tray` at login, beside the "
              "daemon.")
@click.pass_obj
def autostart_install(obj: Context, method: str | None, tray: bool) -> None:
    """Install (and where possible start) the login service; running it twice is harmless.

    The service starts this interpreter on the config, database and PRESENCE_HOME in effect
    here, so `PRESENCE_HOME=~/p presence autostart install` starts a daemon on ~/p. With
    --tray the tray icon starts at login too, on the same paths.

    Example: presence autostart install --tray
    """
    from dataclasses import replace

    from presence import autostart as auto

    obj.config()  # a config with a mistake would make the service fail at every login
    config = obj.config_path or paths.config_file()
    launch = auto.launch_here(config if obj.config_path or config.is_file() else None,
                              obj.db_path, paths.home())
    method = method or auto.default_method()
    outcome = auto.install(method, launch, paths.data_dir() / "presence.log")
    echo(outcome.message)
    _echo_launch(launch)
    if tray:
        echo(auto.install(method, replace(launch, command="tray"),
                          paths.data_dir() / "presence-tray.log").message)


def _echo_launch(launch) -> None:
    from presence import autostart as auto

    echo(f"  interpreter: {launch.interpreter}"
         + ("" if launch.interpreter.exists() else "  (MISSING: reinstall and run "
                  "`presence autostart install` again)"))
    echo(f"  config:      {launch.config or '(the default; none written yet)'}")
    echo(f"  database:    {launch.database}")
    echo(f"  home:        {launch.home or '(none: PRESENCE_HOME was not set)'}")
    checkout = auto.checkout_of(launch.interpreter)
    if checkout is not None:
        echo(f"  note: this runs presence from the checkout {checkout}; if that folder "
                   "is moved or deleted, presence stops starting at login (install it for "
                   f"good, e.g. `pipx install {checkout}`, and run this again)")


@autostart.command("uninstall")
@METHOD
@click.pass_obj
def autostart_uninstall(obj: Context, method: str | None) -> None:
    """Stop and remove exactly what `install` wrote.

    Example: presence autostart uninstall
    """
    from presence import autostart as auto

    method = method or auto.default_method()
    echo(auto.uninstall(method).message)
    if auto.installed(method, "tray") is not None:
        echo(auto.uninstall(method, "tray").message)


@autostart.command("status")
@click.pass_obj
def autostart_status(obj: Context) -> None:
    """Say which login services are installed, what they start, and whether the daemon runs.

    Example: presence autostart status
    """
    from presence import autostart as auto
    from presence.lock import running_pid

    found = [(m, c, p) for m in auto.METHODS for c in auto.SERVICES
             if (p := auto.installed(m, c)) is not None]
    for method, command, path in found:
        echo(f"installed ({method}{', tray' if command == 'tray' else ''}): {path}")
        launch = auto.describe(method, command)
        if launch is not None:
            _echo_launch(launch)
            if launch.database != obj.db_path.expanduser().absolute():
                echo(f"  note: here the database is {obj.db_path}; to start that one "
                           "at login, run `presence autostart install` here")
    if not found:
        echo("not installed (set it up: presence autostart install)")
    pid = running_pid(obj.db_path)
    echo(f"daemon running (pid {pid})" if pid else "daemon not running")
