"""``pipelex doctor``: what is configured, what works, and what needs the user's action.

Exit 1 only for what the user must fix: invalid config files, an unusable cache, the Gateway
on with no usable cache and the remote unreachable, terms not accepted. An unreachable remote
with a usable cache is reported, exit 0: that is exactly what the cache is for.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from pipelex_core.cli.output import CliState, Outcome, run_command
from pipelex_core.errors import ConfigurationError, PipelexError
from pipelex_core.hookspecs import hookimpl
from pipelex_core.kit import home_or_kit
from pipelex_core.plugins import Plugins
from pipelex_core.settings import (
    BACKENDS_FILE,
    GATEWAY_BACKEND,
    SERVICE_FILE,
    Settings,
    home_from_env,
)

if TYPE_CHECKING:
    from pipelex_core.config_source import CacheState
    from pipelex_core.models.routing import Routing

#: doctor's reachability probe never waits longer than this.
PROBE_DEADLINE = 5.0


class DoctorFoundProblemsError(PipelexError):
    """``doctor`` found something that needs the user's action."""

    domain = "doctor"
    is_verdict = True

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            (
                "1 problem needs your action: "
                if len(problems) == 1
                else f"{len(problems)} problems need your action: "
            )
            + "; ".join(problems),
            "Fix each problem as the report says, then run `pipelex doctor` again.",
        )
        self.problems = problems

    def details(self) -> dict[str, object]:
        return {"problems": self.problems}


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.add_command(doctor)


@click.command(short_help="Check config, Gateway, cache and plugins.")
@click.pass_obj
def doctor(state: CliState) -> int:
    """Gateway state, reachability, cache, telemetry, backends and plugins."""
    return run_command(state, "doctor", lambda: _doctor(state))


def _doctor(state: CliState) -> Outcome:
    from pipelex_core.config_source import inspect_cache
    from pipelex_core.models.routing import ROUTING_FILE, Routing

    problems: list[str] = []
    try:
        home = home_from_env(os.environ)
    except ConfigurationError as exc:
        return _finish(
            {"home": str(exc.path), "config_files": [], "settings_error": exc.message},
            [exc.message],
        )
    files, loaded = _config_files(home, problems)
    report: dict[str, Any] = {"home": str(home), "platform": _platform(), "config_files": files}
    try:
        settings = Settings.load()
    except PipelexError as exc:
        problems.append(exc.message)
        report["settings_error"] = exc.message
        return _finish(report, problems)
    routing = loaded.get(ROUTING_FILE)
    if isinstance(routing, Routing):
        entry = next(entry for entry in files if entry["file"] == ROUTING_FILE)
        _routes_to_undefined_backends(routing, settings, entry, problems)
    _disabled_names_that_match_nothing(settings, problems)
    _writable_by_everyone(settings, problems)
    plugins = state.booted_plugins()
    cache = inspect_cache(plugins, settings)
    report["cache"] = cache.report()
    if cache.problem is not None:
        problems.append(cache.describe())
    report["gateway"] = _gateway(plugins, settings, cache, problems)
    report["telemetry"] = _telemetry(plugins, settings, report["gateway"]["reachable"], cache)
    report["byok_backends"] = _byok(settings, problems)
    report["plugins"] = [
        {**attrs.asdict(info), "hooks": plugins.hooks_of(info.name)} for info in plugins.infos
    ]
    return _finish(report, problems)


def _writable_by_everyone(settings: Settings, problems: list[str]) -> None:
    """The cache is trusted as the Gateway's catalogue: if anyone on the machine may write it
    (or its directory), anyone may plant one. The tool creates both private (0700, 0600)."""
    import stat

    for path, fix in (
        (settings.cache_path.parent, "chmod 700"),
        (settings.cache_path, "chmod 600"),
    ):
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue
        if mode & stat.S_IWOTH:
            problems.append(
                f"{path} is writable by every user ({stat.filemode(mode)}): anyone on this "
                f"machine could plant a catalogue there; run `{fix} {path}`"
            )


def _platform() -> dict[str, Any]:
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


def _disabled_names_that_match_nothing(settings: Settings, problems: list[str]) -> None:
    """A misspelt name in PIPELEX_DISABLE_PLUGINS disables nothing, silently: say so."""
    from pipelex_core.plugins import installed_plugin_names

    installed = installed_plugin_names()
    for name in sorted(set(settings.disabled_plugins) - set(installed)):
        problems.append(
            f"PIPELEX_DISABLE_PLUGINS names {name!r}, which no installed plugin is called, so "
            f"it disables nothing (installed: {', '.join(installed)})"
        )


def _finish(report: dict[str, Any], problems: list[str]) -> Outcome:
    problems = list(dict.fromkeys(problems))  # two checks can meet the same fault: report it once
    report["problems"] = problems
    text = _render(report)
    return Outcome(
        result=report, text=text, problem=DoctorFoundProblemsError(problems) if problems else None
    )


def _config_files(
    home: Path, problems: list[str]
) -> tuple[list[dict[str, Any]], dict[str, object]]:
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
            "origin": _origin(home, name),
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


def _routes_to_undefined_backends(
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


def _origin(home: Path, name: str) -> str:
    if (home / name).exists():
        return "home"
    return "kit default" if home_or_kit(home, name) != home / name else "absent (built-in defaults)"


def _gateway(
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
        gateway["reachable"], gateway["reachability_error"] = _reach(plugins, settings)
    if cache.status is not CacheStatus.USABLE and gateway["reachable"] is not True:
        problems.append(
            "the Gateway is enabled, the remote config is unreachable and there is no usable "
            "cache: run `pipelex init` (or `pipelex cache refresh`) while online, or use BYOK"
        )
    return gateway


def _reach(plugins: Plugins, settings: Settings) -> tuple[bool, str | None]:
    """One short fetch, through the fetcher plugins as a run would make it."""
    probe = attrs.evolve(settings, fetch_deadline=min(settings.fetch_deadline, PROBE_DEADLINE))
    try:
        fetched = plugins.fetch_config(url=settings.remote_config_url, settings=probe, etag=None)
    except PipelexError as exc:
        return False, exc.message
    if fetched is None:
        return False, "no fetcher plugin is loaded"
    return True, None


def _telemetry(
    plugins: Plugins, settings: Settings, reachable: bool | None, cache: CacheState
) -> dict[str, Any]:
    """Whether an inference run right now would send telemetry, as the telemetry plugin rules."""
    from pipelex_core.config_source import expected_source

    source = expected_source(settings, reachable, cache)
    decision = plugins.telemetry_decision(settings=settings, source=source, needs_inference=True)
    return {"enabled": decision.enabled, "reason": decision.reason, "applies_to": "inference runs"}


def _byok(settings: Settings, problems: list[str]) -> list[dict[str, Any]]:
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


def _render(report: dict[str, Any]) -> str:
    from pipelex_core.config_source import describe_age

    lines = [f"PIPELEX_HOME: {report['home']}"]
    for entry in report["config_files"]:
        status = "ok" if entry["valid"] else f"INVALID: {entry['error']}"
        lines.append(f"  {entry['file']}: {entry['origin']}, {status}")
    if "platform" in report:
        system = report["platform"]
        posix = " (POSIX)" if system["posix"] else ""
        lines.append(f"Platform: {system['system']}{posix}: {system['note']}")
    gateway = report.get("gateway")
    if gateway is not None:
        if gateway["enabled"]:
            reach = {True: "reachable", False: "unreachable", None: "not checked"}[
                gateway["reachable"]
            ]
            why = f" ({gateway['reachability_error']})" if gateway["reachability_error"] else ""
            lines.append(f"Gateway: enabled, {gateway['remote_config_url']} {reach}{why}")
        else:
            lines.append("Gateway: disabled (BYOK, no network)")
    cache = report.get("cache")
    if cache is not None:
        if cache["usable"]:
            lines.append(
                f"Cache: {cache['models']} models, cached at {cache['cached_at']} "
                f"({describe_age(cache['age_seconds'])})"
            )
            configured = (gateway or {}).get("remote_config_url")
            if cache["source_url"] and configured and cache["source_url"] != configured:
                lines.append(
                    f"  fetched from {cache['source_url']}, not the configured URL: offline "
                    "runs would use that URL's catalogue (`pipelex cache refresh` online "
                    "replaces it)"
                )
        elif cache["present"]:
            lines.append(f"Cache: UNUSABLE: {cache['reason']}")
        else:
            lines.append(f"Cache: none at {cache['path']}")
    if "telemetry" in report:
        telemetry = report["telemetry"]
        lines.append(
            f"Telemetry: {'on' if telemetry['enabled'] else 'off'} ({telemetry['reason']})"
        )
    for backend in report.get("byok_backends", []):
        if backend["enabled"]:
            if backend["api_key_env"] is None:
                key = "no key needed"
            elif backend["api_key_set"]:
                key = "key set"
            else:
                key = f"{backend['api_key_env']} not set"
            lines.append(f"BYOK {backend['name']}: {backend['models']} models, {key}")
    for plugin in report.get("plugins", []):
        lines.append(f"Plugin {plugin['name']} ({plugin['distribution']} {plugin['version']})")
    if report["problems"]:
        lines.append("Problems:")
        lines += [f"  - {problem}" for problem in report["problems"]]
    else:
        lines.append("No problems found.")
    return "\n".join(lines)
