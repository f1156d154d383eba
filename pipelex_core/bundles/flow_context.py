"""What every controller check shares: the checker's state, and reporting on the pipes it calls.

The state is one object passed to each controller's check (flow_sequence, flow_parallel,
flow_condition, flow_batch), so those modules stay free functions that say what they read:
the library (registry, concepts), where problems go, the controller's inputs and which of them
were read, and the memo of what pipes store in their caller's memory (flow_stored_names).
"""

from __future__ import annotations

from typing import Any

import attrs

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.memory import Value
from pipelex_core.bundles.packages import unresolved_dependency
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.registry import External, PipeRegistry

#: What a name holds after the step that should have stored it failed: accepted by every read.
UNTYPED = Value(None, False, False, "a step reported above")
#: Set in a working memory once a step failed to say what name it stores: from then on, a
#: name nothing holds may be that one, so it is not reported again.
UNKNOWN_NAMES = "*"


@attrs.define
class FlowContext:
    """The checker's state while it goes through a library's controllers."""

    registry: PipeRegistry
    index: ConceptIndex
    problems: list[Problem]
    #: (domain, code) of every pipe another domain of the package may call
    public: frozenset[tuple[str, str]] | None = None
    #: the controller being checked: its inputs' values, and the names read from them
    inputs: dict[str, Value] = attrs.field(factory=dict)
    read: set[str] = attrs.field(factory=set)
    #: what each pipe stores in its caller's memory, and the pipes being worked out
    stored: dict[tuple[str, str], dict[str, Value]] = attrs.field(factory=dict)
    storing: set[tuple[str, str]] = attrs.field(factory=set)

    def mark(self, name: str, value: Value | None) -> None:
        """Note that ``name`` was read, when ``value`` is the controller's own input."""
        if value is not None and self.inputs.get(name) is value:
            self.read.add(name)

    def report(self, spec: PipeSpec, code: str, message: str) -> None:
        self.problems.append(spec.problem(code, message))

    def target(self, spec: PipeSpec, reference: Any, where: str) -> PipeSpec | External | None:
        """The pipe ``reference`` calls (None: not a pipe here), reporting why it cannot be."""
        if not isinstance(reference, str) or not reference:
            self.report(spec, "pipe_field_invalid", f"{where} must name a pipe (a string)")
            return None
        target = self.registry.resolve(reference, spec.domain)
        if target is None and self.registry.is_broken(reference, spec.domain):
            return None  # defined with a fault reported where it is defined
        if target is None:
            self.report(
                spec,
                "unknown_pipe",
                f"{where} calls pipe {reference!r}, which no bundle of the library defines"
                + (
                    f" in domain {spec.domain!r} (a bare reference stays in its domain)"
                    if "." not in reference
                    else ""
                )
                + ": define it, fix the name, or validate the folder that holds it",
            )
        elif isinstance(target, External):
            self.report(
                spec,
                "unresolved_package_dependency",
                unresolved_dependency(where, reference, self.index.manifest, self.index.packages),
            )
        elif "->" in target.domain:
            if "->" not in spec.domain and (target.domain, target.code) not in (
                self.registry.exported
            ):
                self._not_exported(spec, target, reference, where)
        elif (
            self.public is not None
            and target.domain != spec.domain
            and (target.domain, target.code) not in self.public
        ):
            self.report(
                spec,
                "pipe_not_exported",
                f"{where} calls {reference!r}, a pipe of domain {target.domain!r} that the "
                f"package does not export: add it to [exports.{target.domain}] pipes in "
                "METHODS.toml, or call a pipe of this domain",
            )
        return target

    def _not_exported(self, spec: PipeSpec, target: PipeSpec, reference: str, where: str) -> None:
        alias, _, domain = target.domain.partition("->")
        exported = sorted(
            f"{key[0].partition('->')[2]}.{key[1]}"
            for key in self.registry.exported
            if key[0].partition("->")[0] == alias
        )
        self.report(
            spec,
            "pipe_not_exported",
            f"{where} calls {reference!r}, a pipe dependency {alias!r} does not export "
            f"(it exports: {', '.join(exported) or 'nothing'}): call an exported pipe or its "
            f"main_pipe, or have the dependency list {target.code!r} in [exports.{domain}] "
            "pipes of its METHODS.toml",
        )

    def memory(self, spec: PipeSpec, owner: str) -> dict[str, Value]:
        """A fresh working memory holding the controller's inputs, watched for reads."""
        memory = {
            name: Value.of_slot(slot, f"input {name!r} of the {owner}")
            for name, slot in spec.inputs.items()
        }
        self.inputs = dict(memory)
        return memory
