"""``METHODS.toml``: the package a library belongs to, its dependencies and its exports.

A library with no manifest is standalone: every pipe is public and it has no dependencies.
With one, a pipe of one domain may call a pipe of another only when that pipe is exported
(listed in ``[exports.<domain>]``, or a bundle's ``main_pipe``), and ``alias->domain.code``
names a declared dependency (loaded from disk when it can be: see packages.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from pipelex_core import toml_text
from pipelex_core.bundles.library import PACKAGE_MANIFEST, Bundle
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.refs import DOMAIN, RESERVED_DOMAINS, SNAKE
from pipelex_core.file_read import UnreadableFileError, read_regular_file

#: A manifest is a few kilobytes; anything this large is not one.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

MANIFEST = PACKAGE_MANIFEST
ADDRESS = re.compile(r"^[a-zA-Z0-9._-]+\.[a-zA-Z0-9._-]+/[a-zA-Z0-9._/-]+$")
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
)
PACKAGE_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,24}$")
_CONSTRAINT_PART = re.compile(
    r"^\s*(\^|~|>=|<=|>|<|==|!=|=)?\s*(\d+|\*|x|X)(\.(\d+|\*|x|X)){0,2}(-[0-9A-Za-z.-]+)?\s*$"
)


def is_version_constraint(text: object) -> bool:
    """``^1.2``, ``>=1.0, <2``, ``1.x``, ``*``: the constraint forms manifests use."""
    return isinstance(text, str) and all(_CONSTRAINT_PART.match(part) for part in text.split(","))


@attrs.frozen
class Manifest:
    file: str
    dependencies: Mapping[str, Mapping[str, Any]]
    exports: Mapping[str, frozenset[str]]
    main_pipe: str | None = None
    #: Aliases declared under ``[dependencies]`` whose entry is malformed (a manifest_invalid
    #: problem): a reference to one is told to fix the entry, not to declare the alias.
    malformed_dependencies: frozenset[str] = frozenset()


def find_manifest(bundles: Iterable[Bundle]) -> Path | None:
    """The ``METHODS.toml`` above the library's bundles (up to a ``.git`` folder), if any."""
    for bundle in bundles:
        folder = Path(bundle.file).resolve().parent
        for candidate in (folder, *folder.parents):
            if (candidate / MANIFEST).is_file():
                return candidate / MANIFEST
            if (candidate / ".git").exists():
                break
    return None


def load_manifest(path: Path, problems: list[Problem]) -> Manifest | None:
    name = str(path)

    def bad(message: str) -> None:
        problems.append(Problem(name, None, "manifest_invalid", message))

    try:
        raw = read_regular_file(path, limit=MAX_MANIFEST_BYTES)
        document = toml_text.loads(raw.decode("utf-8-sig"))
    except UnreadableFileError as exc:
        bad(f"cannot be read: it is {exc.reason}")
        return None
    except (OSError, UnicodeDecodeError, toml_text.TomlError) as exc:
        bad(f"cannot be read as TOML: {exc}")
        return None
    except RecursionError:
        bad("its tables or arrays are nested too deeply to read")
        return None
    package = document.get("package")
    if not isinstance(package, dict):
        bad("needs a [package] table (name, address, version, description)")
        package = {}
    else:
        _check_package(package, bad)
    dependencies: dict[str, Mapping[str, Any]] = {}
    malformed: set[str] = set()
    raw_dependencies = document.get("dependencies", {})
    if not isinstance(raw_dependencies, dict):
        bad("[dependencies] is a table of alias = { address, version }")
        raw_dependencies = {}
    for alias, spec in raw_dependencies.items():
        if not SNAKE.match(alias):
            bad(f"dependency alias {alias!r} is not snake_case")
        if (
            not isinstance(spec, dict)
            or not ADDRESS.match(str(spec.get("address", "")))
            or not is_version_constraint(spec.get("version"))
        ):
            bad(
                f"dependency {alias!r} needs an `address` such as github.com/org/repo "
                'and a `version` constraint such as "^1.0.0"'
            )
            malformed.add(alias)
            continue
        local = spec.get("path")
        if local is not None and (not isinstance(local, str) or not local.strip()):
            bad(f"dependency {alias!r}: `path` is the folder of its package, a non-empty string")
            malformed.add(alias)
            continue
        dependencies[alias] = spec
    exports: dict[str, frozenset[str]] = {}
    raw_exports = document.get("exports", {})
    if not isinstance(raw_exports, dict):
        bad("[exports] is a table of [exports.<domain>] tables, each with a `pipes` list")
        raw_exports = {}
    for domain, table in _export_tables(raw_exports):
        if not DOMAIN.match(domain):
            bad(f"[exports.{domain}]: {domain!r} is not a domain path")
        elif domain.split(".", 1)[0] in RESERVED_DOMAINS:
            bad(
                f"[exports.{domain}]: the domain starts with the reserved segment "
                f"{domain.split('.', 1)[0]!r} (native, mthds and pipelex are reserved)"
            )
        pipes = table.get("pipes", [])
        if not isinstance(pipes, list) or not all(isinstance(p, str) for p in pipes):
            bad(f"[exports.{domain}] pipes is a list of pipe codes")
            continue
        for pipe in pipes:
            if not SNAKE.match(pipe):
                bad(f"[exports.{domain}]: {pipe!r} is not a pipe code (snake_case)")
        exports[domain] = frozenset(pipes)
    main_pipe = package.get("main_pipe")
    return Manifest(
        name,
        dependencies,
        exports,
        main_pipe if isinstance(main_pipe, str) else None,
        frozenset(malformed),
    )


def _check_package(package: Mapping[str, Any], bad: Any) -> None:
    address = package.get("address")
    if not isinstance(address, str) or not ADDRESS.match(address):
        bad(f"[package] address {address!r} is not a hostname and path such as github.com/org/repo")
    version = package.get("version")
    if not isinstance(version, str) or not SEMVER.match(version):
        bad(f"[package] version {version!r} is not a semantic version such as 1.0.0")
    description = package.get("description")
    if not isinstance(description, str) or not description.strip():
        bad("[package] needs a non-empty description")
    name = package.get("name")
    if name is not None and (not isinstance(name, str) or not PACKAGE_NAME.match(name)):
        bad(f"[package] name {name!r}: 2 to 25 lowercase letters, digits, '_' or '-'")
    main_pipe = package.get("main_pipe")
    if main_pipe is not None and (not isinstance(main_pipe, str) or not SNAKE.match(main_pipe)):
        bad(f"[package] main_pipe {main_pipe!r} is not a pipe code (snake_case)")
    display = package.get("display_name")
    if display is not None and (
        not isinstance(display, str)
        or not display.strip()
        or len(display) > 128
        or any(ord(c) < 32 for c in display)
    ):
        bad("[package] display_name is a non-blank line of at most 128 characters")
    authors = package.get("authors")
    if authors is not None and (
        not isinstance(authors, list) or not all(isinstance(a, str) for a in authors)
    ):
        bad('[package] authors is a list of names, e.g. authors = ["Ada <ada@example.com>"]')
    mthds = package.get("mthds_version")
    if mthds is not None and not is_version_constraint(mthds):
        bad(f'[package] mthds_version {mthds!r} is not a version constraint such as ">=1.0"')


def _export_tables(table: Any) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """``[exports.a.b] pipes = […]`` parses as nested tables: flatten them to domain paths
    (iteratively: a path of thousands of segments is a fault to report, not a crash)."""
    pending: list[tuple[str, Any]] = [("", table)]
    while pending:
        prefix, current = pending.pop()
        if not isinstance(current, dict):
            continue
        for key, value in current.items():
            if not isinstance(value, dict):
                continue
            path = f"{prefix}{key}"
            if "pipes" in value:
                yield path, value
            pending.append((f"{path}.", {k: v for k, v in value.items() if k != "pipes"}))
