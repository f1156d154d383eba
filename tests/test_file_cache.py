"""The built-in file cache: its two files, atomic writes, unusable caches, locks, modes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelex_core import (
    CachedConfig,
    CacheUnusableError,
    FetchedConfig,
    RemoteConfigCacheWriteWarning,
    Settings,
    encode_envelope,
    payload_sha256,
)
from pipelex_file_cache import load_cached_config, store_config
from pipelex_file_cache.store import CacheWriteError, read_cache, write_cache


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings(home=home, cache_lock_timeout=0.2)


def envelope_of(raw: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    envelope = {
        "cache_schema_version": 1,
        "cached_at": "2026-11-28T09:30:00+00:00",
        "source_url": "https://config.example/remote.json",
        "etag": '"abc"',
        "payload_sha256": payload_sha256(raw),
        "payload": raw,
    }
    envelope.update(overrides)
    return envelope


def test_round_trip_keeps_the_raw_payload(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path
) -> None:
    sample_payload["a_future_field"] = {"nested": [1, 2]}
    store_config(fetched=FetchedConfig(sample_payload, etag='"e1"'), settings=settings)
    loaded = load_cached_config(settings=settings)
    assert loaded is not None
    assert loaded.payload == sample_payload
    assert loaded.etag == '"e1"'
    assert loaded.written_by == "pipelex-core"
    assert loaded.cached_at.tzinfo is not None


def test_the_cache_file_is_in_the_form_pipelex_reads_exactly(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path
) -> None:
    """Pipelex 0.50-0.72 refuse any key but these three: the metadata goes beside the file."""
    sample_payload["aws_region"] = "eu-west-3 (Paris, café)"  # the hash covers UTF-8 bytes
    store_config(fetched=FetchedConfig(sample_payload, etag='"e1"'), settings=settings)
    shared = json.loads(cache_file.read_bytes())
    assert list(shared) == ["schema_version", "cached_at", "raw_config"]
    assert shared["schema_version"] == 1
    assert shared["raw_config"] == sample_payload
    assert dt.datetime.fromisoformat(shared["cached_at"]).utcoffset() == dt.timedelta(0)
    meta = json.loads(Path(f"{cache_file}.meta").read_bytes())
    canonical = json.dumps(
        sample_payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    import hashlib

    assert meta == {
        "meta_schema_version": 1,
        "cached_at": shared["cached_at"],
        "payload_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "etag": '"e1"',
        "source_url": settings.remote_config_url,
    }
    assert stat.S_IMODE(Path(f"{cache_file}.meta").stat().st_mode) == 0o600


def pipelex_rewrites(cache_file: Path, payload: dict[str, Any]) -> bytes:
    """What Pipelex does on its own fresh fetch: the whole file, in its form, a new time."""
    data = json.dumps(
        {"schema_version": 1, "cached_at": "2026-11-28T10:00:00.123456Z", "raw_config": payload},
        indent=2,
    ).encode()
    cache_file.write_bytes(data)
    return data


def test_after_pipelex_rewrites_the_file_it_reads_as_pipelex_s_without_our_etag(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path
) -> None:
    store_config(fetched=FetchedConfig({"k": "v"}, etag='"ours"'), settings=settings)
    pipelex_rewrites(cache_file, sample_payload)
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert loaded.payload == sample_payload
    assert loaded.written_by == "Pipelex"
    assert (loaded.etag, loaded.source_url) == (None, None)
    assert loaded.cached_at == dt.datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=dt.UTC)


def test_our_cache_file_reformatted_keeps_its_metadata(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path
) -> None:
    """Pretty-printed by hand (same time, same payload): the hash is checked the slow way,
    by re-serialising the payload, and the ETag comes back."""
    store_config(fetched=FetchedConfig(sample_payload, etag='"e1"'), settings=settings)
    cache_file.write_text(json.dumps(json.loads(cache_file.read_bytes()), indent=4))
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert (loaded.etag, loaded.written_by) == ('"e1"', "pipelex-core")


def test_a_payload_changed_under_our_metadata_is_unusable_and_kept(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path
) -> None:
    store_config(fetched=FetchedConfig(sample_payload), settings=settings)
    tampered = cache_file.read_bytes().replace(b'"us-east-1"', b'"us-east-2"')
    cache_file.write_bytes(tampered)
    with pytest.raises(CacheUnusableError, match="does not match the payload_sha256"):
        read_cache(cache_file)
    assert cache_file.read_bytes() == tampered


@pytest.mark.parametrize("meta", [b"{not json", b"[]", b'{"meta_schema_version": 9}'])
def test_damaged_metadata_costs_the_etag_never_the_cache(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path, meta: bytes
) -> None:
    store_config(fetched=FetchedConfig(sample_payload, etag='"e1"'), settings=settings)
    Path(f"{cache_file}.meta").write_bytes(meta)
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert loaded.payload == sample_payload
    assert (loaded.etag, loaded.written_by) == (None, "Pipelex")


def test_a_directory_at_the_metadata_path_refuses_the_write_and_keeps_the_cache(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path
) -> None:
    store_config(fetched=FetchedConfig(sample_payload, etag='"e1"'), settings=settings)
    before = cache_file.read_bytes()
    Path(f"{cache_file}.meta").unlink()
    Path(f"{cache_file}.meta").mkdir()
    with pytest.raises(CacheWriteError, match="a directory is there"):
        store_config(fetched=FetchedConfig({"k": "v"}), settings=settings)
    assert cache_file.read_bytes() == before
    assert Path(f"{cache_file}.meta").is_dir()


def test_a_pipelex_cache_with_a_time_without_zone_is_read_as_utc(cache_file: Path) -> None:
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(
        b'{"schema_version": 1, "cached_at": "2026-11-20T08:00:00", "raw_config": {}}'
    )
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert loaded.cached_at == dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def test_a_cache_in_the_older_pipelex_core_envelope_still_loads(cache_file: Path) -> None:
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text(json.dumps(envelope_of({"k": "v"})))
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert (loaded.payload, loaded.etag, loaded.written_by) == ({"k": "v"}, '"abc"', "pipelex-core")


@pytest.mark.parametrize("left", ["remote_config.json", "remote_config.json.meta"])
def test_clear_removes_whichever_of_the_two_files_is_left(
    settings: Settings, cache_file: Path, left: str
) -> None:
    """A cache Pipelex wrote has no metadata; metadata alone is a leftover: both are cleared."""
    from pipelex_file_cache import clear_cached_config

    store_config(fetched=FetchedConfig({"k": "v"}), settings=settings)
    for name in ("remote_config.json", "remote_config.json.meta"):
        if name != left:
            (cache_file.parent / name).unlink()
    assert clear_cached_config(settings=settings) == str(cache_file)
    assert sorted(p.name for p in cache_file.parent.iterdir()) == ["remote_config.json.lock"]


def test_clear_refuses_a_directory_at_the_cache_path_and_keeps_it(
    settings: Settings, cache_file: Path
) -> None:
    from pipelex_file_cache import clear_cached_config

    (cache_file / "inside").mkdir(parents=True)
    with pytest.raises(CacheWriteError) as raised:
        clear_cached_config(settings=settings)
    assert raised.value.message == f"Could not remove the cache {cache_file}: Is a directory."
    assert (cache_file / "inside").is_dir()


def test_metadata_larger_than_its_bound_is_ignored(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path
) -> None:
    bound = 64 * 1024  # the documented bound, not the module's constant (which may be wrong)
    store_config(fetched=FetchedConfig(sample_payload, etag='"e1"'), settings=settings)
    meta_file = Path(f"{cache_file}.meta")
    meta = meta_file.read_bytes().rstrip()
    for size, etag in ((bound, '"e1"'), (bound + 1, None)):
        meta_file.write_bytes(meta + b" " * (size - len(meta)))
        loaded = read_cache(cache_file)
        assert loaded is not None
        assert loaded.etag == etag, size


def test_the_written_payload_is_hashed_from_its_bytes_without_parsing(
    sample_payload: dict[str, Any],
) -> None:
    """Both layouts put the canonical payload last, so its hash comes from the bytes as they
    stand; any other layout gets None (and the caller re-serialises, slower, never wrong)."""
    import hashlib

    from pipelex_core.cache_envelope import (
        _HEADER_KEYS,
        _SHARED_HEADER_KEYS,
        PAYLOAD_MARKER,
        SHARED_MARKER,
        _written_payload_sha256,
        canonical_payload,
        encode_shared,
    )

    cached = CachedConfig(payload=sample_payload, cached_at=dt.datetime.now(dt.UTC))
    expected = hashlib.sha256(canonical_payload(sample_payload)).hexdigest()
    shared, _ = encode_shared(cached)
    assert _written_payload_sha256(shared, SHARED_MARKER, _SHARED_HEADER_KEYS) == expected
    envelope = encode_envelope(cached)
    assert _written_payload_sha256(envelope, PAYLOAD_MARKER, _HEADER_KEYS) == expected
    indented = json.dumps(json.loads(shared), indent=2).encode()
    assert _written_payload_sha256(indented, SHARED_MARKER, _SHARED_HEADER_KEYS) is None
    # the marker's first occurrence inside a nested value: the bytes before it do not parse
    nested = b'{"raw_config": {"k": 1, "raw_config": 2}, "schema_version": 1, "cached_at": "x"}'
    assert _written_payload_sha256(nested, SHARED_MARKER, _SHARED_HEADER_KEYS) is None
    # our keys in another order: the bytes before the marker parse, but as another header
    shared_dict = json.loads(shared)
    reordered = json.dumps(
        {"cached_at": shared_dict["cached_at"], "raw_config": sample_payload, "schema_version": 1}
    ).encode()
    assert SHARED_MARKER in reordered
    assert _written_payload_sha256(reordered, SHARED_MARKER, _SHARED_HEADER_KEYS) is None
    assert _written_payload_sha256(shared + b"\n", SHARED_MARKER, _SHARED_HEADER_KEYS) is None


def test_clear_removes_the_metadata_too(settings: Settings, cache_file: Path) -> None:
    from pipelex_file_cache import clear_cached_config

    store_config(fetched=FetchedConfig({"k": "v"}), settings=settings)
    assert clear_cached_config(settings=settings) == str(cache_file)
    assert not cache_file.exists()
    assert not Path(f"{cache_file}.meta").exists()


def test_files_are_private(settings: Settings, cache_file: Path) -> None:
    store_config(fetched=FetchedConfig({"k": "v"}), settings=settings)
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_file.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(f"{cache_file}.lock").stat().st_mode) == 0o600


def test_no_cache_is_none(settings: Settings) -> None:
    assert load_cached_config(settings=settings) is None


def test_cached_at_is_kept(cache_file: Path) -> None:
    payload = {"k": "v"}
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text(json.dumps(envelope_of(payload)))
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert loaded.cached_at == dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
    assert loaded.source_url == "https://config.example/remote.json"


UNUSABLE = {
    "corrupt": (b"\x00\x01garbage", "not valid JSON"),
    "truncated": (json.dumps(envelope_of({"k": "v"})).encode()[:40], "not valid JSON"),
    "not-an-object": (b"[1, 2]", "not a JSON object"),
    "wrong-version": (
        json.dumps(envelope_of({"k": "v"}, cache_schema_version=2)).encode(),
        "cache_schema_version 2",
    ),
    "hash-mismatch": (
        json.dumps(envelope_of({"k": "v"}, payload_sha256="0" * 64)).encode(),
        "does not match",
    ),
    "payload-not-object": (
        json.dumps(envelope_of({"k": "v"}, payload=[1])).encode(),
        "payload is missing or not a JSON object",
    ),
    "naive-time": (
        json.dumps(envelope_of({"k": "v"}, cached_at="2026-11-28T09:30:00")).encode(),
        "has no time zone",
    ),
    "not-a-time": (
        json.dumps(envelope_of({"k": "v"}, cached_at="yesterday")).encode(),
        "its cached_at 'yesterday' is not an ISO 8601 time",
    ),
    "neither-layout": (b'{"payload": {"k": "v"}}', "cache_schema_version None"),
    "etag-not-a-string": (
        json.dumps(envelope_of({"k": "v"}, etag=5)).encode(),
        "its etag or source_url is not a string",
    ),
    "source-url-not-a-string": (
        json.dumps(envelope_of({"k": "v"}, source_url=["x"])).encode(),
        "its etag or source_url is not a string",
    ),
    "pipelex-form-time-not-a-string": (
        b'{"schema_version": 1, "cached_at": 5, "raw_config": {}}',
        "its cached_at is missing",
    ),
    "pipelex-form-time-not-a-time": (
        b'{"schema_version": 1, "cached_at": "soon", "raw_config": {}}',
        "its cached_at 'soon' is not an ISO 8601 time",
    ),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE))
def test_unusable_cache_reports_reason_and_is_kept(case: str, cache_file: Path) -> None:
    data, reason = UNUSABLE[case]
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(data)
    with pytest.raises(CacheUnusableError) as raised:
        read_cache(cache_file)
    assert reason in raised.value.reason
    assert raised.value.path == cache_file
    assert cache_file.read_bytes() == data


def test_symlinked_cache_is_not_followed(tmp_path: Path, cache_file: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps(envelope_of({"k": "v"})))
    cache_file.parent.mkdir(parents=True)
    cache_file.symlink_to(target)
    with pytest.raises(CacheUnusableError, match="symbolic link"):
        read_cache(cache_file)


def test_write_replaces_a_planted_symlink_without_touching_its_target(
    tmp_path: Path, settings: Settings, cache_file: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    cache_file.parent.mkdir(parents=True)
    cache_file.symlink_to(victim)
    store_config(fetched=FetchedConfig({"k": "v"}), settings=settings)
    assert victim.read_bytes() == b"precious"
    assert not cache_file.is_symlink()
    assert read_cache(cache_file) is not None


FAILING_WRITE = textwrap.dedent(
    """
    import datetime as dt, resource, signal, sys
    from pathlib import Path
    from pipelex_core import CachedConfig
    from pipelex_file_cache.store import CacheWriteError, write_cache
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    big = CachedConfig(payload={"blob": "x" * (limit * 4)}, cached_at=dt.datetime.now(dt.UTC))
    try:
        write_cache(Path(sys.argv[1]), big, lock_timeout=1)
    except CacheWriteError as exc:
        print(exc.message)
        sys.exit(0)
    sys.exit("the write unexpectedly succeeded")
    """
)


def test_a_write_failing_midway_keeps_the_old_file_and_leaves_no_temp(
    settings: Settings, cache_file: Path
) -> None:
    store_config(fetched=FetchedConfig({"k": "old"}), settings=settings)
    before = cache_file.read_bytes()
    completed = subprocess.run(
        [sys.executable, "-c", FAILING_WRITE, str(cache_file), "65536"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (
        f"Could not write the cache {cache_file}: File too large; the previous cache is intact.\n"
    )
    assert cache_file.read_bytes() == before
    assert sorted(p.name for p in cache_file.parent.iterdir()) == [
        "remote_config.json",
        "remote_config.json.lock",
        "remote_config.json.meta",
    ]
    # The metadata (written first) went through and no longer matches: the old cache still
    # loads, whole, only without its ETag.
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert (loaded.payload, loaded.etag) == ({"k": "old"}, None)


HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from filelock import FileLock
    with FileLock(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.read()
    """
)


@contextlib.contextmanager
def lock_held_by_another_process(cache_file: Path) -> Iterator[None]:
    """A real second process holding the cache's filelock until the block ends."""
    cache_file.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, f"{cache_file}.lock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        yield
    finally:
        holder.communicate("", timeout=30)


def test_lock_held_elsewhere_times_out_and_the_run_goes_on(
    settings: Settings, cache_file: Path, sample_payload: dict[str, Any]
) -> None:
    with lock_held_by_another_process(cache_file):
        with pytest.raises(CacheWriteError, match="held the cache lock"):
            write_cache(
                cache_file,
                CachedConfig(payload={"k": "v"}, cached_at=dt.datetime.now(dt.UTC)),
                lock_timeout=0.2,
            )
        assert not cache_file.exists()


def test_setup_warns_when_fresh_data_cannot_be_cached(
    server: Any, home: Path, cache_file: Path
) -> None:
    from pipelex_core import RemoteConfigSource, setup

    with lock_held_by_another_process(cache_file):
        settings = Settings.load(
            {
                "PIPELEX_HOME": str(home),
                "PIPELEX_GATEWAY": "1",
                "PIPELEX_REMOTE_CONFIG_URL": server.url,
                "PIPELEX_CACHE_LOCK_TIMEOUT": "0.2",
            }
        )
        with pytest.warns(RemoteConfigCacheWriteWarning, match="could not cache it"):
            runtime = setup(needs_model_specs=True, settings=settings)
        assert runtime.source is RemoteConfigSource.FRESH
        assert not cache_file.exists()


def test_stale_lock_file_of_a_dead_process_does_not_block(
    settings: Settings, cache_file: Path
) -> None:
    cache_file.parent.mkdir(parents=True, mode=0o700)
    subprocess.run(
        [sys.executable, "-c", HOLD_LOCK, f"{cache_file}.lock"], input="", text=True, check=True
    )
    assert Path(f"{cache_file}.lock").exists()
    store_config(fetched=FetchedConfig({"k": "v"}), settings=settings)
    assert read_cache(cache_file) is not None


def test_unwritable_cache_dir_is_a_write_error_not_a_crash(
    settings: Settings, cache_file: Path
) -> None:
    if os.geteuid() == 0:
        # root ignores directory permissions; a file in the way of the directory fails for all
        cache_file.parent.parent.mkdir(parents=True, exist_ok=True)
        cache_file.parent.write_bytes(b"not a directory")
    else:
        cache_file.parent.mkdir(parents=True, mode=0o500)
    with pytest.raises(CacheWriteError, match="Could not write the cache"):
        write_cache(
            cache_file,
            CachedConfig(payload={"k": "v"}, cached_at=dt.datetime.now(dt.UTC)),
            lock_timeout=0.2,
        )


def test_envelope_encoding_is_what_decode_reads(sample_payload: dict[str, Any]) -> None:
    from pipelex_core import decode_envelope

    cached = CachedConfig(
        payload=sample_payload,
        cached_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        etag=None,
        source_url=None,
    )
    decoded = decode_envelope(encode_envelope(cached))
    assert decoded.payload == sample_payload
    assert decoded.cached_at == cached.cached_at
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert decoded.etag is None


def test_envelope_layout_puts_the_canonical_payload_last(sample_payload: dict[str, Any]) -> None:
    from pipelex_core.cache_envelope import canonical_payload

    data = encode_envelope(CachedConfig(payload=sample_payload, cached_at=dt.datetime.now(dt.UTC)))
    assert data.endswith(b', "payload": ' + canonical_payload(sample_payload) + b"}")
    assert list(json.loads(data))[-1] == "payload"


def test_a_foreign_layout_with_a_valid_hash_still_loads(
    sample_payload: dict[str, Any], cache_file: Path
) -> None:
    """A file written by another tool (indented, keys in another order) is checked the slow
    way, by re-serialising the payload, and loads."""
    envelope = envelope_of(sample_payload)
    foreign = {"payload": envelope.pop("payload"), **envelope}
    cache_file.parent.mkdir(parents=True)
    cache_file.write_text(json.dumps(foreign, indent=4))
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert loaded.payload == sample_payload


def test_a_tampered_payload_fails_the_fast_hash_and_the_slow_one(
    sample_payload: dict[str, Any], cache_file: Path
) -> None:
    data = encode_envelope(CachedConfig(payload=sample_payload, cached_at=dt.datetime.now(dt.UTC)))
    tampered = data.replace(b'"aws_region":"us-east-1"', b'"aws_region":"us-east-2"')
    assert tampered != data
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(tampered)
    with pytest.raises(CacheUnusableError, match="does not match"):
        read_cache(cache_file)


def test_a_cache_over_its_bound_is_unusable_and_one_at_it_loads(cache_file: Path) -> None:
    """64 MiB, the documented bound: the file at the bound loads, one byte more does not."""
    bound = 64 * 1024 * 1024
    head = b'{"schema_version": 1, "cached_at": "2026-11-20T08:00:00+00:00", "raw_config": {}}'
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(head + b" " * (bound - len(head)))  # JSON allows trailing blanks
    assert read_cache(cache_file) is not None
    cache_file.write_bytes(head + b" " * (bound + 1 - len(head)))
    with pytest.raises(CacheUnusableError, match="larger than"):
        read_cache(cache_file)


def test_a_symlink_at_the_metadata_path_is_not_followed(
    settings: Settings, sample_payload: dict[str, Any], cache_file: Path, tmp_path: Path
) -> None:
    store_config(fetched=FetchedConfig(sample_payload, etag='"e1"'), settings=settings)
    meta = Path(f"{cache_file}.meta")
    planted = tmp_path / "planted.meta"
    planted.write_bytes(meta.read_bytes())
    meta.unlink()
    meta.symlink_to(planted)
    loaded = read_cache(cache_file)
    assert loaded is not None
    assert loaded.etag is None  # the metadata is ignored, never read through the link


def test_clear_creates_its_lock_private_and_gives_up_on_a_held_lock(
    settings: Settings, cache_file: Path
) -> None:
    from pipelex_file_cache import clear_cached_config

    cache_file.parent.mkdir(parents=True, mode=0o700)
    cache_file.write_bytes(b'{"schema_version": 1, "cached_at": "x", "raw_config": {}}')
    assert clear_cached_config(settings=settings) == str(cache_file)
    assert stat.S_IMODE(Path(f"{cache_file}.lock").stat().st_mode) == 0o600
    cache_file.write_bytes(b"{}")
    held = pytest.raises(CacheWriteError, match=r"held the cache lock .*; nothing was removed")
    with lock_held_by_another_process(cache_file), held:
        clear_cached_config(settings=settings)
    assert cache_file.read_bytes() == b"{}"


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root (CAP_MKNOD)")
def test_a_device_at_the_cache_path_is_named_and_left_alone(
    settings: Settings, cache_file: Path
) -> None:
    cache_file.parent.mkdir(parents=True, mode=0o700)
    os.mknod(cache_file, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    with pytest.raises(CacheWriteError, match="a device is there, and it is left as it is"):
        store_config(fetched=FetchedConfig({"k": "v"}), settings=settings)
    assert stat.S_ISCHR(os.lstat(cache_file).st_mode)
