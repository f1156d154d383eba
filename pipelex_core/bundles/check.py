"""Validate a library as Pipelex documents the MTHDS language, every problem reported together.

The order is the language's: files and headers, concepts, each pipe's contract, each
operator's rules, the controllers' flow of values, cycles, then every model reference. Each
stage reads what the earlier ones resolved, and a fault is reported once, where it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import attrs

from pipelex_core.bundles.concept_index import ConceptIndex, build_concept_index
from pipelex_core.bundles.flow_rules import FlowChecker, controller_targets
from pipelex_core.bundles.graphs import describe_cycle, find_cycles
from pipelex_core.bundles.library import Bundle, Library, load_library
from pipelex_core.bundles.manifest import Manifest, find_manifest, load_manifest
from pipelex_core.bundles.model_uses import ModelUse, model_uses
from pipelex_core.bundles.operator_fields import check_common_fields
from pipelex_core.bundles.operator_rules import check_operator
from pipelex_core.bundles.package_import import import_package
from pipelex_core.bundles.packages import Package, locate, referenced_aliases
from pipelex_core.bundles.pipe_specs import PipeSpec, build_pipe_specs
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.refs import DOMAIN, RESERVED_DOMAINS, SNAKE
from pipelex_core.bundles.registry import CONTROLLERS, PipeRegistry, build_registry
from pipelex_core.bundles.signatures import check_signatures
from pipelex_core.errors import BundleValidationError
from pipelex_core.models.resolution import ModelResolver

__all__ = ["CONTROLLERS", "CheckedLibrary", "ModelUse", "check_library", "find_problems"]


@attrs.frozen
class CheckedLibrary:
    library: Library
    index: ConceptIndex
    registry: PipeRegistry
    model_uses: tuple[ModelUse, ...]
    #: with a manifest, (domain, code) of the pipes other domains and packages may call
    public: frozenset[tuple[str, str]] | None = None

    def pipe_names(self) -> list[str]:
        """Every pipe, by code; as ``domain.code`` where two domains share the code."""
        shared = {code for code, specs in self.registry.by_code.items() if len(specs) > 1}
        return sorted(
            f"{spec.domain}.{spec.code}" if spec.code in shared else spec.code
            for spec in self.registry
        )

    def find(self, name: str) -> list[PipeSpec]:
        """The pipes ``name`` names: ``domain.code`` one at most, a bare code maybe several."""
        if "." in name:
            domain, _, code = name.rpartition(".")
            found = self.registry.by_key.get((domain, code))
            return [found] if found is not None else []
        return list(self.registry.by_code.get(name, []))

    def main_pipe(self) -> PipeSpec | None:
        """The ``main_pipe`` of the first bundle (by path) that names one, in its domain."""
        for bundle in self.library.bundles:
            if bundle.main_pipe:
                return self.registry.by_key.get((bundle.domain or "", bundle.main_pipe))
        return None


def find_problems(
    library: Library, resolver: ModelResolver, *, allow_signatures: bool = False
) -> tuple[CheckedLibrary, list[Problem]]:
    """Every problem of ``library``, and what was resolved on the way.

    ``allow_signatures`` accepts a method that still reaches unimplemented signatures.
    """
    return _find(library, resolver, allow_signatures, root=True, loading=frozenset(), loaded={})


def _find(
    library: Library,
    resolver: ModelResolver,
    allow_signatures: bool,
    *,
    root: bool,
    loading: frozenset[Path],
    loaded: dict[Path, CheckedLibrary],
) -> tuple[CheckedLibrary, list[Problem]]:
    problems = list(library.problems)
    for bundle in library.bundles:
        _check_header(bundle, problems)
    manifest_path = find_manifest(library.bundles)
    manifest = None if manifest_path is None else load_manifest(manifest_path, problems)
    packages: dict[str, Package | str] = {}
    if manifest is not None:
        loading = loading | {Path(manifest.file).parent.resolve()}
        for alias in sorted(referenced_aliases(library.bundles) & set(manifest.dependencies)):
            packages[alias] = _load_package(
                alias, manifest, resolver, allow_signatures, root, loading, loaded, problems
            )
    index = build_concept_index(library.bundles, problems, manifest, packages)
    specs = build_pipe_specs(library.bundles, index, problems)
    registry = build_registry(specs, problems)
    foreign_uses: list[ModelUse] = []
    for package in packages.values():
        if isinstance(package, Package):
            registry.foreign.update(package.pipes)
            registry.exported |= package.exported
            foreign_uses.extend(package.model_uses)
    _check_main_pipes(library.bundles, problems)
    public = None if manifest is None else _public_pipes(library, registry, manifest, problems)
    flow = FlowChecker(registry, index, problems, public)
    for spec in registry:
        if spec.type is None:
            continue  # a signature: its contract was checked with the specs
        check_common_fields(spec, problems)
        check_operator(spec, index, problems)
        flow.check(spec)
    _check_cycles(registry, problems)
    if not allow_signatures:
        check_signatures(library.bundles, registry, problems)
    uses = (*model_uses(registry, resolver, problems), *foreign_uses)
    checked = CheckedLibrary(
        library=library, index=index, registry=registry, model_uses=uses, public=public
    )
    return checked, _distinct(problems)


def _load_package(
    alias: str,
    manifest: Manifest,
    resolver: ModelResolver,
    allow_signatures: bool,
    root: bool,
    loading: frozenset[Path],
    loaded: dict[Path, CheckedLibrary],
    problems: list[Problem],
) -> Package | str:
    """Dependency ``alias`` loaded and checked as a package of its own, or why it cannot be.

    Its problems are reported with the rest, on its own files, each saying whose they are. A
    package several dependencies share is read and checked once (``loaded``, by folder), and
    its problems reported once, through the first dependency that reached it.
    """
    found = locate(alias, manifest, honour_paths=root)
    if isinstance(found, str):
        return found
    folder = found.resolve()
    if folder in loading:
        return (
            f"whose package folder ({found}) is a package being loaded: packages cannot "
            "depend on each other in a circle"
        )
    checked = loaded.get(folder)
    if checked is None:
        checked, found_problems = _find(
            load_library([found]),
            resolver,
            allow_signatures,
            root=False,
            loading=loading,
            loaded=loaded,
        )
        loaded[folder] = checked
        problems.extend(
            attrs.evolve(problem, message=f"in dependency {alias!r}: {problem.message}")
            for problem in found_problems
        )
    return import_package(
        alias,
        found,
        checked.index,
        checked.registry,
        checked.public or (),
        checked.model_uses,
        {bundle.domain for bundle in checked.library.bundles if bundle.domain},
    )


def check_library(
    library: Library, resolver: ModelResolver, *, allow_signatures: bool = False
) -> CheckedLibrary:
    """Run every check; raise :class:`BundleValidationError` with all problems found."""
    checked, problems = find_problems(library, resolver, allow_signatures=allow_signatures)
    if problems:
        count = len(problems)
        raise BundleValidationError(
            f"{count} problem{'s' if count != 1 else ''} found:\n"
            + "\n".join(f"  {problem}" for problem in problems),
            "Fix the bundle where each problem says; `docs/language.md` explains each code.",
            problems=[problem.as_dict() for problem in problems],
        )
    return checked


def _public_pipes(
    library: Library, registry: PipeRegistry, manifest: Manifest, problems: list[Problem]
) -> frozenset[tuple[str, str]]:
    """What other domains of the package may call: exports and every bundle's main pipe."""
    public = {(b.domain or "", b.main_pipe) for b in library.bundles if b.main_pipe}
    if manifest.main_pipe is not None:  # the package's main pipe is exported too
        public |= {key for key in registry.by_key if key[1] == manifest.main_pipe}
    for domain, pipes in manifest.exports.items():
        for code in sorted(pipes):
            if (domain, code) not in registry.by_key:
                problems.append(
                    Problem(
                        manifest.file,
                        None,
                        "unknown_pipe",
                        f"[exports.{domain}] exports {code!r}, which no bundle of domain "
                        f"{domain!r} defines",
                    )
                )
            public.add((domain, code))
    return frozenset(public)


def _distinct(problems: Iterable[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _check_header(bundle: Bundle, problems: list[Problem]) -> None:
    domain = bundle.header.get("domain")
    if domain is None:
        problems.append(
            Problem(
                bundle.file,
                None,
                "domain_invalid",
                'a bundle declares its `domain` (e.g. domain = "invoices") before any table',
            )
        )
    elif not isinstance(domain, str) or not DOMAIN.match(domain):
        problems.append(
            Problem(
                bundle.file,
                None,
                "domain_invalid",
                f"domain {domain!r} is not snake_case segments joined by dots "
                "(e.g. legal.contracts)",
            )
        )
    elif domain.split(".", 1)[0] in RESERVED_DOMAINS:
        problems.append(
            Problem(
                bundle.file,
                None,
                "domain_invalid",
                f"domain {domain!r} starts with the reserved segment "
                f"{domain.split('.', 1)[0]!r} (native, mthds and pipelex are reserved)",
            )
        )
    for field in ("description", "system_prompt"):
        if field in bundle.header and not isinstance(bundle.header[field], str):
            problems.append(
                Problem(bundle.file, None, "bundle_field_invalid", f"`{field}` must be a string")
            )


def _check_main_pipes(bundles: Iterable[Bundle], problems: list[Problem]) -> None:
    for bundle in bundles:
        main = bundle.main_pipe
        if main is None:
            continue
        if not SNAKE.match(main):
            problems.append(
                Problem(
                    bundle.file,
                    None,
                    "main_pipe_unresolved",
                    f"main_pipe {main!r} is not a pipe code (snake_case)",
                )
            )
        elif main not in {pipe.code for pipe in bundle.pipes}:
            problems.append(
                Problem(
                    bundle.file,
                    None,
                    "main_pipe_unresolved",
                    f"main_pipe {main!r} names no pipe of this bundle: define "
                    f"[pipe.{main}] here, or fix the name",
                )
            )


def _check_cycles(registry: PipeRegistry, problems: list[Problem]) -> None:
    edges: dict[str, list[str]] = {}
    specs = {f"{spec.domain}.{spec.code}": spec for spec in registry}
    for key, spec in specs.items():
        if spec.type not in CONTROLLERS:
            continue
        targets = []
        for reference in controller_targets(spec):
            resolved = registry.resolve(reference, spec.domain)
            if isinstance(resolved, PipeSpec):
                targets.append(f"{resolved.domain}.{resolved.code}")
        edges[key] = targets
    for cycle in find_cycles(edges):
        problems.append(
            specs[cycle[0]].problem(
                "circular_dependency_error",
                "controllers call each other in a circle: "
                + describe_cycle([specs[key].code for key in cycle])
                + "; break the cycle",
            )
        )
