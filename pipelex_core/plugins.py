"""Boot the plugin manager, and a typed facade over its hooks.

Boot order: hookspecs, then block what ``PIPELEX_DISABLE_PLUGINS`` names, then load the
``pipelex`` entry points (built-ins and third parties alike), then ``check_pending()``.
Call sites use :class:`Plugins`' typed methods, never ``pm.hook`` directly, so mypy checks
them and every call passes keyword arguments.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pluggy

from pipelex_core import hookspecs
from pipelex_core.errors import ConfigurationError, PipelexError
from pipelex_core.hook_payloads import CachedConfig, FetchedConfig, TelemetryDecision
from pipelex_core.plugin_errors import PluginHookError, PluginLoadError
from pipelex_core.types import RemoteConfigSource

if TYPE_CHECKING:
    import click

    from pipelex_core.hook_payloads import RemoteConfigResult
    from pipelex_core.remote_config import RemoteConfig
    from pipelex_core.runtime import Runtime
    from pipelex_core.settings import Settings

ENTRY_POINT_GROUP = "pipelex"
BUILTIN_MEMBERSHIP = "pipelex_core.gateway_membership"
#: Checks the product's promises rest on ("unknown models fail loudly"): never disabled.
ESSENTIAL_PLUGINS = frozenset({BUILTIN_MEMBERSHIP})
#: The command line's own commands: plugins implementing ``register_commands``, as a third
#: party's are, registered only when the command line boots (a library run needs no click).
BUILTIN_COMMANDS = (
    "pipelex_core.cli.init",
    "pipelex_core.cli.bundle_commands",
    "pipelex_core.cli.doctor",
    "pipelex_core.cli.cache_commands",
    "pipelex_core.cli.catalogue_commands",
    "pipelex_core.cli.completion",
    "pipelex_core.cli.schema",
)


def installed_plugin_names() -> list[str]:
    """Every name PIPELEX_DISABLE_PLUGINS could match: the built-ins and the entry points."""
    names = [BUILTIN_MEMBERSHIP, *BUILTIN_COMMANDS]
    names += [entry.name for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)]
    return sorted(set(names))


_T = TypeVar("_T")


class _BuiltIn:
    """Where a plugin shipped with pipelex-core comes from (it has no entry point)."""


BUILT_IN = _BuiltIn()
#: Where a registered plugin comes from: pipelex-core, a distribution, or nowhere known.
Source = importlib.metadata.Distribution | _BuiltIn | None


@attrs.frozen
class PluginInfo:
    """A loaded plugin, as ``pipelex plugins`` shows it."""

    name: str
    distribution: str | None
    version: str | None


class Plugins:
    """The plugin manager of one run and a typed method per hook."""

    def __init__(
        self,
        manager: pluggy.PluginManager,
        sources: Sequence[tuple[str, Source]] = (),
    ) -> None:
        self.manager = manager
        self._sources = tuple(sources)

    @functools.cached_property
    def infos(self) -> tuple[PluginInfo, ...]:
        """Name, distribution and version of each plugin. Reading distribution metadata
        costs milliseconds a package, so it happens only when asked (``plugins``, ``doctor``,
        an error), never on the path of an ordinary run."""
        from pipelex_core.identity import pipelex_core_version

        infos = []
        for name, dist in self._sources:
            if isinstance(dist, _BuiltIn):
                infos.append(PluginInfo(name, "pipelex-core", pipelex_core_version()))
            else:
                infos.append(
                    PluginInfo(name, dist.name if dist else None, dist.version if dist else None)
                )
        return tuple(infos)

    @classmethod
    def boot(
        cls,
        *,
        disabled: Iterable[str] = (),
        extra_plugins: Iterable[object] = (),
        load_entry_points: bool = True,
        commands: bool = False,
    ) -> Plugins:
        """Build a plugin manager: built-ins and third parties from the entry points; with
        ``commands``, the command line's own commands too."""
        import importlib

        from pipelex_core import gateway_membership

        manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        manager.add_hookspecs(hookspecs)
        blocked = frozenset(disabled)
        essential = sorted(blocked & ESSENTIAL_PLUGINS)
        if essential:  # as pytest refuses to disable its essential plugins
            raise ConfigurationError(
                f"PIPELEX_DISABLE_PLUGINS names {', '.join(essential)}, which cannot be "
                "disabled: it is the check that refuses models the Gateway does not serve.",
                f"Remove {', '.join(essential)} from PIPELEX_DISABLE_PLUGINS.",
            )
        for name in blocked:
            manager.set_blocked(name)
        manager.register(gateway_membership, name=BUILTIN_MEMBERSHIP)
        sources: list[tuple[str, Source]] = [(BUILTIN_MEMBERSHIP, BUILT_IN)]
        for module_name in BUILTIN_COMMANDS if commands else ():
            if module_name not in blocked:
                manager.register(importlib.import_module(module_name), name=module_name)
                sources.append((module_name, BUILT_IN))
        if load_entry_points:
            for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                if entry_point.name in blocked:
                    continue
                dist = entry_point.dist
                try:
                    plugin = entry_point.load()
                    manager.register(plugin, name=entry_point.name)
                except (Exception, SystemExit) as exc:  # a broken plugin of any kind, even
                    # one calling sys.exit() at import: a load error, never a silent exit
                    raise PluginLoadError(
                        entry_point.name,
                        dist.name if dist else None,
                        f"{type(exc).__name__}: {exc}",
                    ) from exc
                sources.append((entry_point.name, dist))
        for plugin in extra_plugins:
            registered = manager.register(plugin)
            sources.append((registered or repr(plugin), None))
        try:
            manager.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(
                getattr(exc.plugin, "__name__", repr(exc.plugin)), None, str(exc)
            ) from exc
        return cls(manager, sources)

    def _call(self, hook: str, **kwargs: Any) -> Any:
        """Call a hook by keyword; an unexpected exception names the plugin that raised it."""
        try:
            return getattr(self.manager.hook, hook)(**kwargs)
        except PipelexError:
            raise
        except Exception as exc:
            name = self._culprit(exc)
            info = next((i for i in self.infos if i.name == name), None)
            raise PluginHookError(
                name or "unknown", info.distribution if info else None, hook, exc
            ) from exc

    def _culprit(self, exc: BaseException) -> str | None:
        """The registered plugin whose code is deepest in the traceback."""
        modules: dict[str, str] = {}
        for name, plugin in self.manager.list_name_plugin():
            if plugin is None:
                continue
            module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__
            modules[module] = name
        culprit = None
        tb = exc.__traceback__
        while tb is not None:
            module_name = str(tb.tb_frame.f_globals.get("__name__", ""))
            for module, name in modules.items():
                if module_name == module or module_name.startswith(module + "."):
                    culprit = name
            tb = tb.tb_next
        return culprit

    def fetch_config(
        self, *, url: str, settings: Settings, etag: str | None
    ) -> FetchedConfig | None:
        result = self._call("fetch_config", url=url, settings=settings, etag=etag)
        return self._typed("fetch_config", result, FetchedConfig)

    def _typed(self, hook: str, result: Any, expected: type[_T]) -> _T | None:
        """``result`` if it is what the hook promises (or None); otherwise the plugin that
        answered is blamed, never pipelex-core: the built-in implementations return the right
        type, so the answer came from a third-party implementation or wrapper."""
        if result is None or isinstance(result, expected):
            return result
        suspects = self._third_party_implementers(hook)
        wrong = TypeError(f"returned {type(result).__name__}, not {expected.__name__} or None")
        if len(suspects) == 1:
            [name] = suspects
            info = next((i for i in self.infos if i.name == name), None)
            raise PluginHookError(name, info.distribution if info else None, hook, wrong)
        # several could have answered: name them all, as PIPELEX_DISABLE_PLUGINS takes them
        raise PluginHookError(",".join(suspects) or "unknown", None, hook, wrong)

    def _third_party_implementers(self, hook: str) -> list[str]:
        """The plugins outside pipelex-core implementing ``hook`` (wrappers included)."""
        ours = {i.name for i in self.infos if i.distribution == "pipelex-core"}
        names = [impl.plugin_name for impl in getattr(self.manager.hook, hook).get_hookimpls()]
        return sorted({name for name in names if name not in ours})

    def store_config(
        self, *, fetched: FetchedConfig, settings: Settings
    ) -> list[tuple[str, Exception]]:
        """Call every ``store_config`` separately, so that one failing store cannot keep the
        others from running; return the failures as (plugin name, exception).

        Each call goes through pluggy (a hook caller holding that one implementation and every
        wrapper), so wrappers, tracing and monitoring see each store as they see any hook."""
        impls = [
            impl
            for impl in self.manager.hook.store_config.get_hookimpls()
            if not (impl.hookwrapper or impl.wrapper)
        ]
        failures: list[tuple[str, Exception]] = []
        for impl in reversed(impls):  # pluggy's own order: last registered first
            others = [other.plugin for other in impls if other is not impl]
            caller = self.manager.subset_hook_caller("store_config", remove_plugins=others)
            try:
                caller(fetched=fetched, settings=settings)
            except Exception as exc:  # the contract: a failed store is a warning
                failures.append((impl.plugin_name, exc))
        return failures

    def load_cached_config(self, *, settings: Settings) -> CachedConfig | None:
        result = self._call("load_cached_config", settings=settings)
        return self._typed("load_cached_config", result, CachedConfig)

    def import_cached_config(self, *, cached: CachedConfig, settings: Settings) -> bool:
        """Install ``cached`` as is. Plugins still on the hook's former name
        (``store_cached_config``) are asked first: they are third parties, which came before
        the built-in cache under that name too."""
        stored: bool | None = self._call("store_cached_config", cached=cached, settings=settings)
        if stored is None:
            stored = self._call("import_cached_config", cached=cached, settings=settings)
        return bool(stored)

    def clear_cached_config(self, *, settings: Settings) -> list[str]:
        removed: list[str] = self._call("clear_cached_config", settings=settings)
        return removed

    def hooks_of(self, name: str) -> list[str]:
        """The hooks a loaded plugin implements, by name."""
        plugin = self.manager.get_plugin(name)
        if plugin is None:
            return []
        return sorted(caller.name for caller in self.manager.get_hookcallers(plugin) or [])

    def telemetry_decision(
        self, *, settings: Settings, source: RemoteConfigSource | None, needs_inference: bool
    ) -> TelemetryDecision:
        decision: TelemetryDecision | None = self._call(
            "telemetry_decision", settings=settings, source=source, needs_inference=needs_inference
        )
        if decision is None:
            return TelemetryDecision(False, "no telemetry plugin is loaded")
        return decision

    def on_runtime_ready(
        self,
        *,
        result: RemoteConfigResult | None,
        settings: Settings,
        telemetry: TelemetryDecision,
        runtime: Runtime,
    ) -> None:
        self._call(
            "on_runtime_ready",
            result=result,
            settings=settings,
            telemetry=telemetry,
            runtime=runtime,
        )

    def on_stale_config(self, *, result: RemoteConfigResult, settings: Settings) -> None:
        self._call("on_stale_config", result=result, settings=settings)

    def validate_models(
        self, *, config: RemoteConfig, handles: Sequence[str], source: RemoteConfigSource
    ) -> None:
        self._call("validate_models", config=config, handles=handles, source=source)

    def register_commands(self, *, cli: click.Group) -> None:
        self._call("register_commands", cli=cli)
