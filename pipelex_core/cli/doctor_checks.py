"""What ``pipelex doctor`` checks, one function per part of the report.

Each check adds the problems it finds (what the user must act on) to ``problems`` and returns
its part of the report; ``cli/doctor.py`` assembles and renders them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from pipelex_core.errors import PipelexError
from pipelex_core.kit import home_or_kit
from pipelex_core.plugins import Plugins
from pipelex_core.settings import BACKENDS_FILE, GATEWAY_BACKEND, SERVICE_FILE, Settings

if TYPE_CHECKING:
    from pipelex_core.config_source import CacheState
    from pipelex_core.models.routing import Routing

#: doctor's reachability probe never waits longer than this.
PROBE_DEADLINE = 5.0


def writable_by_everyone(settings: Settings, problems: list[str]) -> None:
    """The cache is trusted as the Gateway's catalogue: if anyone on the machine may write it,
    its directory, or a file beside it (the cache plugin's metadata), anyone may plant one or
    tamper with what is read with it. The tool creates them all private (0700, 0600)."""
    import stat

    directory = settings.cache_path.parent
    try:
        beside = sorted(p for p in directory.iterdir() if p != settings.cache_path)
    except OSError:
        beside = []
    for path, fix in (
        (directory, "chmod 700"),
        (settings.cache_path, "chmod 600"),
        *((path, "chmod 600") for path in beside),
    ):
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue
        if mode & stat.S_IWOTH and (path == directory or stat.S_ISREG(mode)):
            problems.append(
                f"{path} is writable by every user ({stat.filemode(mode)}): anyone on this "
                f"machine could plant a catalogue there; run `{fix} {path}`"
            )


def platform_report() -> dict[str, Any]:
    """Where the cache's safety rests on POSIX (private modes, opens that refuse symlinks),
    say whether this system gives it: elsewhere those guarantees do not hold."""
    import platform

    posix = os.name == "posix"
    return {
        "system": platform.system() or "unknown",
        "posix": posix,
        "private_cache": posix,
        "note": (
            "the cache is private (0600 files in a 0700 directory) and read without "
            "following symbolic links"
            if posix
            else "not a supported platform: the cache's permission modes and its refusal of "
            "symbolic links rely on POSIX and do not hold here"
        ),
    }


def disabled_names_that_match_nothing(settings: Settings, problems: list[str]) -> None:
    """A misspelt name in PIPELEX_DISABLE_PLUGINS disables nothing, silently: say so."""
    from pipelex_core.plugins import installed_plugin_names

    installed = installed_plugin_names()
    for name in sorted(set(settings.disabled_plugins) - set(installed)):
        problems.append(
            f"PIPELEX_DISABLE_PLUGINS names {name!r}, which no installed plugin is called, so "
            f"it disables nothing (installed: {', '.join(installed)})"
        )


def config_files(home: Path, problems: list[str]) -> tuple[list[dict[str, Any]], dict[str, object]]:
    """Each config file's entry, and what loaded (by file name) for the checks that follow."""
    from pipelex_core.models.deck import Deck
    from pipelex_core.models.routing import ROUTING_FILE, Routing
    from pipelex_core.settings import read_toml

    loaders: dict[str, Callable[[], object]] = {
        BACKENDS_FILE: lambda: read_toml(home_or_kit(home, BACKENDS_FILE)),
        SERVICE_FILE: lambda: read_toml(home / SERVICE_FILE),
        "deck.toml": lambda: Deck.load(home),
        ROUTING_FILE: lambda: Routing.load(home),
    }
    entries = []
    loaded: dict[str, object] = {}
    for name, load in loaders.items():
        path = home / name
        entry: dict[str, Any] = {
            "file": name,
            "path": str(path),
            "origin": origin(home, name),
            "valid": True,
            "error": None,
        }
        try:
            loaded[name] = load()
        except PipelexError as exc:
            entry.update(valid=False, error=exc.message)
            problems.append(exc.message)
        entries.append(entry)
    return entries, loaded


def routes_to_undefined_backends(
    routing: Routing, settings: Settings, entry: dict[str, Any], problems: list[str]
) -> None:
    """A route to a backend that ``backends.toml`` does not define is ignored at run time, like
    one to a disabled backend; doctor names it, because it is almost always a typo."""
    defined = {backend.name for backend in settings.byok_backends} | {GATEWAY_BACKEND}
    found = [
        f"{routing.path}: route {pattern!r} names backend {backend!r}, "
        "which backends.toml does not define"
        for pattern, backend in routing.routes
        if backend not in defined
    ]
    if found:
        problems.extend(found)
        entry.update(valid=False, error="; ".join(found))


def origin(home: Path, name: str) -> str:
    if (home / name).exists():
        return "home"
    return "kit default" if home_or_kit(home, name) != home / name else "absent (built-in defaults)"


def gateway(
    plugins: Plugins, settings: Settings, cache: CacheState, problems: list[str]
) -> dict[str, Any]:
    from pipelex_core.config_source import CacheStatus, url_verdict

    verdict = url_verdict(settings)  # the check every Gateway command makes first, so doctor
    # never clears what they refuse
    gateway: dict[str, Any] = {
        "enabled": settings.gateway_enabled,
        "remote_config_url": verdict.url,
        "terms_accepted": settings.terms_accepted,
        "offline": settings.offline,
        "reachable": None,
        "reachability_error": None,
    }
    if verdict.refusal is not None:
        problems.append(verdict.refusal)
    if not settings.gateway_enabled:
        return gateway
    if not settings.terms_accepted:
        problems.append(
            "the Gateway is enabled but its terms are not accepted (run `pipelex init`)"
        )
    if verdict.refusal is not None:
        gateway["reachability_error"] = verdict.refusal
        return gateway
    if settings.offline:
        gateway["reachability_error"] = "not checked: PIPELEX_OFFLINE=1"
    else:
        gateway["reachable"], gateway["reachability_error"] = reach(plugins, settings)
    if cache.status is not CacheStatus.USABLE and gateway["reachable"] is not True:
        problems.append(
            "the Gateway is enabled, the remote config is unreachable and there is no usable "
            "cache: run `pipelex init` (or `pipelex cache refresh`) while online, or use BYOK"
        )
    return gateway


def reach(plugins: Plugins, settings: Settings) -> tuple[bool, str | None]:
    """One short fetch, through the fetcher plugins as a run would make it."""
    probe = attrs.evolve(settings, fetch_deadline=min(settings.fetch_deadline, PROBE_DEADLINE))
    try:
        fetched = plugins.fetch_config(url=settings.remote_config_url, settings=probe, etag=None)
    except PipelexError as exc:
        return False, exc.message
    if fetched is None:
        return False, "no fetcher plugin is loaded"
    return True, None


def telemetry(
    plugins: Plugins, settings: Settings, reachable: bool | None, cache: CacheState
) -> dict[str, Any]:
    """Whether an inference run right now would send telemetry, as the telemetry plugin rules."""
    from pipelex_core.config_source import expected_source

    source = expected_source(settings, reachable, cache)
    decision = plugins.telemetry_decision(settings=settings, source=source, needs_inference=True)
    return {"enabled": decision.enabled, "reason": decision.reason, "applies_to": "inference runs"}


def byok(settings: Settings, problems: list[str]) -> list[dict[str, Any]]:
    from pipelex_core.models.byok import load_backend

    entries = []
    for backend in settings.byok_backends:
        entry: dict[str, Any] = {
            "name": backend.name,
            "enabled": backend.enabled,
            "api_key_env": backend.api_key_env,
            "api_key_set": bool(backend.api_key_env and os.environ.get(backend.api_key_env)),
            "models": None,
        }
        if backend.enabled:
            try:
                entry["models"] = len(load_backend(settings.home, backend.name).specs)
            except PipelexError as exc:
                problems.append(exc.message)
        entries.append(entry)
    return entries
