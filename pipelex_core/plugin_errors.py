"""A broken plugin, named: which plugin, from which distribution, and how to skip it.

A plugin that fails to load or fails in a hook is never skipped silently; the error says
who is at fault and what fixes it (``PIPELEX_DISABLE_PLUGINS`` names it).
"""

from __future__ import annotations

from pipelex_core.errors import ConfigurationError

__all__ = ["PluginError", "PluginHookError", "PluginLoadError"]


class PluginError(ConfigurationError):
    """A broken plugin, named with its distribution and how to skip it: never skipped silently."""

    domain = "plugin"

    def __init__(self, name: str, distribution: str | None, what: str, remedy: str) -> None:
        dist = f" (distribution {distribution})" if distribution else ""
        super().__init__(
            f"Plugin {name!r}{dist} {what}",
            f"{remedy}, or skip it with PIPELEX_DISABLE_PLUGINS={name}.",
        )
        self.name = name
        self.distribution = distribution

    def details(self) -> dict[str, object]:
        return {"plugin": self.name, "distribution": self.distribution}


class PluginLoadError(PluginError):
    """A plugin failed to import, or implements a hook that does not exist."""

    def __init__(self, name: str, distribution: str | None, detail: str) -> None:
        super().__init__(name, distribution, f"failed to load: {detail}", "Fix or uninstall it")


class PluginHookError(PluginError):
    """A plugin's hook failed with an unexpected exception."""

    def __init__(
        self, name: str, distribution: str | None, hook: str, error: BaseException
    ) -> None:
        super().__init__(
            name,
            distribution,
            f"failed in hook {hook}: {type(error).__name__}: {error}",
            "Fix or upgrade it",
        )
        self.hook = hook

    def details(self) -> dict[str, object]:
        return {**super().details(), "hook": self.hook}
