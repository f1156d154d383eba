"""BYOK backends' model specs: ``backends/<name>.toml`` in ``PIPELEX_HOME``, else the kit's.

Same shape as the Gateway catalogue (``[defaults]`` merged into each ``[models."handle"]``),
validated by the same converter, so a spec means the same thing whoever serves it.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from pathlib import Path

import attrs

from pipelex_core.errors import ConfigurationError
from pipelex_core.kit import home_or_kit
from pipelex_core.remote_config import ModelSpec, structure_specs
from pipelex_core.settings import Settings, read_toml


@attrs.frozen
class ByokBackend:
    name: str
    specs: Mapping[str, ModelSpec]
    path: Path | None


def load_byok_backends(settings: Settings) -> tuple[ByokBackend, ...]:
    """The enabled BYOK backends with their specs, in ``backends.toml`` order."""
    return tuple(load_backend(settings.home, name) for name in settings.enabled_byok_backends)


def load_backend(home: Path, name: str) -> ByokBackend:
    path = home_or_kit(home, f"backends/{name}.toml")
    if not path.exists():
        return ByokBackend(name=name, specs=types.MappingProxyType({}), path=None)
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
