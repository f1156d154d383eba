"""Payloads for tests: a remote config every command accepts, built from the kit's deck."""

from __future__ import annotations

from typing import Any

from pipelex_core.testing.config_server import closed_port_url

_KIND_TYPES = {"img_gen": "img_gen", "extract": "text_extractor", "search": "search"}


def minimal_remote_config(extra_models: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A valid v10 remote config listing every model the kit's deck can resolve to.

    Telemetry points at a closed loopback port, so nothing leaves the machine even if a test
    enables it.
    """
    from pipelex_core.kit import kit_file
    from pipelex_core.models.deck import Deck
    from pipelex_core.settings import read_toml

    deck = Deck.from_document(read_toml(kit_file("deck.toml")))
    models: dict[str, dict[str, Any]] = {}
    references = [
        *(f"@{name}" for name in deck.aliases),
        *(f"${name}" for name in deck.presets),
        *(f"~{name}" for name in deck.waterfalls),
    ]
    kinds = {
        handle: kind for kind, ref in deck.choice_defaults.items() for handle in deck.resolve(ref)
    }
    for reference in references:
        for handle in deck.resolve(reference):
            models[handle] = {
                "model_type": _KIND_TYPES.get(kinds.get(handle, "llm"), "llm"),
                "model_id": handle,
                "inputs": ["text"],
                "outputs": ["text"],
                "costs": {"input": 1.0, "output": 2.0},
            }
    models.update(extra_models or {})
    return {
        "posthog": {
            "project_api_key": "phc_test",
            "endpoint": closed_port_url().rsplit("/", 1)[0],
            "is_geoip_enabled": False,
            "is_debug_enabled": False,
        },
        "aws_region": "us-east-1",
        "backend_model_specs": {"defaults": {"sdk": "gateway_completions"}, **models},
    }
