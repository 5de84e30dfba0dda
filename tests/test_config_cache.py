"""The user's config as parsed before (presence/config_cache.py): every edit is read, nothing
broken is hidden, and the kept copy is the user's alone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from presence import config, paths
from presence.errors import ConfigError
from tests.support import sealed_env, write_config


@pytest.fixture
def data_folder(presence_home: Path) -> Path:
    """presence's data folder, as the daemon or any earlier command leaves it."""
    presence_home.mkdir(mode=0o700)
    return presence_home


def kept() -> Path:
    return paths.cache_dir() / "config.json"


def test_the_parsed_file_is_kept_private_and_used_while_its_text_is_the_same(tmp_path,
                                                                             data_folder):
    path = write_config(tmp_path, 'timezone = "Asia/Tokyo"\n[nudges]\nmax_per_day = 7\n')
    first = config.load(path, required=True)
    assert stat.S_IMODE(kept().stat().st_mode) == 0o600
    assert stat.S_IMODE(kept().parent.stat().st_mode) == 0o700
    again = config.load(path, required=True)
    assert again.data == first.data and str(again.tz) == "Asia/Tokyo"
    assert again.get("nudges.max_per_day") == 7


def test_an_edit_of_the_same_size_is_read_at_once(tmp_path, data_folder):
    path = write_config(tmp_path, 'timezone = "Asia/Tokyo"\n')
    assert str(config.load(path).tz) == "Asia/Tokyo"
    before = path.stat()
    path.write_text('timezone = "Asia/Dhaka"\n', encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same size and time
    assert str(config.load(path).tz) == "Asia/Dhaka"


def test_a_broken_file_is_refused_even_after_a_good_one_was_kept(tmp_path, data_folder):
    path = write_config(tmp_path, 'timezone = "Asia/Tokyo"\n')
    config.load(path)
    path.write_text('timezone = "Asia/Tokyo\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(path)
    path.write_bytes(b'timezone = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(path)


def test_a_wrong_value_is_refused_every_time_not_only_when_parsed(tmp_path, data_folder):
    path = write_config(tmp_path, "[nudges]\nmax_per_day = -3\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match="max_per_day"):
            config.load(path)


def test_a_damaged_or_foreign_copy_only_means_parsing_again(tmp_path, data_folder):
    path = write_config(tmp_path, 'timezone = "Asia/Tokyo"\n')
    config.load(path)
    for damage in ('{"source": "timezone = \\"Asia/Tokyo\\"\\n", "tree": []}', "[1, 2",
                   '{"source": 1}', "\x00" * 10):
        kept().write_text(damage, encoding="utf-8")
        assert str(config.load(path).tz) == "Asia/Tokyo"
    # a copy whose text is not the file's is never believed
    kept().write_text('{"source": "other", "tree": {"timezone": "Asia/Dhaka"}}', "utf-8")
    assert str(config.load(path).tz) == "Asia/Tokyo"


def test_a_file_with_toml_dates_is_parsed_each_time(tmp_path, data_folder):
    # JSON has no dates: such a tree is not kept (config.py refuses the key, every time)
    path = write_config(tmp_path, "[nudges]\nmax_per_day = 1979-05-27\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match="max_per_day"):
            config.load(path)
    assert not kept().exists()


def test_reading_the_config_creates_no_data_folder(tmp_path, presence_home):
    path = write_config(tmp_path, 'timezone = "Asia/Tokyo"\n')
    done = subprocess.run([sys.executable, "-m", "presence", "--config", str(path), "config",
                           "check"], env=sealed_env(presence_home), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not presence_home.exists()


def test_a_file_saved_with_a_byte_order_mark_reads_the_same_both_times(tmp_path, data_folder):
    path = tmp_path / "config.toml"
    path.write_bytes(b'\xef\xbb\xbftimezone = "Asia/Tokyo"\n')
    assert str(config.load(path).tz) == "Asia/Tokyo"
    assert kept().exists()
    assert str(config.load(path).tz) == "Asia/Tokyo"
