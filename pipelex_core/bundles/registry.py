"""The library's pipes by domain and code: implementations, signatures, and how references resolve.

A bare pipe reference resolves in the referring bundle's domain (every file of that domain);
a ``domain.code`` reference names its domain; ``alias->domain.code`` names a dependency's pipe,
found among the pipes of the dependencies loaded from disk (kept apart: they are the
dependency's, checked there, never listed or checked as the library's own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

import attrs

from pipelex_core.bundles.packages import package_prefix
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem

PIPE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
OPERATORS = frozenset(
    {
        "PipeLLM",
        "PipeStructure",
        "PipeFunc",
        "PipeImgGen",
        "PipeExtract",
        "PipeSearch",
        "PipeJudge",
        "PipeCompose",
        "PipeDocGen",
    }
)
CONTROLLERS = frozenset({"PipeSequence", "PipeParallel", "PipeCondition", "PipeBatch"})
PIPE_TYPES = OPERATORS | CONTROLLERS
SIGNATURE_FIELDS = frozenset({"description", "inputs", "output", "signature_for"})


@attrs.frozen
class External:
    """A pipe of a dependency (``alias->domain.code``) that could not be found."""

    reference: str


@attrs.define
class PipeRegistry:
    by_key: dict[tuple[str, str], PipeSpec] = attrs.field(factory=dict)
    by_code: dict[str, list[PipeSpec]] = attrs.field(factory=dict)
    #: pipes defined with a fault (an unknown type, a bad signature), reported where defined
    broken: set[tuple[str, str]] = attrs.field(factory=set)
    #: the pipes of loaded dependencies, keyed ``(alias->domain, code)``, and those they export
    foreign: dict[tuple[str, str], PipeSpec] = attrs.field(factory=dict)
    exported: frozenset[tuple[str, str]] = frozenset()

    def is_broken(self, reference: str, domain: str) -> bool:
        if "->" in reference:
            return False
        target_domain, _, code = reference.rpartition(".")
        return (target_domain or domain, code) in self.broken

    def add(self, spec: PipeSpec) -> None:
        self.by_key[(spec.domain, spec.code)] = spec
        self.by_code.setdefault(spec.code, []).append(spec)

    def __iter__(self) -> Iterator[PipeSpec]:
        return iter(self.by_key.values())

    def resolve(self, reference: str, domain: str) -> PipeSpec | External | None:
        """From a pipe of ``domain``; a dependency's pipe resolves inside that dependency."""
        prefix = package_prefix(domain)
        if "." in reference:
            target_domain, _, code = reference.rpartition(".")
            key = (f"{prefix}{target_domain}", code)
        else:
            key = (domain, reference)
        found = self.by_key.get(key) or self.foreign.get(key)
        if found is None and ("->" in reference or prefix):
            return External(reference)
        return found

    def codes(self) -> Mapping[str, PipeSpec]:
        return {code: specs[0] for code, specs in self.by_code.items()}


def build_registry(specs: Iterable[PipeSpec], problems: list[Problem]) -> PipeRegistry:
    """Check codes, types and signatures; keep one spec per (domain, code)."""
    registry = PipeRegistry()
    signatures: dict[tuple[str, str], PipeSpec] = {}
    for spec in specs:
        if not PIPE_CODE.match(spec.code):
            problems.append(
                spec.problem(
                    "invalid_pipe_code_syntax",
                    f"pipe code {spec.code!r} is not snake_case ([a-z][a-z0-9_]*)",
                )
            )
        kind = spec.table.get("type")
        if kind is None:
            if _check_signature(spec, problems):
                signatures.setdefault((spec.domain, spec.code), spec)
            else:
                registry.broken.add((spec.domain, spec.code))
            continue
        if not isinstance(kind, str) or kind not in PIPE_TYPES:
            hint = (
                "a signature has no `type` at all: remove the line"
                if kind == "PipeSignature"
                else "expected one of " + ", ".join(sorted(PIPE_TYPES))
            )
            problems.append(
                spec.problem("pipe_type_unknown", f"unknown pipe type {kind!r}: {hint}")
            )
            registry.broken.add((spec.domain, spec.code))
            continue
        key = (spec.domain, spec.code)
        if key in registry.by_key:
            other = registry.by_key[key]
            problems.append(
                spec.problem(
                    "duplicate_pipe",
                    f"is defined twice in domain {spec.domain!r} (also in {other.file}): rename "
                    "one, or keep a single definition",
                )
            )
            continue
        registry.add(spec)
    for key, signature in signatures.items():
        implementation = registry.by_key.get(key)
        if implementation is None:
            registry.add(signature)
        else:
            _check_contract(implementation, signature, problems)
    return registry


def _check_signature(spec: PipeSpec, problems: list[Problem]) -> bool:
    extra = sorted(set(spec.table) - SIGNATURE_FIELDS)
    if extra:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"has no `type`, so it is a signature, but carries implementation fields "
                f"({', '.join(extra)}): add the `type` it implements, or remove them",
            )
        )
        return False
    target = spec.table.get("signature_for")
    if target is not None and str(target) not in PIPE_TYPES:
        problems.append(
            spec.problem(
                "pipe_field_invalid",
                f"signature_for {target!r} is not a pipe type; use one of "
                + ", ".join(sorted(PIPE_TYPES))
                + ", or omit it",
            )
        )
    if not isinstance(spec.table.get("description"), str):
        problems.append(spec.problem("pipe_field_missing", "a signature needs a `description`"))
    return True


def _check_contract(implementation: PipeSpec, signature: PipeSpec, problems: list[Problem]) -> None:
    def contract(spec: PipeSpec) -> tuple[object, ...]:
        slots = sorted(
            (name, slot.concept, slot.is_list, slot.ref.count, slot.presence)
            for name, slot in spec.inputs.items()
        )
        output = spec.output
        out = (
            None
            if output is None
            else (output.concept, output.is_list, output.ref.count, output.presence)
        )
        return (tuple(slots), out)

    if contract(implementation) != contract(signature):
        problems.append(
            implementation.problem(
                "signature_mismatch",
                f"its inputs/output differ from the signature in {signature.file} "
                f"(signature: inputs {_describe(signature)}; definition: inputs "
                f"{_describe(implementation)}): make them declare the same contract",
            )
        )


def _describe(spec: PipeSpec) -> str:
    inputs = ", ".join(f"{name} = {slot}" for name, slot in spec.inputs.items()) or "none"
    return f"{{{inputs}}}, output {spec.output}"
