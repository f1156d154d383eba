"""Strict validation: a method may not depend on a signature that nothing implements yet.

A signature declares a pipe's contract before its implementation. Pipelex validates a method
strictly by default: a pipe (a main pipe, or a controller nothing else calls) that reaches an
unimplemented signature is refused, naming the chain that reaches it. ``--allow-signatures``
accepts them, and a dry run then gives each one a placeholder of its declared output. A
signature that nothing reaches is fine either way.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipelex_core.bundles.flow_rules import controller_targets
from pipelex_core.bundles.library import Bundle
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.registry import CONTROLLERS, PipeRegistry

Chain = tuple[str, ...]


def check_signatures(
    bundles: Iterable[Bundle], registry: PipeRegistry, problems: list[Problem]
) -> None:
    for entry in _entries(bundles, registry):
        chains = _chains_to_signatures(entry, registry)
        if not chains:
            continue
        listed = "; ".join(" -> ".join(chain) for chain in chains)
        problems.append(
            entry.problem(
                "signatures_not_allowed",
                f"depends on signatures that nothing implements yet ({listed}): implement "
                "each one (give it its `type` and fields), or validate with "
                "--allow-signatures to dry-run them as placeholders",
            )
        )


def _entries(bundles: Iterable[Bundle], registry: PipeRegistry) -> list[PipeSpec]:
    """The pipes a method starts from: every main pipe, and each controller nothing calls."""
    called: set[tuple[str, str]] = set()
    for spec in registry:
        for reference in controller_targets(spec):
            target = registry.resolve(reference, spec.domain)
            if isinstance(target, PipeSpec):
                called.add((target.domain, target.code))
    entries: dict[tuple[str, str], PipeSpec] = {}
    for bundle in bundles:
        main = registry.by_key.get((bundle.domain or "", bundle.main_pipe or ""))
        if main is not None:
            entries[(main.domain, main.code)] = main
    for spec in registry:
        key = (spec.domain, spec.code)
        if spec.type in CONTROLLERS and key not in called:
            entries.setdefault(key, spec)
    return list(entries.values())


def _chains_to_signatures(entry: PipeSpec, registry: PipeRegistry) -> list[Chain]:
    """Each unimplemented signature ``entry`` reaches, with the first chain that reaches it."""
    found: dict[str, Chain] = {}
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[PipeSpec, Chain]] = [(entry, (entry.code,))]
    while pending:
        spec, chain = pending.pop()
        key = (spec.domain, spec.code)
        if key in seen:
            continue
        seen.add(key)
        if spec.type is None:
            found.setdefault(spec.code, chain)
            continue
        for reference in reversed(controller_targets(spec)):
            target = registry.resolve(reference, spec.domain)
            if isinstance(target, PipeSpec):
                pending.append((target, (*chain, target.code)))
    return [found[code] for code in sorted(found)]
