"""The v10 remote config: telemetry's settings, the region, and the catalogue of model specs.

The server may add fields at any time, so unknown keys are kept in ``extras`` rather than
dropped or refused; wrong types of known fields are refused, every problem listed by its
JSON path (:mod:`pipelex_core.json_structure`) so a server bug is diagnosable from the
message alone.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import attrs

from pipelex_core.errors import RemoteConfigValidationError
from pipelex_core.json_structure import EMPTY, json_name, structure
from pipelex_core.model_specs import ModelSpec, structure_specs

__all__ = ["ModelSpec", "PosthogConfig", "RemoteConfig"]


@attrs.frozen
class PosthogConfig:
    """Where telemetry goes when it is allowed (see the telemetry plugin)."""

    project_api_key: str
    endpoint: str
    is_geoip_enabled: bool = False
    is_debug_enabled: bool = False
    extras: Mapping[str, Any] = EMPTY


@attrs.frozen
class RemoteConfig:
    """A validated remote config. ``backend_model_specs`` maps model handle to spec."""

    posthog: PosthogConfig
    aws_region: str
    backend_model_specs: Mapping[str, ModelSpec]
    defaults: Mapping[str, Any] = EMPTY
    rules: Mapping[str, Any] = EMPTY
    extras: Mapping[str, Any] = EMPTY

    def __contains__(self, handle: object) -> bool:
        return handle in self.backend_model_specs

    @classmethod
    def from_payload(cls, payload: object, *, url: str | None = None) -> RemoteConfig:
        """Validate a parsed JSON payload; raise :class:`RemoteConfigValidationError` listing
        every problem by JSON path."""
        return _load(payload, url=url)


def _load(payload: object, *, url: str | None) -> RemoteConfig:
    if not isinstance(payload, dict):
        raise RemoteConfigValidationError(
            [f"$: expected an object, got {json_name(payload)}"], url=url
        )
    problems: list[str] = []
    for key in ("posthog", "backend_model_specs", "aws_region"):
        if key not in payload:
            problems.append(f"$.{key}: required field missing")

    posthog = (
        structure(payload["posthog"], PosthogConfig, "$.posthog", problems)
        if ("posthog" in payload)
        else None
    )
    aws_region = (
        structure(payload["aws_region"], str, "$.aws_region", problems)
        if ("aws_region" in payload)
        else None
    )

    raw_specs = payload.get("backend_model_specs", {})
    if not isinstance(raw_specs, dict):
        problems.append(f"$.backend_model_specs: expected an object, got {json_name(raw_specs)}")
        raw_specs = {}
    catalogue = structure_specs(raw_specs, "$.backend_model_specs", problems)

    if problems or posthog is None or aws_region is None:
        raise RemoteConfigValidationError(problems, url=url)
    extras = {
        key: value
        for key, value in payload.items()
        if key not in ("posthog", "backend_model_specs", "aws_region")
    }
    return RemoteConfig(
        posthog=posthog,
        aws_region=aws_region,
        backend_model_specs=catalogue.specs,
        defaults=catalogue.defaults,
        rules=catalogue.rules,
        extras=types.MappingProxyType(extras) if extras else EMPTY,
    )
