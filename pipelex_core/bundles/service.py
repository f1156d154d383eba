"""Check bundles end to end: the catalogue, the structure, then every model on its backend.

This is what ``validate``, ``inputs`` and ``run --dry-run`` share.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import attrs

from pipelex_core.bundles.check import CheckedLibrary, check_library
from pipelex_core.bundles.library import load_library
from pipelex_core.models.resolution import (
    ResolvedModel,
    gateway_handles,
    model_resolver,
    validate_gateway_models,
)
from pipelex_core.plugins import Plugins
from pipelex_core.runtime import Runtime, setup
from pipelex_core.settings import Settings


@attrs.frozen
class CheckedBundles:
    runtime: Runtime
    checked: CheckedLibrary
    models: tuple[ResolvedModel, ...]


def check_bundles(
    paths: Iterable[Path],
    settings: Settings,
    plugins: Plugins | None = None,
    *,
    allow_signatures: bool = False,
) -> CheckedBundles:
    """Raise the first failing verdict (the language and BYOK models, then Gateway models)."""
    runtime = setup(needs_model_specs=True, settings=settings, plugins=plugins, check_models=False)
    resolver = model_resolver(settings, runtime.remote_config)
    checked = check_library(load_library(paths), resolver, allow_signatures=allow_signatures)
    models = [use.resolved for use in checked.model_uses]
    if runtime.result is not None:
        validate_gateway_models(runtime.plugins, runtime.result, gateway_handles(models))
    return CheckedBundles(runtime=runtime, checked=checked, models=tuple(models))
