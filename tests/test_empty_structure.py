"""A concept whose ``structure`` table is empty is an object with no fields, not a text.

Pipelex backs an empty ``[concept.X.structure]`` with a field-less structured model (its
input-form page says a form shows it as an object with no fields): `pipelex inputs` prints
``{}`` for it and an inputs file gives an object, never a string.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_runner import Cli

BUNDLE = """\
domain = "forms"
main_pipe = "greet"
[concept.Marker]
description = "A marker that carries no field"
[concept.Marker.structure]

[concept.Plain]
description = "A concept declared by its description only"

[pipe.greet]
type = "PipeCompose"
description = "Greet someone"
inputs = { marker = "Marker", plain = "Plain", name = "Text" }
output = "Text"
template = "Hello $name ($plain)"
"""


def _bundle(tmp_path: Path) -> Path:
    path = tmp_path / "b.mthds"
    path.write_text(BUNDLE.replace('"Hello $name', '"{{ marker }}Hello $name'), encoding="utf-8")
    return path


def test_inputs_prints_an_object_for_an_empty_structure(cli: Cli, tmp_path: Path) -> None:
    listed = cli.agent("inputs", str(_bundle(tmp_path)))
    assert listed.code == 0, listed.stdout
    examples = {i["name"]: i["example"] for i in listed.envelope["result"]["inputs"]}
    assert examples == {"marker": {}, "plain": "text_value", "name": "text_value"}


def test_an_inputs_file_gives_an_object_for_an_empty_structure(cli: Cli, tmp_path: Path) -> None:
    bundle = str(_bundle(tmp_path))
    given = {"marker": {}, "plain": "p", "name": "Ada"}
    completed = cli.agent("run", bundle, "--dry-run", "--inputs", json.dumps(given))
    assert completed.code == 0, completed.stdout
    refused = cli.agent(
        "run", bundle, "--dry-run", "--inputs", json.dumps({**given, "marker": "m"})
    )
    assert refused.code == 2
    assert "Input 'marker' (Marker): expects an object of the concept's fields" in refused.stdout
