"""Synthetic MTHDS libraries for the validation benchmark: sequences binding, composing, routing.

Each block of four pipes is a sequence with a binding step, a PipeLLM, a PipeCompose and a
PipeCondition: every family of rules runs on every block, so time grows with the library.
"""

from __future__ import annotations

from pathlib import Path

HEADER = """domain = "bench"
main_pipe = "p0"

[concept.Thing]
description = "A thing"

[concept.Thing.structure]
name = { type = "text", description = "Its name", required = true }
"""

BLOCK = """
[pipe.p{a}]
type = "PipeSequence"
description = "Bind, write, compose, route"
inputs = {{ thing = "Thing" }}
output = "Text?"
steps = [
    {{ from = "thing.name", result = "name" }},
    {{ pipe = "p{b}", result = "draft" }},
    {{ pipe = "p{c}", result = "page" }},
    {{ pipe = "p{d}", result = "routed" }},
]

[pipe.p{b}]
type = "PipeLLM"
description = "Write"
inputs = {{ name = "Text" }}
output = "Text"
prompt = "Write about $name"

[pipe.p{c}]
type = "PipeCompose"
description = "Compose"
inputs = {{ draft = "Text" }}
output = "Text"
template = \"\"\"
@draft
\"\"\"

[pipe.p{d}]
type = "PipeCondition"
description = "Route"
inputs = {{ page = "Text" }}
output = "Text?"
expression = "page.text"
outcomes = {{ keep = "continue" }}
default_outcome = "continue"
"""


def write_library(folder: Path, pipes: int) -> Path:
    """A one-file library of ``pipes`` pipes (a multiple of four)."""
    folder.mkdir(parents=True, exist_ok=True)
    blocks = [BLOCK.format(a=i, b=i + 1, c=i + 2, d=i + 3) for i in range(0, pipes, 4)]
    path = folder / f"library_{pipes}.mthds"
    path.write_text(HEADER + "".join(blocks), encoding="utf-8")
    return path
