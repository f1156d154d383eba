"""The controllers: what flows between pipes, checked before anything runs.

A sequence's working memory starts with its inputs and grows with each step's result; every
step's pipe must find each of its inputs there, under its name, with a compatible concept and
multiplicity; the last value must be what the sequence declares. Parallels, conditions and
batches are checked the same way against their own inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.fields import Field
from pipelex_core.bundles.manifest import unresolved_dependency
from pipelex_core.bundles.memory import PATH, PathError, Value, walk_path
from pipelex_core.bundles.natives import NATIVE_DOMAIN
from pipelex_core.bundles.pipe_specs import BOUND_PREFIX, PipeSpec, Slot, input_name_error
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.refs import SNAKE, Presence
from pipelex_core.bundles.registry import External, PipeRegistry
from pipelex_core.bundles.templates import SPECIAL_NAMES, jinja_syntax_errors, scan_template

#: What a name holds after the step that should have stored it failed: accepted by every read.
UNTYPED = Value(None, False, False, "a step reported above")
#: Set in a working memory once a step failed to say what name it stores: from then on, a
#: name nothing holds may be that one, so it is not reported again.
UNKNOWN_NAMES = "*"

#: How deep nested sequences are followed for what they store in their caller's memory.
MAX_NESTING = 64

SPECIAL_OUTCOMES = frozenset({"continue", "fail"})
PIPE_STEP_FIELDS = frozenset(
    {"pipe", "result", "nb_output", "multiple_output", "batch_over", "batch_as"}
)
BINDING_FIELDS = frozenset({"from", "result"})


@attrs.frozen
class StepTarget:
    """A pipe a controller calls, as the dry run needs it."""

    index: int
    spec: PipeSpec | None
    result: str | None
    batch_over: str | None = None
    batch_as: str | None = None
    binding: str | None = None


@attrs.define
class FlowChecker:
    registry: PipeRegistry
    index: ConceptIndex
    problems: list[Problem]
    #: (domain, code) of every pipe another domain of the package may call
    public: frozenset[tuple[str, str]] | None = None
    #: the controller being checked: its inputs' values, and the names read from them
    _inputs: dict[str, Value] = attrs.field(factory=dict)
    _read: set[str] = attrs.field(factory=set)
    #: what each pipe stores in its caller's memory, and the pipes being worked out
    _stored: dict[tuple[str, str], dict[str, Value]] = attrs.field(factory=dict)
    _storing: set[tuple[str, str]] = attrs.field(factory=set)

    def check(self, spec: PipeSpec) -> None:
        kind = spec.type
        checker = {
            "PipeSequence": self._sequence,
            "PipeParallel": self._parallel,
            "PipeCondition": self._condition,
            "PipeBatch": self._batch,
        }.get(kind or "")
        if checker is None:
            return
        self._inputs, self._read = {}, set()
        before = len(self.problems)
        checker(spec)
        unread = [name for name in self._inputs if name not in self._read]
        # only for a controller otherwise sound: after a fault, what it reads is not known
        if len(self.problems) == before and unread:
            names = ", ".join(repr(name) for name in unread)
            self._report(
                spec,
                "extraneous_input_variable",
                f"declares {names} but no step, branch or expression reads "
                f"{'them' if len(unread) > 1 else 'it'}: remove "
                f"{'them' if len(unread) > 1 else 'it'} from `inputs`, or hand "
                f"{'them' if len(unread) > 1 else 'it'} to the pipe that needs "
                f"{'them' if len(unread) > 1 else 'it'}",
            )

    def _mark(self, name: str, value: Value | None) -> None:
        if value is not None and self._inputs.get(name) is value:
            self._read.add(name)

    # -- helpers ---------------------------------------------------------------------------

    def _report(self, spec: PipeSpec, code: str, message: str) -> None:
        self.problems.append(spec.problem(code, message))

    def _target(self, spec: PipeSpec, reference: Any, where: str) -> PipeSpec | External | None:
        if not isinstance(reference, str) or not reference:
            self._report(spec, "pipe_field_invalid", f"{where} must name a pipe (a string)")
            return None
        target = self.registry.resolve(reference, spec.domain)
        if target is None and self.registry.is_broken(reference, spec.domain):
            return None  # defined with a fault reported where it is defined
        if target is None:
            self._report(
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
            self._report(
                spec,
                "unresolved_package_dependency",
                unresolved_dependency(where, reference, self.index.manifest),
            )
        elif (
            self.public is not None
            and target.domain != spec.domain
            and (target.domain, target.code) not in self.public
        ):
            self._report(
                spec,
                "pipe_not_exported",
                f"{where} calls {reference!r}, a pipe of domain {target.domain!r} that the "
                f"package does not export: add it to [exports.{target.domain}] pipes in "
                "METHODS.toml, or call a pipe of this domain",
            )
        return target

    def _memory(self, spec: PipeSpec, owner: str) -> dict[str, Value]:
        memory = {
            name: Value.of_slot(slot, f"input {name!r} of the {owner}")
            for name, slot in spec.inputs.items()
        }
        self._inputs = dict(memory)
        return memory

    def _feed(
        self,
        spec: PipeSpec,
        target: PipeSpec,
        memory: Mapping[str, Value],
        where: str,
        owner: str,
    ) -> bool:
        """Check ``target``'s inputs against ``memory``; True when a plain input may be absent."""
        lifted = False
        for name, slot in target.inputs.items():
            value = memory.get(name, memory.get(UNKNOWN_NAMES))
            self._mark(name, value)
            if value is None and slot.ref.optional:
                continue  # an optional input nothing provides is absent, which it accepts
            if value is None:
                self._report(
                    spec,
                    "missing_input_variable",
                    f"{where}: pipe {target.code!r} needs input {name!r} ({slot}), which "
                    f"nothing in working memory provides: declare {name!r} in the {owner}'s "
                    "`inputs`, produce it in an earlier step (result = "
                    f'"{name}"), or bind it ({{ from = "…", result = "{name}" }})',
                )
                continue
            self._compatible(spec, value, slot, f"{where}: input {name!r} of pipe {target.code!r}")
            if value.maybe_absent and slot.presence is Presence.PLAIN:
                lifted = True
        return lifted

    def _compatible(self, spec: PipeSpec, value: Value, slot: Slot, where: str) -> None:
        if value.concept is None:
            return  # untyped: nothing to check before the run
        if slot.concept is not None and not self.index.is_a(value.concept, slot.concept):
            self._report(
                spec,
                "input_stuff_spec_mismatch",
                f"{where} expects {slot.ref.bare} but receives {value.describe(self.index)} "
                f"({value.origin}): hand it a {slot.ref.bare} (or a concept refining it), "
                "or change the input's concept",
            )
            return
        if value.count is not None and slot.ref.count is not None and value.count != slot.ref.count:
            self._report(
                spec,
                "input_stuff_spec_mismatch",
                f"{where} expects exactly {slot.ref.count} items ({slot}) but receives "
                f"{value.count} ({value.origin})",
            )
            return
        if value.is_list != slot.is_list:
            wanted = "a list" if slot.is_list else "a single value"
            got = "a list" if value.is_list else "a single value"
            self._report(
                spec,
                "input_stuff_spec_mismatch",
                f"{where} expects {wanted} ({slot}) but receives {got} "
                f"({value.describe(self.index)}, {value.origin}): match the multiplicity, or "
                "batch over the list",
            )

    def _adequate(self, spec: PipeSpec, value: Value, what: str) -> None:
        """The controller's declared output must be adequate for ``value``."""
        output = spec.output
        if output is None or output.concept is None:
            return
        if value.concept is not None and not self.index.is_a(value.concept, output.concept):
            self._report(
                spec,
                "inadequate_output_concept",
                f"declares output {output.ref.bare} but {what} produces "
                f"{value.describe(self.index)}: declare output = "
                f'"{value.describe(self.index)}", or make {what} produce a {output.ref.bare}',
            )
            return
        if (
            value.is_list != output.is_list
            and output.concept != "native.Anything"  # Anything stands for differing outcomes
            and value.concept is not None
        ):
            self._report(
                spec,
                "inadequate_output_multiplicity",
                f"declares output {output} but {what} produces "
                f"{'a list' if value.is_list else 'a single value'} "
                f"({value.describe(self.index)}): "
                + ("add `[]` to the output" if value.is_list else "remove `[]` from the output"),
            )
            return
        if (
            value.count is not None
            and output.ref.count is not None
            and value.count != output.ref.count
        ):
            self._report(
                spec,
                "inadequate_output_multiplicity",
                f"declares output {output} but {what} produces exactly {value.count} items: "
                f'declare output = "{output.ref.bare}[{value.count}]"',
            )
            return
        if value.maybe_absent and not output.ref.optional:
            self._report(
                spec,
                "optional_not_handled",
                f"{what} may be absent ({value.origin}) but the output {output} is not "
                f'optional: declare output = "{output.ref.bare}?", read it through an '
                "optional input with a guard, or mark the field it comes from `required`",
            )

    def _output_value(
        self, target: PipeSpec | External | None, step: Mapping[str, Any], origin: str, lifted: bool
    ) -> Value:
        if not isinstance(target, PipeSpec) or target.output is None:
            return Value(None, bool(step.get("batch_over")), False, origin)
        output = target.output
        is_list = output.is_list or bool(step.get("multiple_output")) or "nb_output" in step
        count = output.ref.count
        if isinstance(step.get("nb_output"), int):
            count = step["nb_output"]
        elif step.get("multiple_output"):
            count = None
        if step.get("batch_over"):
            is_list, count = True, None
        absent = (output.ref.optional or lifted) and not is_list
        return Value(output.concept, is_list, absent, origin, count)

    # -- PipeSequence ----------------------------------------------------------------------

    def _sequence(self, spec: PipeSpec) -> None:
        steps = spec.table.get("steps")
        if not isinstance(steps, list) or not steps:
            self._report(
                spec, "pipe_field_missing", "a PipeSequence needs a non-empty `steps` list"
            )
            return
        memory = self._memory(spec, "sequence")
        last: Value | None = None
        for number, step in enumerate(steps, start=1):
            where = f"step {number}"
            if not isinstance(step, dict):
                self._report(spec, "binding_step_invalid", f"{where} must be a table")
                last = None
                continue
            if "from" in step:
                last = self._binding_step(spec, step, memory, where)
            elif "pipe" in step:
                last = self._pipe_step(spec, step, memory, where, "sequence")
            else:
                self._report(
                    spec,
                    "binding_step_invalid",
                    f"{where} carries neither `pipe` (a pipe step) nor `from` (a binding step)",
                )
                last = None
        if last is not None:
            self._adequate(spec, last, "its last step")

    def _binding_step(
        self, spec: PipeSpec, step: Mapping[str, Any], memory: dict[str, Value], where: str
    ) -> Value | None:
        faults = []
        if "pipe" in step:
            faults.append("carries both `pipe` and `from`: a step either runs a pipe or binds")
        extra = sorted(set(step) - BINDING_FIELDS - {"pipe"})
        if extra:
            faults.append(
                f"carries {', '.join(extra)}, which only a pipe step has: a binding step is "
                "{ from, result } only"
            )
        path, result = step.get("from"), step.get("result")
        if not isinstance(path, str) or not PATH.match(path):
            faults.append(
                f"`from` {path!r} is not a path: names of letters, digits and underscores "
                "joined by single dots, no subscripts or spaces"
            )
        if result is None:
            faults.append("has no `result`: name the bound value")
        elif not isinstance(result, str) or not SNAKE.match(result):
            faults.append(f"`result` {result!r} is not a plain snake_case name")
        elif result.startswith(BOUND_PREFIX):
            self._report(spec, "invalid_input_name", f"{where}: {input_name_error(result)}")
            memory[result] = UNTYPED
            return None
        if faults:
            self._report(spec, "binding_step_invalid", f"{where} (binding): " + "; ".join(faults))
            memory[result if isinstance(result, str) else UNKNOWN_NAMES] = UNTYPED
            if isinstance(result, str) and not SNAKE.match(result):
                memory[UNKNOWN_NAMES] = UNTYPED
            return None
        assert isinstance(path, str)
        assert isinstance(result, str)
        value = self._walk(spec, path, memory, where, "sequence")
        if value is None:
            memory[result] = UNTYPED  # reported once, here: later reads are not reported again
            return None
        value = attrs.evolve(
            value, origin=f'binding step {{ from = "{path}", result = "{result}" }}'
        )
        memory[result] = value
        return value

    def _walk(
        self, spec: PipeSpec, path: str, memory: Mapping[str, Value], where: str, owner: str
    ) -> Value | None:
        root, *segments = path.split(".")
        base = memory.get(root, memory.get(UNKNOWN_NAMES))
        self._mark(root, base)
        if base is None:
            self._report(
                spec,
                "missing_input_variable",
                f"{where}: path {path!r} starts at {root!r}, which nothing in working memory "
                f"holds: declare {root!r} in the {owner}'s `inputs`, or store it in an "
                "earlier step",
            )
            return None
        walked = walk_path(base, segments, self.index, path)
        if isinstance(walked, PathError):
            self._report(
                spec, "binding_path_unresolved", f"{where}: path {path!r}: {walked.message}"
            )
            return None
        return walked

    def _pipe_step(
        self,
        spec: PipeSpec,
        step: Mapping[str, Any],
        memory: dict[str, Value],
        where: str,
        owner: str,
    ) -> Value | None:
        in_parallel = owner == "parallel"
        extra = sorted(set(step) - PIPE_STEP_FIELDS)
        if extra:
            hint = (
                "steps have no `inputs`: each step sees the working memory by name"
                if "inputs" in extra
                else "a pipe step takes pipe, result, nb_output, multiple_output, batch_over, "
                "batch_as"
            )
            self._report(
                spec,
                "binding_step_invalid",
                f"{where}: unknown field(s) {', '.join(extra)}: {hint}",
            )
        nb_output = step.get("nb_output")
        if nb_output is not None and (
            isinstance(nb_output, bool) or not isinstance(nb_output, int) or nb_output < 1
        ):
            self._report(spec, "pipe_field_invalid", f"{where}: `nb_output` is a whole number >= 1")
        if "multiple_output" in step and not isinstance(step["multiple_output"], bool):
            self._report(spec, "pipe_field_invalid", f"{where}: `multiple_output` is true or false")
        if "nb_output" in step and "multiple_output" in step:
            self._report(
                spec,
                "pipe_field_conflict",
                f"{where}: `nb_output` and `multiple_output` are exclusive",
            )
        result = step.get("result")
        if result is not None:
            error = input_name_error(result) if isinstance(result, str) else "not a string"
            if error is not None:
                self._report(
                    spec,
                    "invalid_input_name",
                    f"{where}: `result` names what the step stores, a plain input name: {error}",
                )
                memory[UNKNOWN_NAMES] = UNTYPED
                result = None
        target = self._target(spec, step.get("pipe"), f"{where}")
        if not isinstance(target, PipeSpec):
            # reported above: what it would have stored is unknown, so later reads are not
            memory[UNKNOWN_NAMES] = UNTYPED
        local = dict(memory)
        batch_over, batch_as = step.get("batch_over"), step.get("batch_as")
        batch_ok = True
        if (batch_over is None) != (batch_as is None):
            self._report(
                spec,
                "pipe_field_missing",
                f"{where}: `batch_over` and `batch_as` go together (the list, and the name of "
                "each item)",
            )
            batch_ok = False
        elif batch_over is not None:
            item = self._batch_item(spec, batch_over, batch_as, memory, where, owner, in_parallel)
            batch_ok = item is not None
            if item is not None and isinstance(batch_as, str):
                local[batch_as] = item
        lifted = False
        if isinstance(target, PipeSpec) and batch_ok:
            lifted = self._feed(spec, target, local, where, owner)
        value = self._output_value(target, step, f"{where} (pipe {step.get('pipe')!r})", lifted)
        if isinstance(result, str):
            memory[result] = value
        if isinstance(target, PipeSpec) and not batch_over:
            memory.update(self.stored_names(target))
            if isinstance(result, str):
                memory[result] = value
        return value

    def stored_names(self, target: PipeSpec) -> dict[str, Value]:
        """What running ``target`` leaves in its caller's working memory besides its output.

        A nested sequence's steps and a condition's outcome store into the caller's memory, and
        a PipeParallel with ``add_each_output`` stores each branch result under its name.
        Computed once per pipe (a chain of sequences calling each other twice stays linear);
        a pipe reached again while its own names are being worked out (a cycle, reported
        elsewhere) or nested too deep stores unknown names, so later reads are not reported.
        """
        key = (target.domain, target.code)
        if key in self._stored:
            return self._stored[key]
        if key in self._storing or len(self._storing) > MAX_NESTING:
            return {UNKNOWN_NAMES: UNTYPED}
        self._storing.add(key)
        try:
            stored = self._stored_by(target)
        finally:
            self._storing.discard(key)
        self._stored[key] = stored
        return stored

    def _stored_by(self, target: PipeSpec) -> dict[str, Value]:
        if target.type == "PipeParallel":
            if target.table.get("add_each_output") is True:
                return self.branch_values(target)
            return {}
        stored: dict[str, Value] = {}
        if target.type == "PipeCondition":
            alias = target.table.get("add_alias_from_expression_to")
            if isinstance(alias, str):
                stored[alias] = Value(
                    "native.Text", False, False, f"the expression of {target.code!r}"
                )
            outcomes = target.table.get("outcomes")
            references = list(outcomes.values()) if isinstance(outcomes, dict) else []
            references.append(target.table.get("default_outcome"))
            for reference in references:
                if not isinstance(reference, str) or reference in SPECIAL_OUTCOMES:
                    continue
                inner = self.registry.resolve(reference, target.domain)
                if isinstance(inner, PipeSpec):
                    stored.update(self.stored_names(inner))
            return stored
        if target.type != "PipeSequence":
            return {}
        steps = target.table.get("steps")
        for step in steps if isinstance(steps, list) else []:
            if not isinstance(step, dict):
                continue
            result = step.get("result")
            if "from" in step:
                if isinstance(result, str):
                    stored[result] = UNTYPED  # its type was checked where it binds
                continue
            inner = self.registry.resolve(str(step.get("pipe")), target.domain)
            if not isinstance(inner, PipeSpec):
                # reported where the step is: what it would store is unknown
                stored[UNKNOWN_NAMES] = UNTYPED
                continue
            if not step.get("batch_over"):
                stored.update(self.stored_names(inner))
            if isinstance(result, str):
                origin = f"step result {result!r} of {target.code!r}"
                stored[result] = self._output_value(inner, step, origin, False)
        return stored

    def branch_values(self, parallel: PipeSpec) -> dict[str, Value]:
        """What a PipeParallel with ``add_each_output`` adds to its caller's working memory."""
        values: dict[str, Value] = {}
        branches = parallel.table.get("branches")
        for branch in branches if isinstance(branches, list) else []:
            if not isinstance(branch, dict) or not isinstance(branch.get("result"), str):
                continue
            target = self.registry.resolve(str(branch.get("pipe")), parallel.domain)
            origin = f"branch {branch['result']!r} of {parallel.code!r}"
            values[branch["result"]] = self._output_value(target, branch, origin, False)
        return values

    def _batch_item(
        self,
        spec: PipeSpec,
        batch_over: Any,
        batch_as: Any,
        memory: Mapping[str, Value],
        where: str,
        owner: str,
        in_parallel: bool,
    ) -> Value | None:
        if not isinstance(batch_as, str) or input_name_error(batch_as) is not None:
            code = (
                "invalid_input_name"
                if isinstance(batch_as, str) and batch_as.startswith(BOUND_PREFIX)
                else "binding_step_invalid"
            )
            self._report(spec, code, f"{where}: `batch_as` {batch_as!r} is not a plain name")
            return None
        if not isinstance(batch_over, str) or not PATH.match(batch_over):
            self._report(
                spec,
                "binding_step_invalid",
                f"{where}: `batch_over` {batch_over!r} is not a name or a path",
            )
            return None
        if batch_over.startswith(BOUND_PREFIX):
            self._report(spec, "invalid_input_name", f"{where}: {input_name_error(batch_over)}")
            return None
        if batch_as == batch_over:
            self._report(
                spec,
                "batch_item_name_collision",
                f"{where}: `batch_as` and `batch_over` are both {batch_as!r}: name the item in "
                "the singular and the list in the plural",
            )
            return None
        if batch_as in spec.declared:
            self._report(
                spec,
                "batch_item_name_collision",
                f"{where}: `batch_as` {batch_as!r} is also an input of the {owner}: each item "
                "would hide it; name the item after the list's items instead",
            )
            return None
        if "." in batch_over and in_parallel:
            self._report(
                spec,
                "binding_step_invalid",
                f"{where}: a PipeParallel branch cannot batch over the dotted path "
                f"{batch_over!r}: only a sequence's steps bind. Bind it in a sequence step "
                "before the parallel, and batch over the bound name",
            )
            return None
        value = self._walk(spec, batch_over, memory, where, owner)
        if value is None:
            return None
        if not value.is_list and value.concept is not None:
            self._report(
                spec,
                "input_stuff_spec_mismatch",
                f"{where}: `batch_over` {batch_over!r} holds a single "
                f"{value.describe(self.index)}, not a list: batch over a list",
            )
            return None
        return Value(value.concept, False, False, f"item {batch_as!r} of {batch_over!r}")

    # -- PipeParallel ----------------------------------------------------------------------

    def _parallel(self, spec: PipeSpec) -> None:
        branches = spec.table.get("branches")
        if not isinstance(branches, list) or not branches:
            self._report(
                spec, "pipe_field_missing", "a PipeParallel needs a non-empty `branches` list"
            )
            return
        memory = self._memory(spec, "parallel")
        produced: dict[str, Value] = {}
        for number, branch in enumerate(branches, start=1):
            where = f"branch {number}"
            if not isinstance(branch, dict):
                self._report(spec, "binding_step_invalid", f"{where} must be a table")
                continue
            if "from" in branch:
                self._report(
                    spec,
                    "binding_step_invalid",
                    f"{where} is a binding step, but only a sequence's steps bind: bind the "
                    "value in a sequence step before the PipeParallel, and have the branch read "
                    "that name",
                )
                continue
            if "pipe" not in branch:
                self._report(spec, "pipe_field_missing", f"{where} needs the `pipe` it runs")
                continue
            value = self._pipe_step(spec, branch, dict(memory), where, "parallel")
            result = branch.get("result")
            if isinstance(result, str) and result in produced:
                self._report(
                    spec,
                    "pipe_field_invalid",
                    f"{where}: another branch already stores its result as {result!r}: each "
                    "branch's result name is unique within the PipeParallel",
                )
            if value is not None and isinstance(result, str):
                produced[result] = value
        self._parallel_output(spec, produced)

    def _parallel_output(self, spec: PipeSpec, produced: Mapping[str, Value]) -> None:
        output = spec.output
        if output is None or output.concept is None:
            return
        if output.is_list:
            self._report(
                spec,
                "inadequate_output_multiplicity",
                f"a PipeParallel combines its branches into one value: output {output} takes "
                "no brackets",
            )
            return
        fields, why_not = self._combination_fields(output.concept)
        if why_not is not None:
            self._report(
                spec,
                "inadequate_output_concept",
                f"a PipeParallel combines its branches into its output, and "
                f'{output.ref.bare} {why_not}: declare output = "Composite", or a concept '
                "whose structure has a field per branch result",
            )
            return
        if fields is None:
            return
        for name in produced:
            if name not in fields:
                known = ", ".join(repr(f) for f in fields)
                self._report(
                    spec,
                    "inadequate_output_concept",
                    f"branch result {name!r} is not a field of {output.ref.bare} (its fields: "
                    f"{known}): name each branch's result after the field it fills",
                )
        for name, field in fields.items():
            value = produced.get(name)
            if value is None:
                if field.required:
                    self._report(
                        spec,
                        "inadequate_output_concept",
                        f"output {output.ref.bare} has a required field {name!r} that no "
                        f'branch produces: add a branch with result = "{name}"',
                    )
                continue
            wanted, wanted_list = field.value_concept()
            if (
                value.concept is not None
                and wanted is not None
                and not self.index.is_a(value.concept, wanted)
            ) or (
                value.concept is not None and wanted is not None and value.is_list != wanted_list
            ):
                self._report(
                    spec,
                    "inadequate_output_concept",
                    f"branch result {name!r} produces {value.describe(self.index)} but field "
                    f"{name!r} of {output.ref.bare} holds "
                    f"{self.index.display(wanted)}{'[]' if wanted_list else ''}",
                )
            elif value.maybe_absent and field.required:
                self._report(
                    spec,
                    "optional_branch_required_field",
                    f"branch result {name!r} may be absent ({value.origin}) but field {name!r} "
                    f"of {output.ref.bare} is required: make the field optional, or make the "
                    "branch always produce a value",
                )

    def _combination_fields(self, key: str) -> tuple[Mapping[str, Field] | None, str | None]:
        """The fields a parallel combines into (None: untyped, anything goes), or why ``key``
        cannot hold a combination: a native other than Composite (scalars, Anything, Dynamic),
        or a concept with no structure of its own or inherited."""
        for ancestor in self.index.lineage(key):
            concept = self.index.get(ancestor)
            if concept is None or concept.external:
                return None, None  # reported where it is referenced, or checked by its package
            if concept.native:
                if concept.key == f"{NATIVE_DOMAIN}.Composite":
                    return None, None
                native = "a native concept that holds no named results"
                if ancestor == key:
                    return None, f"is {native}"
                return None, f"refines {self.index.display(ancestor)}, {native}"
            if concept.fields is not None:
                return concept.fields, None
        return None, "has no structure"

    # -- PipeCondition ---------------------------------------------------------------------

    def _condition(self, spec: PipeSpec) -> None:
        table = spec.table
        has_template, has_expression = "expression_template" in table, "expression" in table
        if has_template and has_expression:
            self._report(
                spec,
                "pipe_field_conflict",
                "`expression_template` and `expression` are exclusive: keep one",
            )
        elif not has_template and not has_expression:
            self._report(
                spec,
                "pipe_field_missing",
                "a PipeCondition needs an `expression_template` (Jinja2) or an `expression`",
            )
        self._condition_reads(spec)
        outcomes = table.get("outcomes")
        if not isinstance(outcomes, dict) or not outcomes:
            self._report(
                spec, "pipe_field_missing", "a PipeCondition needs a non-empty `outcomes` table"
            )
            outcomes = {}
        targets: list[tuple[str, Any]] = [
            (f"outcome {key!r}", value) for key, value in outcomes.items()
        ]
        if "default_outcome" not in table:
            self._report(
                spec,
                "pipe_field_missing",
                'a PipeCondition needs a `default_outcome` (a pipe, "fail" or "continue"), '
                "even when its outcomes look exhaustive",
            )
        else:
            targets.append(("default_outcome", table["default_outcome"]))
        memory = self._memory(spec, "condition")
        alias = table.get("add_alias_from_expression_to")
        if isinstance(alias, str):  # stored once the expression is evaluated: outcomes see it
            memory[alias] = Value("native.Text", False, False, f"the expression of {spec.code!r}")
        can_continue = False
        for where, reference in targets:
            if isinstance(reference, str) and reference in SPECIAL_OUTCOMES:
                can_continue = can_continue or reference == "continue"
                continue
            target = self._target(spec, reference, where)
            if not isinstance(target, PipeSpec):
                continue
            lifted = self._feed(spec, target, memory, where, "condition")
            value = self._output_value(target, {}, f"{where} (pipe {target.code!r})", lifted)
            self._adequate(spec, value, f"{where} (pipe {target.code!r})")
        output = spec.output
        if can_continue and output is not None and not output.ref.optional and not output.is_list:
            self._report(
                spec,
                "optional_output_required",
                'can resolve to "continue", which leaves its output absent, but its output '
                f'{output} is not optional: declare output = "{output.ref.bare}?"',
            )

    def _condition_reads(self, spec: PipeSpec) -> None:
        texts = []
        template = spec.table.get("expression_template")
        if isinstance(template, str):
            texts.append(("expression_template", template))
        expression = spec.table.get("expression")
        if isinstance(expression, str):
            texts.append(("expression", "{{ " + expression + " }}"))
        elif expression is not None:
            self._report(spec, "pipe_field_invalid", "`expression` is a string")
        for field, text in texts:
            scan = scan_template(text)
            for error in [*scan.errors, *jinja_syntax_errors(text)]:
                self._report(spec, "template_invalid", f"`{field}`: {error}")
            for read in scan.input_reads(spec.declared):
                root = read.root
                self._read.add(root)
                if root.startswith("_") or root in SPECIAL_NAMES:
                    continue
                if root not in spec.declared:
                    self._report(
                        spec,
                        "missing_input_variable",
                        f"the expression reads {root!r}, which is not a declared input: add it "
                        "to `inputs`",
                    )
                elif root in spec.inputs and spec.inputs[root].ref.optional and not read.guarded:
                    self._report(
                        spec,
                        "optional_input_unguarded",
                        f"the expression reads optional input {root!r} without a guard: "
                        f'test it first, e.g. {{{{ {root}.text if {root} else "" }}}}',
                    )

    # -- PipeBatch -------------------------------------------------------------------------

    def _batch(self, spec: PipeSpec) -> None:
        table = spec.table
        missing = [
            name
            for name in ("branch_pipe_code", "input_list_name", "input_item_name")
            if name not in table
        ]
        if missing:
            self._report(spec, "pipe_field_missing", f"a PipeBatch needs {', '.join(missing)}")
        list_name, item_name = table.get("input_list_name"), table.get("input_item_name")
        item: Value | None = UNTYPED
        for field, name in (("input_list_name", list_name), ("input_item_name", item_name)):
            if name is not None and not isinstance(name, str):
                self._report(spec, "pipe_field_invalid", f"`{field}` is a name, not {name!r}")
        if not isinstance(item_name, str):
            item_name = UNKNOWN_NAMES
        if isinstance(list_name, str):
            error = input_name_error(list_name)
            if error is not None:
                self._report(spec, "invalid_input_name", f"input_list_name {error}")
            elif list_name not in spec.declared:
                self._report(
                    spec,
                    "missing_input_variable",
                    f"input_list_name {list_name!r} is not one of the batch's `inputs`: declare "
                    f'{list_name} = "<Item>[]"',
                )
            elif list_name in spec.inputs:
                self._read.add(list_name)
                slot = spec.inputs[list_name]
                if not slot.is_list:
                    self._report(
                        spec,
                        "input_stuff_spec_mismatch",
                        f"input_list_name {list_name!r} is declared {slot}, not a list: declare "
                        f'{list_name} = "{slot.ref.bare}[]"',
                    )
                item = Value(slot.concept, False, False, f"an item of {list_name!r}")
        if "input_item_name" in table and item_name != UNKNOWN_NAMES:
            if not item_name:
                self._report(spec, "pipe_field_missing", "input_item_name must not be empty")
                item, item_name = UNTYPED, UNKNOWN_NAMES
            elif input_name_error(item_name) is not None:
                self._report(
                    spec, "invalid_input_name", f"input_item_name {input_name_error(item_name)}"
                )
                item, item_name = UNTYPED, UNKNOWN_NAMES
            elif item_name == list_name or item_name in spec.declared:
                self._report(
                    spec,
                    "batch_item_name_collision",
                    f"input_item_name {item_name!r} collides with "
                    + ("input_list_name" if item_name == list_name else "an input of the batch")
                    + ": name the item in the singular of the list (e.g. documents -> document)",
                )
                item, item_name = UNTYPED, UNKNOWN_NAMES
        target = None
        if "branch_pipe_code" in table:
            target = self._target(spec, table["branch_pipe_code"], "branch_pipe_code")
        if not isinstance(target, PipeSpec):
            return
        memory = {
            name: value for name, value in self._memory(spec, "batch").items() if name != list_name
        }
        if item is not None and isinstance(item_name, str):
            memory[item_name] = item
        lifted = self._feed(spec, target, memory, "branch_pipe_code", "batch")
        output = spec.output
        branch = self._output_value(target, {}, f"branch pipe {target.code!r}", lifted)
        if output is None or output.concept is None:
            return
        if not output.is_list:
            self._report(
                spec,
                "inadequate_output_multiplicity",
                f"a PipeBatch outputs the list of its branch's results: declare output = "
                f'"{output.ref.bare}[]"',
            )
        elif branch.is_list:
            self._report(
                spec,
                "inadequate_output_multiplicity",
                f"branch pipe {target.code!r} outputs a list, and lists never nest: batch a "
                "pipe that outputs one value",
            )
        elif branch.concept is not None and not self.index.is_a(branch.concept, output.concept):
            self._report(
                spec,
                "inadequate_output_concept",
                f"declares output {output} but its branch pipe {target.code!r} produces "
                f"{branch.describe(self.index)}: declare output = "
                f'"{branch.describe(self.index)}[]"',
            )


def controller_targets(spec: PipeSpec) -> list[str]:
    """The pipe references a controller calls, in order (for cycles and the dry run)."""
    table = spec.table
    kind = spec.type
    if kind in ("PipeSequence", "PipeParallel"):
        items = table.get("steps" if kind == "PipeSequence" else "branches")
        if not isinstance(items, list):
            return []
        return [
            item["pipe"]
            for item in items
            if isinstance(item, dict) and isinstance(item.get("pipe"), str)
        ]
    if kind == "PipeBatch":
        code = table.get("branch_pipe_code")
        return [code] if isinstance(code, str) else []
    if kind == "PipeCondition":
        outcomes = table.get("outcomes")
        found = list(outcomes.values()) if isinstance(outcomes, dict) else []
        found.append(table.get("default_outcome"))
        return [t for t in found if isinstance(t, str) and t not in SPECIAL_OUTCOMES]
    return []
