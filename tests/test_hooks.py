"""One test per hook (its call semantics), and docs/plugins.md checked against the hookspecs."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import re
import warnings
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import click
import pytest

from pipelex_core import (
    CachedConfig,
    FetchedConfig,
    PipelexError,
    Plugins,
    RemoteConfigCacheWriteWarning,
    RemoteConfigSource,
    Settings,
    TelemetryDecision,
    hookimpl,
    setup,
)
from pipelex_core import hookspecs as hookspecs_module
from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from tests.stored_cache import write_pipelex_cache

DOCS = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
TESTS = Path(__file__).resolve().parent


def hookspecs() -> dict[str, list[str]]:
    plugins = Plugins.boot(load_entry_points=False)
    specs: dict[str, list[str]] = {}
    for name in dir(plugins.manager.hook):
        caller = getattr(plugins.manager.hook, name)
        if name.startswith("_") or not hasattr(caller, "spec") or caller.spec is None:
            continue
        specs[name] = list(inspect.signature(getattr(hookspecs_module, name)).parameters)
    return specs


def test_every_hook_and_argument_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    documented = dict(re.findall(r"^### `(\w+)\(([^)]*)\)`", text, flags=re.MULTILINE))
    specs = hookspecs()
    assert set(documented) == set(specs)
    for name, args in specs.items():
        assert [a.strip() for a in documented[name].split(",") if a.strip()] == args, name


def test_every_hook_has_a_test_of_its_own() -> None:
    names: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    missing = [hook for hook in hookspecs() if f"test_hook_{hook}" not in names]
    assert missing == []


@pytest.fixture
def gateway_settings(home: Path, server: ConfigServer) -> Callable[..., Settings]:
    def make(url: str | None = None, **overrides: Any) -> Settings:
        return Settings(
            home=home, gateway_enabled=True, remote_config_url=url or server.url, **overrides
        )

    return make


def test_hook_fetch_config(
    gateway_settings: Callable[..., Settings], sample_payload: dict[str, Any]
) -> None:
    seen: list[tuple[str, str | None, float]] = []

    class Passing:
        @hookimpl
        def fetch_config(self, url: str, settings: Settings, etag: str | None) -> None:
            seen.append((url, etag, settings.fetch_deadline))

    class Answering:
        @hookimpl
        def fetch_config(self, url: str) -> FetchedConfig:
            return FetchedConfig(payload=sample_payload, etag="mine")

    settings = gateway_settings()
    runtime = setup(
        needs_model_specs=True,
        settings=settings,
        plugins=Plugins.boot(extra_plugins=[Answering(), Passing()]),
    )
    assert runtime.source is RemoteConfigSource.FRESH
    assert seen == [(settings.remote_config_url, None, settings.fetch_deadline)]
    cached = Plugins.boot().load_cached_config(settings=settings)
    assert cached is not None
    assert cached.etag == "mine"


def test_hook_store_config(gateway_settings: Callable[..., Settings]) -> None:
    stored: list[str | None] = []

    class Mirror:
        @hookimpl
        def store_config(self, fetched: FetchedConfig) -> None:
            stored.append(fetched.etag)

    class Failing:
        @hookimpl
        def store_config(self) -> None:
            raise PipelexError("disk says no", "a hint the warning leaves out")

    class Crashing:
        @hookimpl
        def store_config(self) -> None:
            raise ValueError("a bug in a plugin")

    failing, crashing = Failing(), Crashing()
    plugins = Plugins.boot(extra_plugins=[Mirror(), failing, crashing])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runtime = setup(needs_model_specs=True, settings=gateway_settings(), plugins=plugins)
    assert runtime.source is RemoteConfigSource.FRESH
    assert stored == ['"sample-v1"']
    # a PipelexError says its message; anything else says what it is
    assert sorted(str(w.message) for w in caught) == sorted(
        f"Fetched a fresh remote config but could not cache it ({name}): {detail}"
        for name, detail in (
            (plugins.manager.get_name(failing), "disk says no"),
            (plugins.manager.get_name(crashing), "ValueError: a bug in a plugin"),
        )
    )
    assert all(w.category is RemoteConfigCacheWriteWarning for w in caught)


def test_a_304_from_a_fetcher_that_names_no_url_is_stored_as_the_configured_url_s(
    gateway_settings: Callable[..., Settings], home: Path, sample_payload: dict[str, Any]
) -> None:
    """A third-party fetcher may answer "not modified" without saying from where, over a cache
    that says nothing of its URL either (Pipelex's): the cache is then the configured URL's."""
    from tests.stored_cache import stored_cache

    class NotModified:
        @hookimpl
        def fetch_config(self) -> FetchedConfig:
            return FetchedConfig(payload={}, not_modified=True)

    told: list[str | None] = []

    class Recorder:
        @hookimpl
        def store_config(self, fetched: FetchedConfig) -> None:
            told.append(fetched.source_url)

    cache = home / "cache" / "remote_config.json"
    write_pipelex_cache(cache, sample_payload)
    settings = gateway_settings("https://config.example/remote.json")
    runtime = setup(
        needs_model_specs=True,
        settings=settings,
        plugins=Plugins.boot(extra_plugins=[NotModified(), Recorder()]),
    )
    assert runtime.source is RemoteConfigSource.FRESH
    assert told == ["https://config.example/remote.json"]  # every store is told the URL
    assert stored_cache(cache)["source_url"] == "https://config.example/remote.json"


def test_a_304_without_an_etag_keeps_the_cached_one(
    gateway_settings: Callable[..., Settings], home: Path, server: ConfigServer
) -> None:
    from tests.stored_cache import stored_cache

    setup(needs_model_specs=True, settings=gateway_settings())  # cached with '"sample-v1"'

    class NotModified:
        @hookimpl
        def fetch_config(self) -> FetchedConfig:
            return FetchedConfig(payload={}, not_modified=True)  # and no ETag of its own

    plugins = Plugins.boot(extra_plugins=[NotModified()])
    runtime = setup(needs_model_specs=True, settings=gateway_settings(), plugins=plugins)
    assert runtime.source is RemoteConfigSource.FRESH
    assert stored_cache(home / "cache" / "remote_config.json")["etag"] == '"sample-v1"'


def test_hook_load_cached_config(
    gateway_settings: Callable[..., Settings], sample_payload: dict[str, Any]
) -> None:
    stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    class Snapshot:
        @hookimpl
        def load_cached_config(self) -> CachedConfig:
            return CachedConfig(payload=sample_payload, cached_at=stamp)

    plugins = Plugins.boot(extra_plugins=[Snapshot()])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        runtime = setup(
            needs_model_specs=True, settings=gateway_settings(closed_port_url()), plugins=plugins
        )
    assert runtime.cached_at == stamp


def test_hook_import_cached_config(home: Path, sample_payload: dict[str, Any]) -> None:
    received: list[dt.datetime] = []

    class Keeper:
        @hookimpl
        def import_cached_config(self, cached: CachedConfig) -> bool:
            received.append(cached.cached_at)
            return True

    stamp = dt.datetime(2026, 2, 2, tzinfo=dt.UTC)
    plugins = Plugins.boot(extra_plugins=[Keeper()])
    cached = CachedConfig(payload=sample_payload, cached_at=stamp)
    assert plugins.import_cached_config(cached=cached, settings=Settings(home=home)) is True
    assert received == [stamp]
    assert not (home / "cache").exists()  # first result won: the built-in did not run


def test_hook_store_cached_config(home: Path, sample_payload: dict[str, Any]) -> None:
    """The deprecated former name of ``import_cached_config``. Renamed hooks keep working for
    one release: the old name loads, is called ahead of the built-in as before, and its
    registration says what to use instead."""
    received: list[dt.datetime] = []

    class OldKeeper:
        @hookimpl
        def store_cached_config(self, cached: CachedConfig) -> bool:
            received.append(cached.cached_at)
            return True

    with pytest.warns(DeprecationWarning, match="renamed import_cached_config"):
        plugins = Plugins.boot(extra_plugins=[OldKeeper()])
    stamp = dt.datetime(2026, 2, 3, tzinfo=dt.UTC)
    cached = CachedConfig(payload=sample_payload, cached_at=stamp)
    assert plugins.import_cached_config(cached=cached, settings=Settings(home=home)) is True
    assert received == [stamp]
    assert not (home / "cache").exists()


def test_hook_clear_cached_config(home: Path) -> None:
    class Extra:
        @hookimpl
        def clear_cached_config(self) -> str:
            return "extra snapshot"

    removed = Plugins.boot(extra_plugins=[Extra()]).clear_cached_config(
        settings=Settings(home=home)
    )
    assert removed == ["extra snapshot"]


def test_hook_on_stale_config(
    gateway_settings: Callable[..., Settings], server: ConfigServer
) -> None:
    calls: list[RemoteConfigSource] = []

    class Listener:
        @hookimpl
        def on_stale_config(self, result: Any) -> None:
            calls.append(result.source)

    plugins = Plugins.boot(extra_plugins=[Listener()])
    setup(needs_model_specs=True, settings=gateway_settings(), plugins=plugins)
    assert calls == []
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        setup(needs_model_specs=True, settings=gateway_settings(closed_port_url()), plugins=plugins)
    assert calls == [RemoteConfigSource.CACHED]


def test_a_stale_result_says_whose_cache_it_is_only_when_another_url_s(
    gateway_settings: Callable[..., Settings], server: ConfigServer, home: Path
) -> None:
    seen: list[str | None] = []

    class Listener:
        @hookimpl
        def on_stale_config(self, result: Any) -> None:
            seen.append(result.cached_from)

    plugins = Plugins.boot(extra_plugins=[Listener()])
    setup(needs_model_specs=True, settings=gateway_settings(), plugins=plugins)

    def fall_back(url: str | None = None) -> str:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            setup(needs_model_specs=True, settings=gateway_settings(url), plugins=plugins)
        [warning] = [w for w in caught if "Using the cached" in str(w.message)]
        return str(warning.message)

    moved = fall_back(closed_port_url())  # the cache is the configured URL's no longer
    assert seen == [server.url]
    assert f"the cache came from {server.url}" in moved
    server.serve_reply(Reply(status=500))  # the same URL, failing: the cache is its own
    assert "came from" not in fall_back()
    assert seen == [server.url, None]
    cache = home / "cache" / "remote_config.json"
    write_pipelex_cache(cache, json.loads(cache.read_bytes())["raw_config"])
    pipelex_s = fall_back()  # Pipelex's file says nothing of its URL: no "came from None"
    assert "came from" not in pipelex_s
    assert "the cache is one Pipelex wrote" in pipelex_s
    assert seen == [server.url, None, None]


def test_a_cached_payload_failing_the_schema_names_its_first_three_problems(
    gateway_settings: Callable[..., Settings], home: Path
) -> None:
    from pipelex_core import RemoteConfigUnavailableError

    cache = home / "cache" / "remote_config.json"
    broken = {"posthog": 1, "aws_region": 2, "backend_model_specs": {"a": 1, "b": 2}}
    write_pipelex_cache(cache, broken)
    with pytest.raises(RemoteConfigUnavailableError) as raised:
        setup(needs_model_specs=True, settings=gateway_settings(closed_port_url()))
    reason = str(raised.value.cache_error)
    problems = reason.partition("(")[2].rpartition(")")[0].split("; ")
    assert len(problems) == 3, problems


def test_hook_telemetry_decision(home: Path) -> None:
    class Always:
        @hookimpl
        def telemetry_decision(self, needs_inference: bool) -> TelemetryDecision:
            return TelemetryDecision(needs_inference, "a third party's rule")

    runtime = setup(
        needs_inference=True,
        settings=Settings(home=home),
        plugins=Plugins.boot(extra_plugins=[Always()], disabled={"pipelex_telemetry"}),
    )
    assert runtime.telemetry_enabled is True
    assert runtime.telemetry_reason == "a third party's rule"


def test_hook_on_runtime_ready(home: Path) -> None:
    seen: list[tuple[Any, Any, Any]] = []

    class Listener:
        @hookimpl
        def on_runtime_ready(self, result: Any, settings: Any, telemetry: Any) -> None:
            seen.append((result, settings, telemetry))

    settings = Settings(home=home)
    runtime = setup(settings=settings, plugins=Plugins.boot(extra_plugins=[Listener()]))
    assert seen == [
        (
            None,
            settings,
            TelemetryDecision(False, "the Gateway is disabled: BYOK runs send nothing"),
        )
    ]
    assert runtime.telemetry_reason == seen[0][2].reason


def test_hook_on_runtime_ready_hands_the_gateway_result(
    gateway_settings: Callable[..., Settings],
) -> None:
    seen: list[Any] = []

    class Listener:
        @hookimpl
        def on_runtime_ready(self, result: Any) -> None:
            seen.append(result)

    runtime = setup(
        needs_model_specs=True,
        settings=gateway_settings(),
        plugins=Plugins.boot(extra_plugins=[Listener()]),
    )
    assert seen == [runtime.result]
    assert seen[0].source is RemoteConfigSource.FRESH


def test_a_plugin_still_asking_for_the_runtime_loads_runs_and_is_warned(home: Path) -> None:
    """The old signature keeps working for one release, with a DeprecationWarning naming
    the arguments to take instead."""
    seen: list[Any] = []

    class OldStyle:
        @hookimpl
        def on_runtime_ready(self, runtime: Any) -> None:
            seen.append(runtime)

    with pytest.warns(DeprecationWarning, match=r"take `result`, `settings` and `telemetry`"):
        plugins = Plugins.boot(extra_plugins=[OldStyle()])
    runtime = setup(settings=Settings(home=home), plugins=plugins)
    assert seen == [runtime]


def test_hook_validate_models(gateway_settings: Callable[..., Settings]) -> None:
    seen: list[tuple[tuple[str, ...], RemoteConfigSource]] = []

    class Recorder:
        @hookimpl
        def validate_models(self, handles: Any, source: RemoteConfigSource) -> None:
            seen.append((tuple(handles), source))

    setup(
        needs_model_specs=True,
        settings=gateway_settings(),
        plugins=Plugins.boot(extra_plugins=[Recorder()]),
    )
    assert seen == [
        (
            ("gpt-5.6-terra", "gpt-image-2", "mistral-ocr", "linkup-standard"),
            RemoteConfigSource.FRESH,
        )
    ]


def test_hook_register_commands() -> None:
    group = click.Group("pipelex")

    class Adds:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            cli.add_command(click.Command("hello"))

    Plugins.boot(extra_plugins=[Adds()]).register_commands(cli=group)
    assert set(group.commands) >= {"hello", "dev"}  # the docgen plugin's group too


def test_store_config_wrappers_run_around_each_store(
    gateway_settings: Callable[..., Settings],
) -> None:
    """Stores are called through pluggy, so a wrapper (tracing, monitoring) sees each one, and
    one failing store still leaves the others to run."""
    seen: list[str] = []

    class Tracer:
        @hookimpl(wrapper=True)
        def store_config(self) -> Generator[None, None, None]:
            seen.append("before")
            try:
                yield
            finally:
                seen.append("after")

    class Mirror:
        @hookimpl
        def store_config(self, fetched: FetchedConfig) -> None:
            seen.append(f"mirror {fetched.etag}")

    class Failing:
        @hookimpl
        def store_config(self) -> None:
            raise PipelexError("disk says no")

    plugins = Plugins.boot(extra_plugins=[Tracer(), Mirror(), Failing()])
    with pytest.warns(RemoteConfigCacheWriteWarning, match="disk says no"):
        setup(needs_model_specs=True, settings=gateway_settings(), plugins=plugins)
    stores = plugins.manager.hook.store_config.get_hookimpls()
    assert len([impl for impl in stores if not impl.wrapper]) == 3  # file cache, mirror, failing
    assert seen.count("before") == seen.count("after") == 3
    assert '"sample-v1"' in " ".join(seen)
