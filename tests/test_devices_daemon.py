"""The daemon writes its snapshot: right away, every `every_minutes`, at shutdown; never on
the sampling path; not at all with `folder = ""`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from desktop_helpers import wait_for

from presence.daemon import Daemon
from presence.devices.snapshot import SnapshotWriter, snapshot_name
from presence.store import Store
from presence.store.peers import PeerSnapshot
from tests.support import ScriptedProbe, Scripted, load_config


def env_for(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESENCE_")}
    env["PRESENCE_HOME"] = str(home)
    return env


def test_the_daemon_snapshots_at_start_and_at_shutdown(tmp_path):
    folder = tmp_path / "sync"
    (tmp_path / "config.toml").write_text(
        f'[devices]\nfolder = "{folder}"\nname = "desk"\n[daemon]\nflush_seconds = 1\n')
    proc = subprocess.Popen([sys.executable, "-m", "presence", "run", "--probe", "psutil",
                             "--interval", "0.2"], env=env_for(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        files = wait_for(lambda: [p for p in folder.glob("*.presence.db")] if folder.exists()
                         else [], what="the first snapshot", timeout=30)
        first = PeerSnapshot.open(files[0])
        started = first.info.written_at
        first.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    store = Store.open(tmp_path / "presence.db", create=False)
    me, last = store.this_device(), store.last_span()
    store.close()
    assert files[0].name == snapshot_name(me.id)
    assert os.listdir(folder) == [files[0].name]  # no temp file left, no -wal, no -shm
    final = PeerSnapshot.open(files[0])
    try:
        assert final.info.written_at > started and final.info.name == "desk"
        # the shutdown snapshot holds the span flushed at shutdown, to its end
        assert final.spans(last.start - 1, last.end + 1)[-1] == last
    finally:
        final.close()


def test_an_empty_folder_setting_writes_nothing(tmp_path):
    (tmp_path / "config.toml").write_text('[devices]\nfolder = ""\n')
    cfg = load_config(tmp_path, '[devices]\nfolder = ""\n')
    writer = SnapshotWriter(tmp_path / "presence.db", "00000000000000aa", "x")
    assert not writer.poll(1000.0, cfg, lambda: [])
    writer.finish(1000.0, cfg, [])
    assert writer.last is None and sorted(os.listdir(tmp_path)) == ["config.toml"]


def test_a_hung_disk_never_delays_a_sample(tmp_path):
    # The database path is a FIFO: opening it blocks the snapshot thread, as a hung network
    # disk would, until the test lets it go.
    fifo = tmp_path / "hung.db"
    os.mkfifo(fifo)
    cfg = load_config(tmp_path, f'[devices]\nfolder = "{tmp_path / "sync"}"\n'
                                '[daemon]\ninterval_seconds = 1\n')
    store = Store.open(tmp_path / "presence.db")
    writer = SnapshotWriter(fifo, "00000000000000aa", "x")
    daemon = Daemon(cfg, store, lambda name: ScriptedProbe([Scripted("slack")]), "scripted",
                    device="00000000000000aa", monotonic=lambda: 0.0)
    started = []
    for t in range(1000, 1050):  # the service's on_tick: a sample, then the snapshot poll
        daemon.tick(float(t))
        started.append(writer.poll(float(t), cfg, lambda: []))
    daemon.flush(1049.0)
    assert started.count(True) == 1  # one snapshot under way, never a second
    assert writer._thread.is_alive()  # still stuck on the disk after every sample was taken
    spans = store.spans(0, 5000)
    assert spans[-1].end - spans[0].start == 49  # every sample was stored meanwhile
    with open(fifo, "wb"):
        pass  # let the thread go: it fails cleanly, reports, and a later snapshot may run
    writer._thread.join(10)
    assert writer.error is not None and not writer._thread.is_alive()
    store.close()
