"""Telemetry gating and capture: the rule (docs/behaviour.md) lives here, not in the core.

On only when the Gateway is enabled, the run needs inference, the remote config is fresh,
and neither ``DO_NOT_TRACK`` nor ``PIPELEX_TELEMETRY=0`` is set. Stale specs imply stale
model identities, so a cached run sends nothing: the decision reads the provenance the core
decided once (``source``), the same value that drove the stale warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex_core import RemoteConfigSource, TelemetryDecision, hookimpl

if TYPE_CHECKING:
    from pipelex_core import RemoteConfigResult, Settings


@hookimpl(trylast=True)
def telemetry_decision(
    settings: Settings, source: RemoteConfigSource | None, needs_inference: bool
) -> TelemetryDecision:
    if settings.telemetry_opted_out:
        return TelemetryDecision(False, "opted out (DO_NOT_TRACK=1 or PIPELEX_TELEMETRY=0)")
    if not settings.gateway_enabled:
        return TelemetryDecision(False, "the Gateway is disabled: BYOK runs send nothing")
    if not needs_inference:
        return TelemetryDecision(False, "this run needs no inference")
    if source is not RemoteConfigSource.FRESH:
        return TelemetryDecision(False, "the remote config is not fresh: cached runs send nothing")
    return TelemetryDecision(True, "Gateway inference run on a fresh remote config")


@hookimpl
def on_runtime_ready(
    result: RemoteConfigResult | None, settings: Settings, telemetry: TelemetryDecision
) -> None:
    if not telemetry.enabled or result is None:
        return
    try:
        from pipelex_telemetry.capture import send_setup_event

        send_setup_event(result, settings)
    except Exception:  # best effort by contract: telemetry never fails a run
        return
