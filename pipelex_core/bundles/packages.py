"""Dependencies that need no fetch: a local ``path``, or a copy vendored in ``.mthds/methods/``.

A dependency declared with ``path`` is the folder that path names, relative to the folder of
``METHODS.toml`` (an absolute path is taken as it is). Without ``path``, a copy vendored in the
project-local method cache, ``.mthds/methods/<alias>/`` in the manifest's folder or one above
it, is the dependency. Either way the folder is a package of its own (its ``METHODS.toml``, its
bundles, its namespace), loaded and checked by itself; a package's pipes and concepts are then
reached as ``alias->domain.code``, under keys that keep the alias so that its domains never
merge with the consumer's. Anything else (a remote dependency, a path that names no package)
cannot be resolved offline, and the message says what to do.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from pipelex_core.bundles.library import Bundle
from pipelex_core.bundles.manifest import MANIFEST, Manifest

if TYPE_CHECKING:
    from pipelex_core.bundles.concept_index import Concept
    from pipelex_core.bundles.model_uses import ModelUse
    from pipelex_core.bundles.pipe_specs import PipeSpec

#: The project-local method cache the MTHDS library-crate spec vendors dependencies in.
VENDOR_DIR = Path(".mthds") / "methods"
#: ``alias->`` at the start of a reference: which dependencies a library mentions.
_ALIAS = re.compile(r"(?<![A-Za-z0-9_>-])([a-z][a-z0-9_]*)->")


@attrs.frozen
class Package:
    """A dependency loaded from disk: what a consumer may reach in it, keyed with its alias."""

    alias: str
    root: Path
    #: the dependency's own domains, as it writes them
    domains: frozenset[str]
    #: ``(alias->domain, code)``: every pipe of the dependency
    pipes: Mapping[tuple[str, str], PipeSpec]
    #: ``alias->domain.Code``: every concept of the dependency
    concepts: Mapping[str, Concept]
    #: ``(alias->domain, code)`` of the pipes it exports (``[exports]`` and main pipes)
    exported: frozenset[tuple[str, str]]
    model_uses: tuple[ModelUse, ...] = ()


#: What each referenced alias turned out to be: a loaded package, or why it is not one.
Packages = Mapping[str, Package | str]


def foreign_key(alias: str, key: str) -> str:
    """A dependency's ``domain.Code`` (or domain) as the consumer sees it: natives stay shared."""
    return key if key.startswith("native.") else f"{alias}->{key}"


def package_prefix(domain: str) -> str:
    """``alias->`` for a domain of a dependency, ``""`` for the library's own."""
    head, separator, _ = domain.rpartition("->")
    return f"{head}{separator}"


def referenced_aliases(bundles: Iterable[Bundle]) -> set[str]:
    """Every alias some string of the library's bundles writes as ``alias->``."""
    found: set[str] = set()
    for bundle in bundles:
        for text in _strings(bundle.header):
            if "->" in text:
                found.update(_ALIAS.findall(text))
    return found


def _strings(value: Any) -> Iterator[str]:
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            yield current
        elif isinstance(current, dict):
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)


def locate(alias: str, manifest: Manifest, *, honour_paths: bool) -> Path | str:
    """The package folder of dependency ``alias``, or why there is none (the end of a message).

    ``honour_paths`` is False for a dependency's own dependencies: local paths are honoured
    for the root package only, as the dependencies page says.
    """
    spec = manifest.dependencies[alias]
    base = Path(manifest.file).parent
    path = spec.get("path")
    if path is not None:
        if not honour_paths:
            return (
                f"declared with the local path {path!r}, and local paths are honoured for the "
                "package being validated only, never through a dependency: vendor the package "
                f"in .mthds/methods/{alias}/ instead"
            )
        # normpath: problems name ../lib/x.mthds as lib/x.mthds, not app/../lib/x.mthds
        folder = Path(os.path.normpath(base / str(path)))
        if not folder.is_dir():
            return (
                f"whose path {path!r} is no folder ({folder}): fix `path` in "
                f"{manifest.file}, relative to that file's folder"
            )
        if not (folder / MANIFEST).is_file():
            return (
                f"whose path {path!r} holds no {MANIFEST} ({folder}): point `path` at the "
                f"dependency's package folder, the one holding its {MANIFEST}"
            )
        return folder
    for cache in _vendor_dirs(base):
        folder = cache / alias
        if (folder / MANIFEST).is_file():
            return folder
    return _not_installed(alias)


def _not_installed(alias: str) -> str:
    return (
        "which is not installed, and validation never fetches: give it a local `path` to its "
        f"package folder, or vendor the package in {VENDOR_DIR.as_posix()}/{alias}/, then "
        "validate again"
    )


def _vendor_dirs(base: Path) -> Iterator[Path]:
    """``.mthds/methods`` in ``base`` and each folder above it, nearest first."""
    folder = base.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / VENDOR_DIR).is_dir():
            yield candidate / VENDOR_DIR


def unresolved_dependency(
    where: str, reference: str, manifest: Manifest | None, packages: Packages | None = None
) -> str:
    """Why a cross-package reference cannot be resolved here, and what to do."""
    alias, _, rest = reference.partition("->")
    if manifest is not None and alias in manifest.malformed_dependencies:
        return (
            f"{where}: {reference!r} names dependency {alias!r}, whose entry under "
            f"[dependencies] is invalid: fix it in {manifest.file} (its problem says how)"
        )
    if manifest is None or alias not in manifest.dependencies:
        declared = ", ".join(sorted(manifest.dependencies)) if manifest else ""
        return (
            f"{where}: {reference!r} names package {alias!r}, which METHODS.toml does not "
            "declare under [dependencies]"
            + (f" (declared: {declared})" if declared else "")
            + ": declare it, or fix the alias"
        )
    address = manifest.dependencies[alias].get("address")
    found = (packages or {}).get(alias)
    if not isinstance(found, Package):
        reason = found if isinstance(found, str) else _not_installed(alias)
        return f"{where}: {reference!r} needs dependency {alias!r} ({address}), {reason}"
    domain, _, code = rest.rpartition(".")
    if domain not in found.domains:
        domains = ", ".join(sorted(found.domains)) or "none"
        return (
            f"{where}: {reference!r}: dependency {alias!r} ({found.root}) has no domain "
            f"{domain!r} (its domains: {domains}): write {alias}-><domain>.{code}"
        )
    kind = "concept" if code[:1].isupper() else "pipe"
    return (
        f"{where}: {reference!r}: dependency {alias!r} ({found.root}) defines no {kind} "
        f"{code!r} in domain {domain!r}: fix the name, or define it in the dependency"
    )
