"""Synthetic remote-config catalogues of any size, in the shapes the real one has."""

from __future__ import annotations

import copy
from typing import Any

TEMPLATES: list[dict[str, Any]] = [
    {
        "model_type": "llm",
        "sdk": "gateway_responses",
        "structure_method": "instructor/openai_responses_tools",
        "inputs": ["text", "images", "pdf"],
        "outputs": ["text", "structured"],
        "costs": {"input": 2.5, "output": 10.0},
        "max_tokens": 128000,
        "thinking_mode": "manual",
    },
    {
        "model_type": "llm",
        "inputs": ["text", "images"],
        "outputs": ["text", "structured"],
        "costs": {"input": 1.0, "output": 5.0},
        "max_tokens": 64000,
        "valued_constraints": {"fixed_temperature": 1},
        "max_prompt_images": 100,
    },
    {
        "model_type": "img_gen",
        "sdk": "gateway_img_gen",
        "inputs": ["text"],
        "outputs": ["image"],
        "costs": {"input": 0.05, "output": 0.0},
    },
    {
        "model_type": "text_extractor",
        "sdk": "gateway_extract",
        "inputs": ["pdf", "image"],
        "outputs": ["pages"],
        "costs": {"per_page": 0.001},
    },
    {
        "model_type": "search",
        "sdk": "gateway_search",
        "inputs": ["text"],
        "outputs": ["sourced-answers", "structured"],
        "costs": {"input": 0.005, "output": 0},
    },
]


def synthetic_payload(models: int) -> dict[str, Any]:
    specs: dict[str, Any] = {
        "defaults": {
            "sdk": "gateway_completions",
            "model_type": "llm",
            "structure_method": "instructor/openai_tools",
        }
    }
    for index in range(models):
        spec = copy.deepcopy(TEMPLATES[index % len(TEMPLATES)])
        spec["model_id"] = f"vendor-model-{index}"
        specs[f"model-{index:06d}"] = spec
    return {
        "posthog": {
            "project_api_key": "phc_benchmark",
            "endpoint": "https://telemetry.invalid",
            "is_geoip_enabled": False,
            "is_debug_enabled": False,
        },
        "backend_model_specs": specs,
        "aws_region": "us-east-1",
    }
