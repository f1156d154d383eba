"""Markdown and ImgGenPrompt, the natives that hold a text, through the installed commands.

Both hold one ``text`` and refine ``Text`` (docs/language.md, Decision 24): one fits a Text
slot, a Text does not fit theirs; an inputs file gives one as a string or an envelope; a
template prints its text as written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import Cli

HEADER = 'domain = "texts"\nmain_pipe = "start"\n'
#: ``start`` writes a ``draft`` with pipe ``write``, then quotes it with pipe ``quote``.
SEQUENCE = (
    HEADER + '[pipe.start]\ntype = "PipeSequence"\ndescription = "Write, then quote"\n'
    'inputs = { topic = "Text" }\noutput = "Text"\n'
    'steps = [{ pipe = "write", result = "draft" }, { pipe = "quote", result = "quoted" }]\n'
)


def _compose(code: str, inputs: str, output: str, template: str) -> str:
    return (
        f'[pipe.{code}]\ntype = "PipeCompose"\ndescription = "Compose {code}"\n'
        f"inputs = {{ {inputs} }}\noutput = {json.dumps(output)}\n"
        f"template = {json.dumps(template)}\n"
    )


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("native", ["Markdown", "ImgGenPrompt", "native.Markdown"])
def test_a_text_native_fits_a_text_slot_and_runs_for_real(
    cli: Cli, tmp_path: Path, native: str
) -> None:
    bundle = _write(
        tmp_path,
        "b.mthds",
        SEQUENCE
        + _compose("write", 'topic = "Text"', native, "**$topic**")
        + _compose("quote", 'draft = "Text"', "Text", "> $draft"),
    )
    assert cli.agent("validate", str(bundle)).code == 0
    completed = cli.agent("run", str(bundle), "--inputs", '{"topic": "tides"}')
    assert completed.code == 0, completed.stdout
    result = completed.envelope["result"]
    assert result["working_memory"]["draft"] == {"text": "**tides**"}
    assert result["output"] == {"text": "> **tides**"}


@pytest.mark.parametrize("native", ["Markdown", "ImgGenPrompt"])
def test_a_text_does_not_fit_a_markdown_or_image_prompt_slot(
    cli: Cli, tmp_path: Path, native: str
) -> None:
    bundle = _write(
        tmp_path,
        "b.mthds",
        SEQUENCE
        + _compose("write", 'topic = "Text"', "Text", "$topic")
        + _compose("quote", f'draft = "{native}"', "Text", "> $draft"),
    )
    completed = cli.agent("validate", str(bundle))
    assert completed.code == 1
    problems = completed.envelope["error"]["problems"]
    assert [p["code"] for p in problems] == ["input_stuff_spec_mismatch"]


def test_inputs_prints_a_string_and_reads_a_string_or_an_envelope(cli: Cli, tmp_path: Path) -> None:
    bundle = _write(
        tmp_path,
        "b.mthds",
        HEADER
        + _compose(
            "start",
            'notes = "Markdown", prompt = "ImgGenPrompt"',
            "Markdown",
            "$notes\n\n$prompt",
        ),
    )
    listed = cli.agent("inputs", str(bundle))
    assert listed.code == 0, listed.stdout
    examples = {i["name"]: i["example"] for i in listed.envelope["result"]["inputs"]}
    assert examples == {"notes": "text_value", "prompt": "text_value"}
    given = {
        "notes": {"concept": "native.Markdown", "content": "# Title"},
        "prompt": {"text": "a lighthouse at dusk"},
    }
    completed = cli.agent("run", str(bundle), "--inputs", json.dumps(given))
    assert completed.code == 0, completed.stdout
    assert completed.envelope["result"]["output"] == {"text": "# Title\n\na lighthouse at dusk"}


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({"notes": 3}, "Input 'notes' (Markdown): expects a string, got 3"),
        ({"notes": {"body": "x"}}, "expects a string, or an object with 'text'"),
        ({"notes": {"concept": "Text", "content": "x"}}, "concept 'Text' is not a Markdown"),
    ],
)
def test_a_bad_markdown_input_is_a_usage_error(
    cli: Cli, tmp_path: Path, given: dict[str, object], fragment: str
) -> None:
    bundle = _write(
        tmp_path, "b.mthds", HEADER + _compose("start", 'notes = "Markdown"', "Text", "$notes")
    )
    completed = cli.agent("run", str(bundle), "--dry-run", "--inputs", json.dumps(given))
    assert completed.code == 2, completed.stdout
    assert fragment in completed.envelope["error"]["message"]
