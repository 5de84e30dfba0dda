"""`presence run`: the daemon in the foreground, for the quick entry and the click command.

The daemon lives for days, and click with what it imports (about 1.3 MB resident, a tenth of
what the daemon needs to sample) would stay in its memory all that time for a command line
read once. So the quick entry (`cli/entry.py`) reads `presence run`'s few options itself and
calls `run` here, as the click command in `cli/daemon.py` does (issue 18: a quiet daemon).
"""

from __future__ import annotations

from presence.cli.common import Context


def run(obj: Context, interval: float | None, probe: str | None, dry_run: bool) -> int:
    """`presence run [--interval S] [--probe P] [--dry-run]`: sample until SIGTERM or Ctrl-C;
    returns the exit code."""
    from presence import paths
    from presence.logsetup import setup_logging
    from presence.service import run_daemon

    setup_logging(max(obj.verbose, 1), None if dry_run else paths.data_dir() / "presence.log")
    return run_daemon(obj.config_path, obj.db_path, interval=interval, probe=probe,
                      dry_run=dry_run)
