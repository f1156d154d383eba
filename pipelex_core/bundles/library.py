"""A library: the pipes and concepts of one or more ``.mthds`` files, parsed leniently.

Parsing keeps everything a bundle holds (unknown keys included) and records problems rather
than stopping at the first, so that validation can report them all together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from pipelex_core import toml_text
from pipelex_core.bundles.problems import Problem
from pipelex_core.file_read import UnreadableFileError, read_regular_file

BUNDLE_SUFFIX = ".mthds"
#: No bundle is this large; reading stops there instead of filling the memory.
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
#: The manifest that makes a folder a package (the manifest module reads it).
PACKAGE_MANIFEST = "METHODS.toml"
#: Folders a directory scan never enters, as Pipelex's discovery skips them: tool caches,
#: virtual environments, dependencies and the ``results`` folder runs write to; and ``.mthds``,
#: where the MTHDS library-crate spec vendors dependency packages (``.mthds/methods/<name>/``),
#: each a namespace of its own, never bundles of the library being checked.
EXCLUDED_DIRS = frozenset(
    {
        ".mthds",
        ".venv",
        ".git",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        "node_modules",
        ".env",
        "results",
    }
)


@attrs.frozen
class Pipe:
    code: str
    file: str
    table: Mapping[str, Any]

    @property
    def type(self) -> str | None:
        value = self.table.get("type")
        return value if isinstance(value, str) else None

    @property
    def signature_for(self) -> str | None:
        value = self.table.get("signature_for")
        return value if isinstance(value, str) else None

    @property
    def inputs(self) -> Mapping[str, str]:
        value = self.table.get("inputs", {})
        if not isinstance(value, dict):
            return {}
        return {name: concept for name, concept in value.items() if isinstance(concept, str)}

    @property
    def output(self) -> str | None:
        value = self.table.get("output")
        return value if isinstance(value, str) else None


@attrs.frozen
class Bundle:
    file: str
    domain: str | None
    main_pipe: str | None
    pipes: tuple[Pipe, ...]
    concepts: Mapping[str, Any]
    header: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Library:
    bundles: tuple[Bundle, ...]
    problems: tuple[Problem, ...]

    @property
    def pipes(self) -> Iterable[Pipe]:
        for bundle in self.bundles:
            yield from bundle.pipes

    @property
    def concepts(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for bundle in self.bundles:
            merged.update(bundle.concepts)
        return merged


def bundle_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The ``.mthds`` files named or found under directories, sorted within each directory."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            # not is_file(): a FIFO or device named *.mthds is reported, never skipped silently
            every = sorted(p for p in path.rglob(f"*{BUNDLE_SUFFIX}") if not p.is_dir())
            found = [p for p in every if not _excluded(p.relative_to(path))]
            if (path / PACKAGE_MANIFEST).is_file():
                found = _outside_nested_packages(path, found)
            if not found:
                skipped = (
                    f" (those under {', '.join(sorted(EXCLUDED_DIRS))} are skipped)"
                    if every
                    else ""
                )
                problems.append(
                    Problem(
                        str(path),
                        None,
                        "bundle_not_found",
                        f"no {BUNDLE_SUFFIX} files in this directory{skipped}",
                    )
                )
            files.extend(found)
        elif path.exists():  # a FIFO or device too: _parse names what it is, never waits
            files.append(path)
        else:
            problems.append(
                Problem(str(path), None, "bundle_not_found", "no such file or directory")
            )
    return list(dict.fromkeys(files)), problems


def _outside_nested_packages(root: Path, files: list[Path]) -> list[Path]:
    """The files of the package at ``root``: a folder below it holding its own manifest is
    another package (a ``path`` dependency kept inside, say), loaded as that, never merged
    into this one."""
    nested: dict[Path, bool] = {}

    def in_nested(folder: Path) -> bool:
        if folder == root:
            return False
        if folder not in nested:
            is_package = (folder / PACKAGE_MANIFEST).is_file()
            nested[folder] = is_package or in_nested(folder.parent)
        return nested[folder]

    return [file for file in files if not in_nested(file.parent)]


def _excluded(relative: Path) -> bool:
    """Whether a file found below a scanned folder sits in a folder discovery skips."""
    return any(part in EXCLUDED_DIRS for part in relative.parts[:-1])


def load_library(paths: Iterable[Path]) -> Library:
    files, problems = bundle_files(paths)
    bundles: list[Bundle] = []
    for file in files:
        bundle = _parse(file, problems)
        if bundle is not None:
            bundles.append(bundle)
    return Library(tuple(bundles), tuple(problems))


def _parse(file: Path, problems: list[Problem]) -> Bundle | None:
    name = str(file)
    try:
        raw = read_regular_file(file, limit=MAX_BUNDLE_BYTES)  # a FIFO is never waited on
    except UnreadableFileError as exc:
        problems.append(Problem(name, None, "toml_invalid", f"cannot be read: it is {exc.reason}"))
        return None
    except OSError as exc:
        problems.append(Problem(name, None, "toml_invalid", f"cannot be read: {exc}"))
        return None
    try:
        # utf-8-sig: a byte-order mark some editors write is not part of the TOML
        document = toml_text.loads(raw.decode("utf-8-sig"))
    except toml_text.TomlError as exc:
        problems.append(Problem(name, None, "toml_invalid", f"invalid TOML: {exc}"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, None, "toml_invalid", f"cannot be read: {exc}"))
        return None
    except RecursionError:
        problems.append(
            Problem(
                name, None, "toml_invalid", "its tables or arrays are nested too deeply to read"
            )
        )
        return None
    pipes_table = document.get("pipe", {})
    pipes: list[Pipe] = []
    if not isinstance(pipes_table, dict):
        problems.append(
            Problem(
                name, None, "bundle_field_invalid", "`pipe` must be a table of [pipe.<code>] tables"
            )
        )
    else:
        for code, table in pipes_table.items():
            if not isinstance(table, dict):
                problems.append(
                    Problem(name, code, "pipe_field_invalid", "must be a table ([pipe.<code>])")
                )
                continue
            pipes.append(Pipe(code=code, file=name, table=table))
    main_pipe = document.get("main_pipe")
    if main_pipe is not None and not isinstance(main_pipe, str):
        problems.append(Problem(name, None, "bundle_field_invalid", "`main_pipe` must be a string"))
        main_pipe = None
    domain = document.get("domain")
    concepts = document.get("concept", {})
    return Bundle(
        file=name,
        domain=domain if isinstance(domain, str) else None,
        main_pipe=main_pipe,
        pipes=tuple(pipes),
        concepts=concepts if isinstance(concepts, dict) else {},
        header=document,
    )
