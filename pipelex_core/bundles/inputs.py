"""The inputs a pipe needs, with an example for each, and the checking of given inputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from pipelex_core.bundles.check import CheckedLibrary
from pipelex_core.bundles.concepts import ConceptRef, sample_value
from pipelex_core.bundles.library import Pipe
from pipelex_core.errors import PipelexUsageError


@attrs.frozen
class InputSpec:
    name: str
    concept: str
    optional: bool
    example: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "concept": self.concept,
            "optional": self.optional,
            "example": self.example,
        }


def start_pipe(checked: CheckedLibrary, name: str | None) -> Pipe:
    """``--pipe NAME``, else the library's ``main_pipe``."""
    code = name or checked.main_pipe()
    if code is None:
        raise PipelexUsageError(
            "The bundle has no main_pipe, so there is no pipe to start from.",
            "Name one with --pipe NAME.",
        )
    pipe = checked.pipes.get(code)
    if pipe is None:
        known = ", ".join(sorted(checked.pipes)) or "none"
        raise PipelexUsageError(f"No pipe named {code!r} in the bundle.", f"Pipes: {known}.")
    return pipe


def input_specs(checked: CheckedLibrary, pipe: Pipe) -> list[InputSpec]:
    concepts = checked.library.concepts
    return [
        InputSpec(
            name=name,
            concept=concept,
            optional=ConceptRef.parse(concept).optional,
            example=sample_value(concept, concepts, f"example {name}"),
        )
        for name, concept in pipe.inputs.items()
    ]


def read_inputs_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PipelexUsageError(f"Inputs file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelexUsageError(f"Inputs file {path} cannot be read: {exc}.") from None
    except ValueError as exc:
        raise PipelexUsageError(
            f"Inputs file {path} is not valid JSON: {exc}.",
            "Write a JSON object of input name -> value (`pipelex inputs` prints one).",
        ) from None
    if not isinstance(data, dict):
        raise PipelexUsageError(
            f"Inputs file {path} must hold a JSON object of input name -> value.",
            "`pipelex inputs` prints one to start from.",
        )
    return data


def match_inputs(specs: list[InputSpec], given: Mapping[str, Any], pipe: Pipe) -> dict[str, Any]:
    """Check given inputs against the pipe's; missing and unknown names are both errors."""
    expected = {spec.name for spec in specs}
    missing = sorted(s.name for s in specs if not s.optional and s.name not in given)
    unknown = sorted(set(given) - expected)
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(repr(n) for n in missing)}")
        if unknown:
            parts.append(f"unknown {', '.join(repr(n) for n in unknown)}")
        names = ", ".join(f"{s.name} ({s.concept})" for s in specs) or "none"
        raise PipelexUsageError(
            f"Inputs for pipe {pipe.code!r} do not match: {'; '.join(parts)}.",
            f"The pipe takes: {names}. `pipelex inputs` prints an example file.",
        )
    return dict(given)
