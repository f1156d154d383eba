"""The built-in ``validate_models``: every Gateway handle must be in the catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipelex_core.errors import GatewayUnknownModelError
from pipelex_core.hookspecs import hookimpl

if TYPE_CHECKING:
    from pipelex_core.remote_config import RemoteConfig
    from pipelex_core.types import RemoteConfigSource


@hookimpl(trylast=True)
def validate_models(
    config: RemoteConfig, handles: Sequence[str], source: RemoteConfigSource
) -> None:
    for handle in handles:
        if handle not in config.backend_model_specs:
            raise GatewayUnknownModelError(handle, source=source)
