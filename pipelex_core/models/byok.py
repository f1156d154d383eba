"""BYOK backends' model specs: ``backends/<name>.toml`` in ``PIPELEX_HOME``, else the kit's.

Same shape as the Gateway catalogue (``[defaults]`` merged into each ``[models."handle"]``),
validated by the same converter, so a spec means the same thing whoever serves it.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from pipelex_core.errors import ConfigurationError
from pipelex_core.kit import home_or_kit
from pipelex_core.settings import Settings, read_toml

if TYPE_CHECKING:
    from pipelex_core.model_specs import ModelSpec


@attrs.frozen
class ByokBackend:
    name: str
    specs: Mapping[str, ModelSpec]
    path: Path | None


class ByokBackends:
    """The enabled BYOK backends, in ``backends.toml`` order, each spec file parsed only when
    a handle first needs it: a Gateway run routes nothing to BYOK and parses none of them."""

    def __init__(self, home: Path, names: tuple[str, ...]) -> None:
        self.home = home
        self.names = names
        self._loaded: dict[str, ByokBackend] = {}

    def get(self, name: str) -> ByokBackend:
        if name not in self._loaded:
            self._loaded[name] = load_backend(self.home, name)
        return self._loaded[name]

    def first_serving(self, handle: str) -> str | None:
        """The first enabled backend whose specs list ``handle``."""
        return next((name for name in self.names if handle in self.get(name).specs), None)

    def __iter__(self) -> Iterator[ByokBackend]:
        return (self.get(name) for name in self.names)


def load_byok_backends(settings: Settings) -> ByokBackends:
    """The enabled BYOK backends of ``settings``, loaded lazily."""
    return ByokBackends(settings.home, settings.enabled_byok_backends)


def load_backend(home: Path, name: str) -> ByokBackend:
    path = home_or_kit(home, f"backends/{name}.toml")
    if not path.exists():
        return ByokBackend(name=name, specs=types.MappingProxyType({}), path=None)
    from pipelex_core.model_specs import structure_specs

    document = read_toml(path)
    models = document.get("models", {})
    problems: list[str] = []
    if not isinstance(models, dict):
        problems.append("models: expected a table")
        models = {}
    defaults = document.get("defaults", {})
    table = structure_specs({"defaults": defaults, **models}, "models", problems)
    if problems:
        raise ConfigurationError(
            f"{path}: invalid model specs: " + "; ".join(problems),
            f"Fix {path}.",
            path=path,
        )
    return ByokBackend(name=name, specs=table.specs, path=path)
