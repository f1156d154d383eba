"""Disk and process faults on the cache, injected for real: read-only and full file systems
(small tmpfs mounts when root, permissions otherwise), SIGKILL mid-write, planted symlinks."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex_core import (
    CachedConfig,
    RemoteConfigCacheWriteWarning,
    RemoteConfigSource,
    Settings,
    setup,
)
from pipelex_core.testing.config_server import ConfigServer
from pipelex_file_cache.store import read_cache, write_cache
from tests.stored_cache import CACHE_DIR_FILES

SettingsFactory = Callable[..., Settings]


@contextlib.contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Callable[[], None]]:
    """A real tmpfs of ``size`` at ``path``; yields a function that remounts it read-only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True
    )

    def read_only() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)

    try:
        yield read_only
    finally:
        subprocess.run(["umount", str(path)], check=True)


needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="mounting a tmpfs needs root; run the suite as root (CI does)"
)


def changed(payload: dict[str, Any], padding: int) -> dict[str, Any]:
    return {**payload, "padding": "x" * padding}


@needs_root
def test_read_only_cache_directory(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, Any],
) -> None:
    with small_filesystem(cache_file.parent, "1m") as read_only:
        setup(needs_model_specs=True, settings=make_settings(server.url))
        before = cache_file.read_bytes()
        read_only()
        server.serve(changed(sample_payload, 10), etag='"v2"')
        with pytest.warns(RemoteConfigCacheWriteWarning, match="Read-only file system"):
            runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
        assert runtime.source is RemoteConfigSource.FRESH
        assert cache_file.read_bytes() == before
        assert sorted(p.name for p in cache_file.parent.iterdir()) == CACHE_DIR_FILES


@needs_root
def test_full_disk(
    server: ConfigServer,
    make_settings: SettingsFactory,
    cache_file: Path,
    sample_payload: dict[str, Any],
) -> None:
    with small_filesystem(cache_file.parent, "64k"):
        setup(needs_model_specs=True, settings=make_settings(server.url))
        before = cache_file.read_bytes()
        server.serve(changed(sample_payload, 100_000), etag='"v2"')
        with pytest.warns(RemoteConfigCacheWriteWarning, match="No space left on device"):
            runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
        assert runtime.source is RemoteConfigSource.FRESH
        assert runtime.remote_config is not None
        assert runtime.remote_config.extras["padding"] == "x" * 100_000
        assert cache_file.read_bytes() == before
        assert read_cache(cache_file) is not None
        assert sorted(p.name for p in cache_file.parent.iterdir()) == CACHE_DIR_FILES


WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from pathlib import Path
    from pipelex_core import CachedConfig
    from pipelex_file_cache.store import write_cache
    path = Path(sys.argv[1])
    payloads = [{"generation": g, "blob": str(g) * 4_000_000} for g in (1, 2)]
    round_ = 0
    while True:
        payload = payloads[round_ % 2]
        entry = CachedConfig(payload=payload, cached_at=dt.datetime.now(dt.UTC))
        write_cache(path, entry, lock_timeout=5)
        round_ += 1
        print(round_, flush=True)
    """
)


def test_sigkill_in_the_middle_of_writes_leaves_a_loadable_cache(cache_file: Path) -> None:
    cache_file.parent.mkdir(parents=True, mode=0o700)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(cache_file)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    for _ in range(3):  # three whole writes done; the fourth is under way
        assert writer.stdout.readline().strip()
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL

    cached = read_cache(cache_file)
    assert cached is not None
    assert cached.payload["generation"] in (1, 2)
    # the next write sweeps whatever temp file the killed writer left behind
    write_cache(
        cache_file,
        CachedConfig(payload={"generation": 3}, cached_at=dt.datetime.now(dt.UTC)),
        lock_timeout=5,
    )
    assert sorted(p.name for p in cache_file.parent.iterdir()) == CACHE_DIR_FILES


def test_symlinks_planted_at_temp_paths_are_never_followed(
    tmp_path: Path, cache_file: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    cache_file.parent.mkdir(parents=True, mode=0o700)
    for suffix in ("aaaaaaaa", "bbbbbbbb", "12345678"):
        (cache_file.parent / f".remote_config.json.{suffix}.tmp").symlink_to(victim)
    # and one pointing nowhere: a link is removed whatever it points at
    (cache_file.parent / ".remote_config.json.dangling.tmp").symlink_to(tmp_path / "nowhere")
    write_cache(
        cache_file,
        CachedConfig(payload={"k": "v"}, cached_at=dt.datetime.now(dt.UTC)),
        lock_timeout=5,
    )
    assert victim.read_bytes() == b"precious"
    assert read_cache(cache_file) is not None
    assert sorted(p.name for p in cache_file.parent.iterdir()) == CACHE_DIR_FILES


def test_cache_of_the_wrong_shape_is_unusable_and_kept(
    make_settings: SettingsFactory, cache_file: Path
) -> None:
    from pipelex_core import RemoteConfigUnavailableError, encode_envelope
    from pipelex_core.testing.config_server import closed_port_url

    cache_file.parent.mkdir(parents=True, mode=0o700)
    data = encode_envelope(
        CachedConfig(payload={"backend_model_specs": []}, cached_at=dt.datetime.now(dt.UTC))
    )
    cache_file.write_bytes(data)
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(closed_port_url()))
    assert raised.value.cache_state == "unusable"
    assert "fails the remote-config schema" in raised.value.message
    assert cache_file.read_bytes() == data
    assert json.loads(data)["payload"] == {"backend_model_specs": []}


@needs_root
def test_init_on_a_read_only_home_names_the_file_and_changes_nothing(tmp_path: Path) -> None:
    from tests.cli_runner import Cli

    home = tmp_path / "home"
    with small_filesystem(home, "1m") as read_only:
        (home / "deck.toml").write_text("# mine\n")
        read_only()
        cli = Cli(home=home)
        completed = cli.agent("init", "--byok")
        assert completed.code == 3
        error = completed.envelope["error"]
        assert error["type"] == "ConfigurationError"
        assert error["message"] == (
            f"Cannot write the configuration in {home}: {home / 'backends.toml'}: "
            "Read-only file system."
        )
        assert sorted(p.name for p in home.iterdir()) == ["deck.toml"]
        assert (home / "deck.toml").read_text() == "# mine\n"


def plant(kind: str, path: Path) -> None:
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)


def still_there(kind: str, path: Path) -> bool:
    mode = path.lstat().st_mode
    return stat.S_ISDIR(mode) if kind == "directory" else stat.S_ISFIFO(mode)


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_what_is_not_a_file_at_the_cache_path_is_an_unusable_cache_left_alone(
    kind: str, server: ConfigServer, make_settings: SettingsFactory, cache_file: Path
) -> None:
    """Checked before it is opened (a FIFO never blocks), reported with its reason offline,
    and with the server up the run is fresh and warns that it could not cache."""
    from pipelex_core import RemoteConfigUnavailableError

    plant(kind, cache_file)
    what = "a directory" if kind == "directory" else "a FIFO (named pipe)"
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=make_settings(server.url, PIPELEX_OFFLINE="1"))
    assert raised.value.cache_state == "unusable"
    assert f"is unusable: it is {what}, not a regular file" in raised.value.message
    with pytest.warns(RemoteConfigCacheWriteWarning, match=re.escape(f"{what} is there, and it")):
        runtime = setup(needs_model_specs=True, settings=make_settings(server.url))
    assert runtime.source is RemoteConfigSource.FRESH
    assert still_there(kind, cache_file)
