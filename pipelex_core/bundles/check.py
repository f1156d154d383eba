"""Validate a library: exactly the checks of SPEC §8, every problem reported together.

Checked: TOML syntax, pipe types, pipe codes, signatures, ``main_pipe`` and controller
references, controller cycles, and every model reference (explicit, or the deck's choice
default an operator falls back on). Anything else a bundle holds is accepted untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

from pipelex_core.bundles.library import Library, Pipe, Problem
from pipelex_core.errors import BundleValidationError, PipelexError
from pipelex_core.models.resolution import ModelResolver, ResolvedModel

PIPE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

#: Operators that may name a model, and the deck's choice-default kind each falls back on.
#: PipeStructure structures text with an LLM, so it takes the ``llm`` default.
MODEL_OPERATORS: Mapping[str, str] = {
    "PipeLLM": "llm",
    "PipeImgGen": "img_gen",
    "PipeExtract": "extract",
    "PipeSearch": "search",
    "PipeJudge": "judge",
    "PipeStructure": "llm",
}
PLAIN_OPERATORS = frozenset({"PipeCompose", "PipeDocGen", "PipeFunc"})
CONTROLLERS = frozenset({"PipeSequence", "PipeParallel", "PipeBatch", "PipeCondition"})
PIPE_TYPES = frozenset(MODEL_OPERATORS) | PLAIN_OPERATORS | CONTROLLERS
RESERVED_OUTCOMES = frozenset({"continue", "fail"})


@attrs.frozen
class ModelUse:
    """A pipe's model: explicit (``kind`` None) or its kind's choice default."""

    pipe: Pipe
    reference: str
    default_kind: str | None
    resolved: ResolvedModel


@attrs.frozen
class CheckedLibrary:
    library: Library
    pipes: Mapping[str, Pipe]
    model_uses: tuple[ModelUse, ...]

    def main_pipe(self) -> str | None:
        return next((b.main_pipe for b in self.library.bundles if b.main_pipe), None)


def controller_targets(pipe: Pipe, problems: list[Problem] | None = None) -> list[str]:
    """The pipe codes a controller calls, in order; shape problems go to ``problems``."""
    sink: list[Problem] = [] if problems is None else problems
    table = pipe.table
    kind = pipe.type

    def bad(message: str) -> list[str]:
        sink.append(Problem(pipe.file, pipe.code, message))
        return []

    if kind in ("PipeSequence", "PipeParallel"):
        field = "steps" if kind == "PipeSequence" else "branches"
        items = table.get(field)
        if not isinstance(items, list) or not items:
            return bad(f'{kind} needs a non-empty `{field}` list of {{ pipe = "…" }} tables')
        targets = []
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("pipe"), str):
                targets.append(item["pipe"])
            else:
                bad(f"{field}[{index}] must be a table with a string `pipe`")
        return targets
    if kind == "PipeBatch":
        code = table.get("branch_pipe_code")
        return (
            [code] if isinstance(code, str) else bad("PipeBatch needs a string `branch_pipe_code`")
        )
    if kind == "PipeCondition":
        outcomes = table.get("outcomes", {})
        if not isinstance(outcomes, dict):
            return bad("`outcomes` must be a table of outcome = pipe code")
        targets = []
        for outcome, code in outcomes.items():
            if isinstance(code, str):
                targets.append(code)
            else:
                bad(f"outcomes.{outcome} must be a pipe code (string)")
        default = table.get("default_outcome")
        if default is not None:
            if isinstance(default, str):
                targets.append(default)
            else:
                bad("`default_outcome` must be a pipe code (string)")
        return [code for code in targets if code not in RESERVED_OUTCOMES]
    return []


def check_library(library: Library, resolver: ModelResolver) -> CheckedLibrary:
    """Run every check; raise :class:`BundleValidationError` with all problems found."""
    problems = list(library.problems)
    pipes = _implementations(library, problems)
    _check_references(library, pipes, problems)
    _check_cycles(pipes, problems)
    uses = _model_uses(pipes.values(), resolver, problems)
    if problems:
        count = len(problems)
        raise BundleValidationError(
            f"{count} problem{'s' if count != 1 else ''} found:\n"
            + "\n".join(f"  {problem}" for problem in problems),
            "Fix the bundle where each problem says.",
            problems=[problem.as_dict() for problem in problems],
        )
    return CheckedLibrary(library=library, pipes=pipes, model_uses=tuple(uses))


def _implementations(library: Library, problems: list[Problem]) -> dict[str, Pipe]:
    implementations: dict[str, Pipe] = {}
    signatures: dict[str, Pipe] = {}
    for pipe in library.pipes:
        if not PIPE_CODE.match(pipe.code):
            problems.append(
                Problem(pipe.file, pipe.code, "invalid pipe code: use snake_case ([a-z][a-z0-9_]*)")
            )
        kind, signature = pipe.table.get("type"), pipe.table.get("signature_for")
        if kind is None and signature is None:
            problems.append(Problem(pipe.file, pipe.code, "has neither `type` nor `signature_for`"))
            continue
        declared = kind if kind is not None else signature
        if declared not in PIPE_TYPES:
            field = "type" if kind is not None else "signature_for"
            problems.append(
                Problem(
                    pipe.file,
                    pipe.code,
                    f"unknown pipe {field} {declared!r}; expected one of "
                    + ", ".join(sorted(PIPE_TYPES)),
                )
            )
            continue
        if kind is None:
            signatures.setdefault(pipe.code, pipe)
        elif pipe.code in implementations:
            other = implementations[pipe.code]
            problems.append(
                Problem(pipe.file, pipe.code, f"is defined twice (also in {other.file})")
            )
        else:
            implementations[pipe.code] = pipe
    for code, signature in signatures.items():
        implementation = implementations.get(code)
        if implementation is None:
            problems.append(
                Problem(
                    signature.file,
                    code,
                    f"declares a {signature.signature_for} signature but no file of the library "
                    "implements it",
                )
            )
        elif implementation.type != signature.signature_for:
            problems.append(
                Problem(
                    implementation.file,
                    code,
                    f"is a {implementation.type} but its signature in {signature.file} declares "
                    f"{signature.signature_for}",
                )
            )
    return implementations


def _check_references(library: Library, pipes: Mapping[str, Pipe], problems: list[Problem]) -> None:
    known = set(pipes) | {p.code for p in library.pipes}
    for bundle in library.bundles:
        if bundle.main_pipe is not None and bundle.main_pipe not in known:
            problems.append(
                Problem(
                    bundle.file,
                    None,
                    f"main_pipe {bundle.main_pipe!r} names no pipe of the library",
                )
            )
    for pipe in pipes.values():
        if pipe.type not in CONTROLLERS:
            continue
        for target in controller_targets(pipe, problems):
            if target not in known:
                problems.append(
                    Problem(pipe.file, pipe.code, f"calls pipe {target!r}, which does not exist")
                )


def _check_cycles(pipes: Mapping[str, Pipe], problems: list[Problem]) -> None:
    edges = {
        code: [t for t in controller_targets(pipe) if t in pipes]
        for code, pipe in pipes.items()
        if pipe.type in CONTROLLERS
    }
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(code: str, path: list[str]) -> None:
        state[code] = 1
        path.append(code)
        for target in edges.get(code, ()):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    pipe = pipes[target]
                    problems.append(
                        Problem(pipe.file, target, "controller cycle: " + " -> ".join(cycle))
                    )
            elif state.get(target) is None:
                visit(target, path)
        path.pop()
        state[code] = 2

    for code in edges:
        if state.get(code) is None:
            visit(code, [])


def _model_uses(
    pipes: Iterable[Pipe], resolver: ModelResolver, problems: list[Problem]
) -> list[ModelUse]:
    uses: list[ModelUse] = []
    for pipe in pipes:
        kind = MODEL_OPERATORS.get(pipe.type or "")
        if kind is None:
            continue
        reference, default_kind = _model_reference(pipe, kind, resolver, problems)
        if reference is None:
            continue
        try:
            resolved = resolver.resolve(reference)
        except PipelexError as exc:
            problems.append(Problem(pipe.file, pipe.code, exc.message))
            continue
        uses.append(ModelUse(pipe, reference, default_kind, resolved))
    return uses


def _model_reference(
    pipe: Pipe, kind: str, resolver: ModelResolver, problems: list[Problem]
) -> tuple[str | None, str | None]:
    model = pipe.table.get("model")
    if isinstance(model, dict):
        model = model.get("model")
        if not isinstance(model, str):
            problems.append(
                Problem(pipe.file, pipe.code, "`model` table needs a string `model` key")
            )
            return None, None
    if isinstance(model, str):
        if not model.strip():
            problems.append(Problem(pipe.file, pipe.code, "`model` is empty"))
            return None, None
        return model, None
    if model is not None:
        problems.append(
            Problem(pipe.file, pipe.code, "`model` must be a reference string or a table")
        )
        return None, None
    default = resolver.deck.choice_defaults.get(kind)
    if default is None:
        problems.append(
            Problem(
                pipe.file,
                pipe.code,
                f"names no model and the deck has no choice default for {kind!r} "
                f"(add it under [choice_defaults] in deck.toml)",
            )
        )
        return None, None
    return default, kind
