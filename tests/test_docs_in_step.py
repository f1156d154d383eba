"""docs/reliability.md names the test of each fault; every test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def test_every_test_named_in_the_reliability_table_exists() -> None:
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    references = re.findall(r"`(test_[a-z_]+\.py)::((?:test_)?[a-z0-9_*]+)", text)
    assert references
    for file_name, test_name in references:
        path = TESTS / file_name
        assert path.exists(), file_name
        names = {
            node.name
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef)
        }
        pattern = re.compile(test_name.replace("*", ".*") + "$")
        assert any(pattern.match(name) for name in names), (file_name, test_name)
