"""Which backend serves each model handle, from ``routing.toml``'s ``[routes]``."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import attrs

from pipelex_core.errors import ConfigurationError
from pipelex_core.kit import home_or_kit
from pipelex_core.models.byok import ByokBackends
from pipelex_core.settings import GATEWAY_BACKEND, read_toml

ROUTING_FILE = "routing.toml"


@attrs.frozen
class Routing:
    routes: tuple[tuple[str, str], ...] = ()
    path: Path | None = None

    @classmethod
    def load(cls, home: Path) -> Routing:
        path = home_or_kit(home, ROUTING_FILE)
        document = read_toml(path)
        routes = document.get("routes", {})
        bad = (
            [k for k, v in routes.items() if not isinstance(v, str)]
            if isinstance(routes, dict)
            else None
        )
        if bad is None or bad:
            raise ConfigurationError(
                f"{path}: [routes] must map handles or patterns to backend names"
                + (f" (not: {', '.join(bad)})" if bad else ""),
                f"Fix {path}.",
                path=path,
            )
        return cls(routes=tuple(routes.items()), path=path)

    def backend_for(self, handle: str, *, gateway_enabled: bool, byok: ByokBackends) -> str | None:
        """The backend name serving ``handle``, or None when no enabled backend lists it."""
        enabled = set(byok.names)
        for pattern, routed in self.routes:
            if fnmatch.fnmatchcase(handle, pattern) and (
                routed in enabled or (routed == GATEWAY_BACKEND and gateway_enabled)
            ):
                return routed
        if gateway_enabled:
            return GATEWAY_BACKEND
        return byok.first_serving(handle)
