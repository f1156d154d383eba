"""Small valid bundles for tests about models, routing and plugins (not about the language)."""

from __future__ import annotations


def llm_bundle(model: str) -> str:
    """One PipeLLM naming ``model``, valid by every rule of the language."""
    return (
        'domain = "testing"\n'
        "[pipe.a]\n"
        'type = "PipeLLM"\n'
        'description = "Summarize a text"\n'
        'inputs = { text = "Text" }\n'
        'output = "Text"\n'
        'prompt = "Summarize $text"\n'
        f"model = {_toml_string(model)}\n"
    )


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
