"""Resolve model references to a handle on a backend, and check that the backend has it.

Provenance travels with the check: Gateway handles go to the ``validate_models`` hook with
the config's source; a BYOK handle no enabled backend serves is an ``unknown_model`` problem
of the bundle (``bundles/model_uses.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from pipelex_core.errors import GatewayUnknownModelError, PipelexError
from pipelex_core.models.byok import ByokBackends, load_byok_backends
from pipelex_core.models.deck import Deck
from pipelex_core.models.routing import Routing
from pipelex_core.settings import GATEWAY_BACKEND, Settings

if TYPE_CHECKING:
    from pipelex_core.hook_payloads import RemoteConfigResult
    from pipelex_core.model_specs import ModelSpec
    from pipelex_core.plugins import Plugins
    from pipelex_core.remote_config import RemoteConfig


@attrs.frozen
class ResolvedModel:
    """A reference resolved to one handle: for a waterfall, its first available candidate."""

    reference: str
    handle: str
    backend: str | None
    available: bool
    candidates: tuple[str, ...]

    @property
    def on_gateway(self) -> bool:
        return self.backend == GATEWAY_BACKEND


@attrs.frozen
class ModelResolver:
    deck: Deck
    routing: Routing
    byok: ByokBackends
    gateway_enabled: bool
    catalogue: Mapping[str, ModelSpec] | None = None

    def resolve(self, reference: str, kind: str | None = None) -> ResolvedModel:
        """Resolve through the deck, route each candidate, keep the first one served."""
        candidates = self.deck.resolve(reference, kind)
        placed = [(handle, self._backend(handle)) for handle in candidates]
        for handle, backend in placed:
            if backend is not None and self.spec(handle, backend) is not None:
                return ResolvedModel(reference, handle, backend, True, candidates)
        handle, backend = placed[0]
        return ResolvedModel(reference, handle, backend, False, candidates)

    def spec(self, handle: str, backend: str) -> ModelSpec | None:
        if backend == GATEWAY_BACKEND:
            return None if self.catalogue is None else self.catalogue.get(handle)
        if backend in self.byok.names:
            return self.byok.get(backend).specs.get(handle)
        return None

    def _backend(self, handle: str) -> str | None:
        return self.routing.backend_for(
            handle, gateway_enabled=self.gateway_enabled, byok=self.byok
        )


def gateway_handles(resolved: Iterable[ResolvedModel]) -> tuple[str, ...]:
    """The distinct Gateway handles, in first-use order, for ``validate_models``."""
    return tuple(dict.fromkeys(model.handle for model in resolved if model.on_gateway))


def validate_gateway_models(
    plugins: Plugins, result: RemoteConfigResult, handles: Sequence[str]
) -> None:
    """Run every ``validate_models``; what they raise is a negative verdict on the models."""
    try:
        plugins.validate_models(config=result.config, handles=handles, source=result.source)
    except GatewayUnknownModelError as exc:
        if exc.cached_at is None:
            exc.cached_at = result.cached_at
        raise
    except PipelexError as exc:
        exc.is_verdict = True
        raise


def model_resolver(settings: Settings, config: RemoteConfig | None) -> ModelResolver:
    """The deck, routing and BYOK specs of ``settings``, with the Gateway catalogue if any."""
    return ModelResolver(
        deck=Deck.load(settings.home),
        routing=Routing.load(settings.home),
        byok=load_byok_backends(settings),
        gateway_enabled=settings.gateway_enabled,
        catalogue=None if config is None else config.backend_model_specs,
    )
