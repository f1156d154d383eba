"""Load the conformance cases: one folder each, holding bundles and ``expected.toml``.

Adding a case is adding a folder: ``valid`` is the reference's verdict, ``codes`` the exact
set of problem codes for an invalid one, ``inputs`` (optional) the names ``inputs`` lists.
A run case adds ``inputs.json`` and ``output.json``: a real run's main output. ``root``
(optional) names the subfolder to validate, for a case whose packages sit side by side.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import attrs

CASES = Path(__file__).parent / "cases"


@attrs.frozen
class Case:
    name: str
    folder: Path
    valid: bool
    codes: frozenset[str]
    rule: str
    pipe: str | None
    inputs: tuple[str, ...] | None
    raw: dict[str, Any]

    @property
    def target(self) -> Path:
        """The folder validated: the case's, or its ``root`` subfolder (a consumer package
        with its dependency's package folder beside it)."""
        root = self.raw.get("root")
        return self.folder / root if isinstance(root, str) else self.folder

    @property
    def run_inputs(self) -> dict[str, Any] | None:
        """``inputs.json``: the values a real run of the case is given."""
        path = self.folder / "inputs.json"
        if not path.exists():
            return None
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    @property
    def expected_output(self) -> Any:
        """``output.json``: the main output a real run must produce (absent: not a run case)."""
        path = self.folder / "output.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def load_cases(root: Path = CASES) -> list[Case]:
    cases = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        expected = tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))
        inputs = expected.get("inputs")
        cases.append(
            Case(
                name=folder.name,
                folder=folder,
                valid=bool(expected["valid"]),
                codes=frozenset(expected.get("codes", ())),
                rule=str(expected.get("rule", "")),
                pipe=expected.get("pipe"),
                inputs=tuple(inputs) if inputs is not None else None,
                raw=expected,
            )
        )
    return cases
