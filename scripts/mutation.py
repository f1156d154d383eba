"""Mutation testing of the modules where decisions are made, with cosmic-ray.

cosmic-ray writes each mutant into the source file on disk, so the suite's subprocesses (the
installed ``pipelex`` commands) run the mutant too. That is why this never runs in your tree:
it copies the project into a temporary directory, installs the copy (editable) into a venv
of its own there, and mutates only the copy. Each group of modules is tested by the test
files that cover it, stopping at the first failure.

The operators are the kinds of bug the suite promises to catch: a condition inverted
(``not`` added or removed, ``==``/``!=``, ``is``/``is not``, ``<``/``>=``, ``and``/``or``,
``True``/``False``), a bound changed (a number, ``<``/``<=``), and a call or step dropped (a
``@hookimpl`` removed, a loop run zero times, an ``except`` that no longer catches).

Usage: ``tox -e mutation`` or ``python scripts/mutation.py [GROUP ...]``; prints, per group,
the mutants, killed and survivors (each with its file, line and operator), and a summary.
``docs/testing.md`` records a run and accounts for every survivor.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: group -> (modules mutated, test files that cover them)
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "obtain": (
        ["pipelex_core/obtain.py", "pipelex_core/gateway_membership.py"],
        ["tests/test_hooks.py", "tests/test_matrix.py"],
    ),
    "cache": (
        ["pipelex_core/cache_envelope.py", "plugins/pipelex_file_cache/store.py"],
        ["tests/test_file_cache.py", "tests/test_faults_disk.py", "tests/test_cli_doctor_cache.py"],
    ),
    "fetcher": (
        ["plugins/pipelex_http_fetcher/retry.py"],
        [
            "tests/test_matrix.py",
            "tests/test_http_fetcher.py",
            "tests/test_fetch_failures_named.py",
        ],
    ),
    "telemetry": (["plugins/pipelex_telemetry/__init__.py"], ["tests/test_telemetry.py"]),
    "spec-build": (
        ["pipelex_core/spec_build.py", "pipelex_core/json_bytes.py"],
        ["tests/test_remote_config.py", "tests/test_json_bytes.py"],
    ),
    "bundle-refs": (
        ["pipelex_core/bundles/refs.py"],
        ["tests/test_concept_refs.py", "tests/test_conformance.py"],
    ),
}

_KEPT_COMPARISONS = (
    "Eq_NotEq|NotEq_Eq|Is_IsNot|IsNot_Is|Lt_GtE|GtE_Lt|Gt_LtE|LtE_Gt|Lt_LtE|LtE_Lt|Gt_GtE|GtE_Gt"
)
#: cosmic-ray's operators outside the three kinds above (matched from the start of the name)
EXCLUDED_OPERATORS = [
    "core/ReplaceBinaryOperator_",
    "core/ReplaceUnaryOperator_(?!Delete_Not$)",
    f"core/ReplaceComparisonOperator_(?!({_KEPT_COMPARISONS})$)",
    "core/VariableInserter",
    "core/VariableReplacer",
    "core/ReplaceBreakWithContinue",
    "core/ReplaceContinueWithBreak",
]


def _config(modules: list[str], tests: list[str]) -> str:
    listed = ", ".join(json.dumps(module) for module in modules)
    command = "python -m pytest -x -q -p no:cacheprovider " + " ".join(tests)
    excluded = ", ".join(json.dumps(pattern) for pattern in EXCLUDED_OPERATORS)
    return (
        "[cosmic-ray]\n"
        f"module-path = [{listed}]\n"
        "timeout = 300.0\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
        f"[cosmic-ray.filters.operators-filter]\nexclude-operators = [{excluded}]\n"
    )


def _copy_project(target: Path) -> None:
    ignore = shutil.ignore_patterns(".venv", ".tox", ".git", "__pycache__", "*.egg-info", "build")
    shutil.copytree(REPO, target, ignore=ignore)


def _run(argv: list[str], cwd: Path, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    # its own temporary directory: pytest's base temp dir is shared per user otherwise
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(cwd),
        "CI": "true",
        "TMPDIR": str(cwd.parent / "tmp"),
    }
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def run_group(name: str, work: Path, bin_dir: Path) -> dict[str, object]:
    modules, tests = GROUPS[name]
    config = work / f"mutation-{name}.toml"
    session = work / f"mutation-{name}.sqlite"
    config.write_text(_config(modules, tests))
    for step in (
        ["cosmic-ray", "init", str(config), str(session)],
        ["cr-filter-operators", str(session), str(config)],
        ["cosmic-ray", "exec", str(config), str(session)],
    ):
        completed = _run([str(bin_dir / step[0]), *step[1:]], work, bin_dir)
        if completed.returncode != 0:
            raise SystemExit(f"{' '.join(step)} failed:\n{completed.stdout}{completed.stderr}")
    dump = _run([str(bin_dir / "cosmic-ray"), "dump", str(session)], work, bin_dir).stdout
    killed, survivors, skipped = 0, [], 0
    for line in dump.splitlines():
        item, result = json.loads(line)
        if result is None:
            continue
        if result["worker_outcome"] == "skipped":
            skipped += 1
            continue
        if result["test_outcome"] == "survived":
            [mutation] = item["mutations"]
            survivors.append(
                f"{mutation['module_path']}:{mutation['start_pos'][0]} "
                f"{mutation['operator_name']} (occurrence {mutation['occurrence']})"
            )
        else:
            killed += 1
    return {
        "group": name,
        "mutants": killed + len(survivors),
        "killed": killed,
        "survived": sorted(survivors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"some of {', '.join(GROUPS)} (default: all)")
    args = parser.parse_args()
    unknown = sorted(set(args.groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; the groups are {', '.join(GROUPS)}")
    with tempfile.TemporaryDirectory(prefix="pipelex-mutation-") as tmp:
        work = Path(tmp) / "project"
        _copy_project(work)
        (Path(tmp) / "tmp").mkdir()
        venv.create(Path(tmp) / "venv", with_pip=True)
        bin_dir = Path(tmp) / "venv" / "bin"
        install = _run(
            [str(bin_dir / "pip"), "install", "-q", "-e", f"{work}[test]", "cosmic-ray>=8.7"],
            work,
            bin_dir,
        )
        if install.returncode != 0:
            raise SystemExit(f"installing the copy failed:\n{install.stderr}")
        reports = []
        for name in args.groups or list(GROUPS):
            report = run_group(name, work, bin_dir)
            reports.append(report)
            print(json.dumps(report, indent=2), flush=True)
    total = sum(int(str(r["mutants"])) for r in reports)
    killed = sum(int(str(r["killed"])) for r in reports)
    print(f"\n{total} mutants, {killed} killed, {total - killed} survived", file=sys.stderr)


if __name__ == "__main__":
    main()
