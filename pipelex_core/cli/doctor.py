"""``pipelex doctor``: what is configured, what works, and what needs the user's action.

Exit 1 only for what the user must fix: invalid config files, an unusable cache, the Gateway
on with no usable cache and the remote unreachable, terms not accepted. An unreachable remote
with a usable cache is reported, exit 0: that is exactly what the cache is for.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import attrs
import click

from pipelex_core.cli import doctor_checks as checks
from pipelex_core.cli.output import CliState, Outcome, run_command
from pipelex_core.errors import ConfigurationError, PipelexError
from pipelex_core.hookspecs import hookimpl
from pipelex_core.settings import (
    Settings,
    home_from_env,
)

if TYPE_CHECKING:
    pass


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
    files, loaded = checks.config_files(home, problems)
    report: dict[str, Any] = {
        "home": str(home),
        "platform": checks.platform_report(),
        "config_files": files,
    }
    try:
        settings = Settings.load()
    except PipelexError as exc:
        problems.append(exc.message)
        report["settings_error"] = exc.message
        return _finish(report, problems)
    routing = loaded.get(ROUTING_FILE)
    if isinstance(routing, Routing):
        entry = next(entry for entry in files if entry["file"] == ROUTING_FILE)
        checks.routes_to_undefined_backends(routing, settings, entry, problems)
    checks.disabled_names_that_match_nothing(settings, problems)
    checks.writable_by_everyone(settings, problems)
    plugins = state.booted_plugins()
    cache = inspect_cache(plugins, settings)
    report["cache"] = cache.report()
    if cache.problem is not None:
        problems.append(cache.describe())
    report["gateway"] = checks.gateway(plugins, settings, cache, problems)
    report["telemetry"] = checks.telemetry(plugins, settings, report["gateway"]["reachable"], cache)
    report["byok_backends"] = checks.byok(settings, problems)
    report["plugins"] = [
        {**attrs.asdict(info), "hooks": plugins.hooks_of(info.name)} for info in plugins.infos
    ]
    return _finish(report, problems)


def _finish(report: dict[str, Any], problems: list[str]) -> Outcome:
    problems = list(dict.fromkeys(problems))  # two checks can meet the same fault: report it once
    report["problems"] = problems
    text = _render(report)
    return Outcome(
        result=report, text=text, problem=DoctorFoundProblemsError(problems) if problems else None
    )


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
