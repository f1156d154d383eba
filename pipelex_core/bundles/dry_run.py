"""Run a method without inference: controllers and bindings for real, placeholders for operators.

A condition takes its ``default_outcome`` (else its first outcome that runs a pipe) and the
trace names the others. Operators, PipeCompose included, produce a placeholder of their
output concept: the templating engine is loaded by real runs only, so a dry run stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipelex_core.bundles.check import CheckedLibrary
from pipelex_core.bundles.execution import Absent, MethodRunError, Outcome, Walk, render
from pipelex_core.bundles.flow_rules import SPECIAL_OUTCOMES
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.samples import content_sample

__all__ = ["Absent", "MethodRunError", "Outcome", "dry_run", "render"]


class DryStrategy:
    def operate(self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> Any:
        output = spec.output
        if output is None:
            return None
        one = content_sample(walk.index, output.concept, f"dry-run output of {spec.code}")
        if output.is_list:
            return [one] * (output.ref.count or 1)
        return one

    def choose(self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> str | None:
        outcomes = spec.table.get("outcomes", {})
        default = spec.table.get("default_outcome")
        if isinstance(default, str) and default not in SPECIAL_OUTCOMES:
            return default
        pipes = [c for c in outcomes.values() if isinstance(c, str) and c not in SPECIAL_OUTCOMES]
        if pipes:
            return pipes[0]
        # no outcome runs a pipe: a method that can continue does, rather than fail
        return "continue" if "continue" in (*outcomes.values(), default) else None


def dry_run(checked: CheckedLibrary, start: PipeSpec, inputs: Mapping[str, Any]) -> Outcome:
    return Walk(checked, DryStrategy(), "dry_run_failed").run(start, inputs)
