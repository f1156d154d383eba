"""Refuse Gateway models whose output price is above ``PIPELEX_MAX_OUTPUT_COST``.

It runs beside the built-in membership check: pluggy calls every ``validate_models``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pipelex_core import PipelexError, RemoteConfig, RemoteConfigSource, hookimpl

CEILING_VARIABLE = "PIPELEX_MAX_OUTPUT_COST"


class ModelTooExpensiveError(PipelexError):
    domain = "policy"


@hookimpl
def validate_models(
    config: RemoteConfig, handles: Sequence[str], source: RemoteConfigSource
) -> None:
    raw = os.environ.get(CEILING_VARIABLE, "").strip()
    if not raw:
        return
    try:
        ceiling = float(raw)
    except ValueError:
        raise PipelexError(
            f"{CEILING_VARIABLE}={raw!r} is not a number.",
            f"Set {CEILING_VARIABLE} to a price in USD per million output tokens.",
        ) from None
    too_expensive = {
        handle: spec.costs["output"]
        for handle in handles
        if (spec := config.backend_model_specs.get(handle)) is not None
        and spec.costs.get("output", 0.0) > ceiling
    }
    if too_expensive:
        listed = ", ".join(f"{h} ({cost:g})" for h, cost in sorted(too_expensive.items()))
        raise ModelTooExpensiveError(
            f"Model policy: above the output-cost ceiling of {ceiling:g} USD/M tokens: {listed}"
            f" (prices from the {source.value} catalogue).",
            f"Pick cheaper models, or raise {CEILING_VARIABLE}.",
        )
