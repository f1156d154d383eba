"""The console scripts tune the garbage collector for their own short process, and only they."""

from __future__ import annotations

import json
import subprocess
import sys

from pipelex_core.cli.entry import SHORT_RUN_GC_THRESHOLD


def _in_fresh_interpreter(code: str) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    report: dict[str, object] = json.loads(completed.stdout.splitlines()[-1])
    return report


def test_console_script_raises_the_threshold_and_freezes_before_exit() -> None:
    report = _in_fresh_interpreter(
        "import atexit, gc, json, sys\n"
        "frozen_at_start = gc.get_freeze_count()\n"
        "sys.argv = ['pipelex', '--version']\n"
        "from pipelex_core.cli.entry import main\n"
        "atexit.register(lambda: print(json.dumps({'threshold': gc.get_threshold(),"
        " 'frozen': gc.get_freeze_count() - frozen_at_start, 'code': code})))\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
    )
    assert report["threshold"] == list(SHORT_RUN_GC_THRESHOLD)
    assert isinstance(report["frozen"], int)
    assert report["frozen"] > 0
    assert report["code"] == 0  # and the atexit handler above still ran after the freeze


def test_library_use_leaves_the_collector_alone() -> None:
    report = _in_fresh_interpreter(
        "import gc, json\n"
        "before = gc.get_threshold(), gc.get_freeze_count()\n"
        "import pipelex_core, pipelex_core.cli.app, pipelex_core.cli.entry\n"
        "from pipelex_core import setup\n"
        "print(json.dumps({'same': (gc.get_threshold(), gc.get_freeze_count()) == before}))\n"
    )
    # (CPython 3.12 starts with a non-zero freeze count of its own, so compare, never assume 0)
    assert report == {"same": True}


def test_python_dash_m_runs_the_same_console_entry() -> None:
    report = _in_fresh_interpreter(
        "import gc, json, runpy, sys\n"
        "frozen_at_start = gc.get_freeze_count()\n"
        "sys.argv = ['pipelex', '--version']\n"
        "try:\n"
        "    runpy.run_module('pipelex_core', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print(json.dumps({'threshold': gc.get_threshold(), 'code': code,"
        " 'frozen': gc.get_freeze_count() > frozen_at_start}))\n"
    )
    assert report == {"threshold": list(SHORT_RUN_GC_THRESHOLD), "code": 0, "frozen": True}
