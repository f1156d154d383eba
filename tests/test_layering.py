"""The layering promises (docs/architecture.md), checked on a fresh interpreter."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import pipelex_core

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("requests", "urllib3", "filelock", "msgspec")


def modules_after(code: str) -> list[str]:
    completed = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded: list[str] = json.loads(completed.stdout)
    return loaded


def heavy_in(loaded: list[str]) -> list[str]:
    return [m for m in loaded if m.split(".")[0] in HEAVY]


def test_import_pipelex_core_loads_no_http_stack_or_filelock() -> None:
    assert heavy_in(modules_after("import pipelex_core")) == []


def test_booting_plugins_loads_no_http_stack_or_filelock() -> None:
    code = "from pipelex_core import Plugins\nPlugins.boot()"
    assert heavy_in(modules_after(code)) == []


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_types_is_a_stdlib_only_leaf() -> None:
    imported = {
        name.split(".")[0] for name in imports_of(Path(pipelex_core.__file__).parent / "types.py")
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_core_never_imports_a_plugin() -> None:
    plugins = {
        p.name
        for p in (ROOT / "plugins").iterdir()
        if p.is_dir() and not p.name.startswith((".", "_"))
    }
    for path in (ROOT / "pipelex_core").rglob("*.py"):
        assert not {name.split(".")[0] for name in imports_of(path)} & plugins, path


def test_plugins_import_only_the_public_api() -> None:
    allowed_core = {"pipelex_core", "pipelex_core.types"}
    for plugin_dir in (ROOT / "plugins").iterdir():
        if not plugin_dir.is_dir() or plugin_dir.name.startswith((".", "_")):
            continue
        for path in plugin_dir.rglob("*.py"):
            for name in imports_of(path):
                top = name.split(".")[0]
                if top == "pipelex_core":
                    assert name in allowed_core, f"{path} imports {name}"
                elif top.startswith("pipelex_"):
                    assert top == plugin_dir.name, f"{path} imports another plugin: {name}"


def test_validating_and_dry_running_load_no_template_engine() -> None:
    """Jinja2 is for real runs, and for checking the syntax of templates that use raw Jinja:
    a method written with shorthands alone validates and dry-runs without it."""
    code = (
        "from pathlib import Path\n"
        "import tempfile\n"
        "from pipelex_core.bundles.check import find_problems\n"
        "from pipelex_core.bundles.dry_run import dry_run\n"
        "from pipelex_core.bundles.inputs import input_specs, start_pipe\n"
        "from pipelex_core.bundles.library import load_library\n"
        "from pipelex_core.models.resolution import model_resolver\n"
        "from pipelex_core.settings import Settings\n"
        "home = tempfile.mkdtemp()\n"
        "resolver = model_resolver(Settings.load({'PIPELEX_HOME': home}), None)\n"
        f"lib = load_library([Path({str(ROOT / 'examples' / 'bundles' / 'summarize.mthds')!r})])\n"
        "checked, problems = find_problems(lib, resolver)\n"
        "assert not problems, problems\n"
        "start = start_pipe(checked, 'summarize')\n"
        "dry_run(checked, start, {s.name: s.example for s in input_specs(checked, start)})"
    )
    assert [m for m in modules_after(code) if m.split(".")[0] in ("jinja2", "markupsafe")] == []


def test_a_toml_1_0_bundle_is_read_without_the_toml_1_1_parser() -> None:
    """tomli (TOML 1.1) is loaded only for a text the standard library's tomllib refuses: a
    bundle in TOML 1.0, as most are, costs no import."""
    code = (
        "from pathlib import Path\n"
        "from pipelex_core.bundles.library import load_library\n"
        f"lib = load_library([Path({str(ROOT / 'examples' / 'bundles' / 'summarize.mthds')!r})])\n"
        "assert not lib.problems, lib.problems\n"
    )
    assert [m for m in modules_after(code) if m.split(".")[0] == "tomli"] == []


def test_toml_1_1_is_read_where_toml_1_0_is_refused() -> None:
    from pipelex_core import toml_text

    text = 'inputs = {\n    first = "Image",\n    second = "Image",\n}\n'
    assert toml_text.loads(text) == {"inputs": {"first": "Image", "second": "Image"}}
    with pytest.raises(toml_text.TomlError, match="at end of document"):
        toml_text.loads("inputs = {\n")
