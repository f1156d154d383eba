"""Run a method for real, offline, when every pipe it can reach needs no model.

PipeCompose renders its template (or builds its construct) from working memory, conditions
evaluate their expression, and the controllers and binding steps run as in a dry run. A
method that could reach a pipe needing inference (an LLM, image generation, extraction,
search, a judge), a registered function, a document engine or an unimplemented signature is
refused before anything runs, naming that pipe: never a partial run that looks complete.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any

from pipelex_core.bundles.check import CheckedLibrary
from pipelex_core.bundles.execution import Absent, Outcome, Walk
from pipelex_core.bundles.fields import Field
from pipelex_core.bundles.flow_rules import controller_targets
from pipelex_core.bundles.memory import Value
from pipelex_core.bundles.model_uses import MODEL_OPERATORS
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.registry import CONTROLLERS
from pipelex_core.bundles.rendering import Style, TemplateRenderError, format_value, wrap
from pipelex_core.bundles.samples import fit_field, native_code, with_defaults
from pipelex_core.bundles.template_sandbox import render_template

#: What keeps a pipe from running here, by type (a signature has no type).
NOT_RUNNABLE = {
    **{kind: "needs a model (inference)" for kind in MODEL_OPERATORS},
    "PipeFunc": "calls a registered Python function, which only Pipelex's runtime holds",
    "PipeDocGen": "renders a document with an engine pipelex-core does not ship",
}


def blocking_pipes(checked: CheckedLibrary, start: PipeSpec) -> list[tuple[PipeSpec, str]]:
    """Every pipe the run could reach (each condition outcome included) that cannot run here,
    in the order the run would reach them."""
    seen: set[tuple[str, str]] = set()
    blocking: list[tuple[PipeSpec, str]] = []
    pending = [start]
    while pending:
        spec = pending.pop()
        key = (spec.domain, spec.code)
        if key in seen:
            continue
        seen.add(key)
        if spec.type is None:
            blocking.append((spec, "is a signature with no implementation yet"))
            continue
        if spec.type in NOT_RUNNABLE:
            blocking.append((spec, NOT_RUNNABLE[spec.type]))
            continue
        if spec.type in CONTROLLERS:
            targets = [
                checked.registry.resolve(ref, spec.domain) for ref in controller_targets(spec)
            ]
            # reversed onto the stack: pipes are visited in the order the run reaches them
            pending.extend(t for t in reversed(targets) if isinstance(t, PipeSpec))
    return blocking


class RealStrategy:
    def operate(self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> Any:
        if spec.type != "PipeCompose":  # refused before the run started; be safe anyway
            walk.fail(spec, f"a {spec.type or 'signature'} cannot run offline")
        try:
            template = spec.table.get("template")
            if template is not None:
                return self._template(walk, spec, memory, template)
            return self._construct(walk, spec, memory)
        except TemplateRenderError as exc:
            walk.fail(spec, f"the template failed: {exc}")

    def choose(self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> str | None:
        table = spec.table
        source = table.get("expression_template")
        if not isinstance(source, str):
            source = "{{ " + str(table.get("expression", "")) + " }}"
        try:
            value = render_template(
                source,
                _context(walk, spec, memory),
                index=walk.index,
                category="expression",
                names=spec.declared,
            ).strip()
        except TemplateRenderError as exc:
            walk.fail(spec, f"the expression failed: {exc}")
        alias = table.get("add_alias_from_expression_to")
        if isinstance(alias, str) and isinstance(memory, dict):
            memory[alias] = {"text": value}
        outcomes = table.get("outcomes", {})
        chosen = outcomes.get(value)
        if isinstance(chosen, str):
            return chosen
        default = table.get("default_outcome")
        return default if isinstance(default, str) else None

    def _template(
        self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any], template: Any
    ) -> Any:
        context = _context(walk, spec, memory)
        names = spec.declared  # an inline @word that names none of them stays text
        target_format = spec.table.get("target_format")
        if isinstance(template, dict):
            category = str(template.get("category", "basic"))
            style = Style.of(template.get("templating_style"), target_format)
            extra = template.get("extra_context")
            if isinstance(extra, dict):
                context.update(extra)
                names = names | frozenset(extra)
            body = str(template.get("template", ""))
        else:
            category = "html" if target_format == "html" else "basic"
            style, body = Style.of(None, target_format), str(template)
        text = render_template(
            body, context, index=walk.index, category=category, style=style, names=names
        )
        output = spec.output
        native = native_code(walk.index, output.concept) if output is not None else None
        if native == "Html":
            return {"inner_html": text, "css_class": None}
        return {"text": text}

    def _construct(self, walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> Any:
        output = spec.output
        concept = output.concept if output is not None else None
        construct = spec.table.get("construct", {})
        fields = walk.index.fields_of(concept) if concept else None
        value = with_defaults(self._build(walk, spec, memory, construct, concept), fields)
        missing = [
            name
            for name, field in (fields or {}).items()
            if field.required and value.get(name) is None
        ]
        if missing:
            walk.fail(
                spec,
                f"cannot build {walk.index.display(concept)}: required field"
                f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
                "got no value",
            )
        return value

    def _build(
        self,
        walk: Walk,
        spec: PipeSpec,
        memory: Mapping[str, Any],
        construct: Mapping[str, Any],
        concept: str | None,
    ) -> dict[str, Any]:
        fields = walk.index.fields_of(concept) if concept else None
        built: dict[str, Any] = {}
        for name, blueprint in construct.items():
            field = fields.get(name) if fields is not None else None
            if not isinstance(blueprint, dict):
                built[name] = plain_literal(blueprint)
            elif "from" in blueprint:
                found, _ = walk.read(memory, _input_types(spec), blueprint["from"])
                found = None if isinstance(found, Absent) else found
                key = blueprint.get("list_to_dict_keyed_by")
                if isinstance(key, str) and isinstance(found, list):
                    found = {str(_key_of(item, key)): item for item in found}
                built[name] = fit_field(found, field)
            elif "template" in blueprint:
                text = render_template(
                    str(blueprint["template"]),
                    _context(walk, spec, memory),
                    index=walk.index,
                    names=spec.declared,
                )
                built[name] = _typed_text(walk, spec, name, text, field)
            else:
                sub = field.concept if field is not None else None
                built[name] = self._build(walk, spec, memory, blueprint, sub)
        return built


def plain_literal(value: Any) -> Any:
    """A construct literal as JSON holds it: TOML dates and times become ISO strings."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return [plain_literal(item) for item in value]
    if isinstance(value, dict):
        return {key: plain_literal(item) for key, item in value.items()}
    return value


def _typed_text(walk: Walk, spec: PipeSpec, name: str, text: str, field: Field | None) -> Any:
    """A rendered construct field, as the value its field type holds."""
    kind = field.kind if field is not None else "text"
    try:
        if kind == "integer" and re.fullmatch(r"\s*[-+]?\d+\s*", text):
            return int(text)
        if kind == "number":
            number = float(text.strip())
            if math.isfinite(number) and "_" not in text:
                return number
    except ValueError:
        pass
    if kind in ("integer", "number"):
        walk.fail(spec, f"construct field {name!r} is a {kind}, but its template gave {text!r}")
    if kind == "boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "yes", "no"):
            walk.fail(
                spec, f"construct field {name!r} is a boolean, but its template gave {text!r}"
            )
        return lowered in ("true", "yes")
    return text


def _key_of(item: Any, key: str) -> Any:
    value = item.get(key) if isinstance(item, dict) else None
    return value.get("text", value) if isinstance(value, dict) else value


def _input_types(spec: PipeSpec) -> dict[str, Value]:
    """What the pipe declares it reads: the types a path through its inputs is walked by."""
    return {name: Value.of_slot(slot, name) for name, slot in spec.inputs.items()}


def _context(walk: Walk, spec: PipeSpec, memory: Mapping[str, Any]) -> dict[str, Any]:
    """Every value of working memory, typed by the pipe's declared inputs where it has them."""
    context: dict[str, Any] = {
        name: wrap(value, None, walk.index, name) for name, value in memory.items()
    }
    for name, slot in spec.inputs.items():
        if name in memory:
            context[name] = wrap(memory[name], slot.concept, walk.index, name)
    return context


def real_run(checked: CheckedLibrary, start: PipeSpec, inputs: Mapping[str, Any]) -> Outcome:
    return Walk(checked, RealStrategy(), "run_failed").run(start, inputs)


def readable(output: Any, checked: CheckedLibrary, start: PipeSpec) -> str:
    """The main output as a person reads it."""
    concept = start.output.concept if start.output is not None else None
    if isinstance(output, dict) and output.get("absent") is True:
        return f"(absent: {output.get('reason', '')})"
    if isinstance(output, dict) and set(output) == {"items"}:
        return format_value(output["items"], concept, checked.index, "plain")
    return format_value(output, concept, checked.index, "plain")


__all__ = ["blocking_pipes", "readable", "real_run"]
