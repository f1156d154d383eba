"""docs/language.md documents every problem code, and only codes that exist."""

from __future__ import annotations

import re
from pathlib import Path

from pipelex_core.bundles.problems import CODES

DOC = Path(__file__).resolve().parent.parent / "docs" / "language.md"


def test_every_code_has_its_section_and_no_section_names_an_unknown_code() -> None:
    headings = re.findall(r"^### `([a-z_]+)`$", DOC.read_text(encoding="utf-8"), re.MULTILINE)
    assert sorted(headings) == sorted(CODES)
