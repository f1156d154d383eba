"""Every model a library names, explicitly or through the deck's default for its operator kind.

Each reference is resolved through the model deck; one that resolves nowhere is an
``unknown_model`` problem beside the bundle's others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.errors import PipelexError
from pipelex_core.models.resolution import ModelResolver, ResolvedModel

#: Operators that name a model, and the deck's choice-default kind each falls back on.
#: PipeStructure structures text with an LLM, so it takes the ``llm`` default.
MODEL_OPERATORS: Mapping[str, str] = {
    "PipeLLM": "llm",
    "PipeImgGen": "img_gen",
    "PipeExtract": "extract",
    "PipeSearch": "search",
    "PipeJudge": "judge",
    "PipeStructure": "llm",
}


@attrs.frozen
class ModelUse:
    """A pipe's model: explicit (``default_kind`` None) or its kind's choice default."""

    pipe: PipeSpec
    reference: str
    default_kind: str | None
    resolved: ResolvedModel


def model_uses(
    specs: Iterable[PipeSpec], resolver: ModelResolver, problems: list[Problem]
) -> tuple[ModelUse, ...]:
    uses: list[ModelUse] = []
    for spec in specs:
        kind = MODEL_OPERATORS.get(spec.type or "")
        if kind is None:
            continue
        fields = ["model", "model_to_structure"] if spec.type == "PipeLLM" else ["model"]
        for field in fields:
            reference, default_kind = _reference(spec, field, kind, resolver, problems)
            if reference is None:
                continue
            try:
                resolved = resolver.resolve(reference)
            except PipelexError as exc:
                problems.append(spec.problem("unknown_model", f"`{field}`: {exc.message}"))
                continue
            uses.append(ModelUse(spec, reference, default_kind, resolved))
    return tuple(uses)


def _reference(
    spec: PipeSpec, field: str, kind: str, resolver: ModelResolver, problems: list[Problem]
) -> tuple[str | None, str | None]:
    model: Any = spec.table.get(field)
    if isinstance(model, dict):
        model = model.get("model")
        if not isinstance(model, str):
            problems.append(
                spec.problem("pipe_field_invalid", f"the `{field}` table needs a string `model`")
            )
            return None, None
    if isinstance(model, str):
        if not model.strip():
            problems.append(spec.problem("unknown_model", f"`{field}` is empty"))
            return None, None
        return model, None
    if model is not None:
        problems.append(
            spec.problem("pipe_field_invalid", f"`{field}` is a model reference or a table")
        )
        return None, None
    if field != "model":
        return None, None
    default = resolver.deck.choice_defaults.get(kind)
    if default is None:
        problems.append(
            spec.problem(
                "unknown_model",
                f"names no model and the deck has no choice default for {kind!r} "
                "(add it under [choice_defaults] in deck.toml)",
            )
        )
        return None, None
    return default, kind
