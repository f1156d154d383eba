"""The controllers: what flows between pipes, checked before anything runs.

A sequence's working memory starts with its inputs and grows with each step's result; every
step's pipe must find each of its inputs there, under its name, with a compatible concept and
multiplicity; the last value must be what the sequence declares. Parallels, conditions and
batches are checked the same way against their own inputs.

This module dispatches each controller to its own module (flow_sequence, flow_parallel,
flow_condition, flow_batch) and reports the inputs none of them read; the state they share
lives in flow_context, the values they exchange in flow_values.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from pipelex_core.bundles.flow_batch import check_batch
from pipelex_core.bundles.flow_condition import check_condition
from pipelex_core.bundles.flow_context import UNKNOWN_NAMES, UNTYPED, FlowContext
from pipelex_core.bundles.flow_parallel import check_parallel
from pipelex_core.bundles.flow_sequence import check_sequence
from pipelex_core.bundles.flow_stored_names import MAX_NESTING, branch_values, stored_names
from pipelex_core.bundles.flow_targets import SPECIAL_OUTCOMES, controller_targets
from pipelex_core.bundles.memory import Value
from pipelex_core.bundles.pipe_specs import PipeSpec

__all__ = [
    "MAX_NESTING",
    "SPECIAL_OUTCOMES",
    "UNKNOWN_NAMES",
    "UNTYPED",
    "FlowChecker",
    "controller_targets",
]

CHECKS: dict[str, Callable[[FlowContext, PipeSpec], None]] = {
    "PipeSequence": check_sequence,
    "PipeParallel": check_parallel,
    "PipeCondition": check_condition,
    "PipeBatch": check_batch,
}


@attrs.define
class FlowChecker(FlowContext):
    """Checks a library's controllers one by one, remembering what each pipe stores."""

    def check(self, spec: PipeSpec) -> None:
        checker = CHECKS.get(spec.type or "")
        if checker is None:
            return
        self.inputs, self.read = {}, set()
        before = len(self.problems)
        checker(self, spec)
        unread = [name for name in self.inputs if name not in self.read]
        # only for a controller otherwise sound: after a fault, what it reads is not known
        if len(self.problems) == before and unread:
            names = ", ".join(repr(name) for name in unread)
            self.report(
                spec,
                "extraneous_input_variable",
                f"declares {names} but no step, branch or expression reads "
                f"{'them' if len(unread) > 1 else 'it'}: remove "
                f"{'them' if len(unread) > 1 else 'it'} from `inputs`, or hand "
                f"{'them' if len(unread) > 1 else 'it'} to the pipe that needs "
                f"{'them' if len(unread) > 1 else 'it'}",
            )

    def stored_names(self, target: PipeSpec) -> dict[str, Value]:
        """What running ``target`` leaves in its caller's working memory besides its output."""
        return stored_names(self, target)

    def branch_values(self, parallel: PipeSpec) -> dict[str, Value]:
        """What a PipeParallel with ``add_each_output`` adds to its caller's working memory."""
        return branch_values(self, parallel)
