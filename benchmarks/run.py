"""pipelex-core benchmarks: whole commands side by side, and the catalogue at scale.

Most targets are ratios to a baseline measured in the same run, rounds interleaved so that a
noisy neighbour slows both sides alike; a few are absolute (docs/benchmarks.md says which).
Each scenario becomes a typed row (table.py), and the rows one Markdown table. Run it with
``./scripts/bench`` (which installs pydantic, the benchmark-only comparison) or, in an
environment that has the project and pydantic, ``python benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue import synthetic_payload
from table import Row, Table, format_seconds

from pipelex_core import (
    CachedConfig,
    ModelSpec,
    RemoteConfig,
    RemoteConfigSource,
    decode_envelope,
    encode_shared,
)
from pipelex_core.obtain import FALLBACK_FETCH_DEADLINE
from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUNDLE = str(REPO / "examples" / "bundles" / "summarize.mthds")
OFFLINE_BUNDLE = str(REPO / "examples" / "bundles" / "train_announcement.mthds")
OFFLINE_INPUTS = str(REPO / "examples" / "bundles" / "train_announcement.inputs.json")
SAMPLE = REPO / "tests" / "fixtures" / "remote_config.sample.json"
#: The fresh run's allowance on top of the cached run and the fetch stack's import: what the
#: probe, the request, parsing and the locked atomic write may cost, as a share of the cached run.
FRESH_OWN_WORK = 0.15


class Command:
    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.times: list[float] = []
        self.rss_mb: list[float] = []

    def run_once(self) -> None:
        started = time.perf_counter()
        process = subprocess.Popen(
            self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            detail = subprocess.run(
                self.argv, env=self.env, capture_output=True, text=True, cwd=REPO
            )
            raise SystemExit(
                f"{self.name} exited {process.returncode}:\n{detail.stdout}{detail.stderr}"
            )
        self.times.append(elapsed)
        self.rss_mb.append(usage.ru_maxrss / 1024)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def side_by_side(commands: Sequence[Command], rounds: int) -> None:
    for command in commands:  # warm the page cache and .pyc files first
        command.run_once()
        command.times.clear()
        command.rss_mb.clear()
    for _ in range(rounds):
        for command in commands:
            command.run_once()


def ratio_row(command: Command, baseline: Command, limit: float, target: str) -> Row:
    ratio = command.median / baseline.median
    return Row.timed(
        command.name, command.times, f"{ratio:.2f}× {baseline.name}", target, ratio <= limit
    )


def environment(home: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/bin:/bin",
        "PIPELEX_HOME": str(home),
        "HOME": str(home),
        **extra,
    }


def prime(home: Path, url: str) -> None:
    env = environment(home, PIPELEX_GATEWAY="1", PIPELEX_REMOTE_CONFIG_URL=url)
    subprocess.run(
        [str(BIN / "pipelex"), "validate", BUNDLE], env=env, check=True, capture_output=True
    )


def command_benchmarks(rounds: int, workdir: Path, table: Table) -> None:
    pipelex = str(BIN / "pipelex")
    byok_home = workdir / "byok"
    cached_home = workdir / "cached"
    fresh_home = workdir / "fresh"
    with ConfigServer() as server:
        payload = json.loads(SAMPLE.read_text(encoding="utf-8"))
        server.serve(payload)
        prime(cached_home, server.url)
        prime(fresh_home, server.url)
        refused = closed_port_url()
        gateway = {"PIPELEX_GATEWAY": "1"}
        has_unshare = shutil.which("unshare") is not None

        baseline = Command(
            "python -c 'import click, pluggy, attrs, cattrs, tomllib'",
            [sys.executable, "-c", "import click, pluggy, attrs, cattrs, tomllib"],
            environment(byok_home),
        )
        byok = Command("validate, BYOK", [pipelex, "validate", BUNDLE], environment(byok_home))
        cached_refused = Command(
            "validate, Gateway, cache, connection refused",
            [pipelex, "validate", BUNDLE],
            environment(cached_home, PIPELEX_REMOTE_CONFIG_URL=refused, **gateway),
        )
        cached_offline = Command(
            "validate, Gateway, cache, PIPELEX_OFFLINE=1",
            [pipelex, "validate", BUNDLE],
            environment(
                cached_home, PIPELEX_REMOTE_CONFIG_URL=server.url, PIPELEX_OFFLINE="1", **gateway
            ),
        )
        fresh = Command(
            "validate, Gateway, fresh fetch (loopback)",
            [pipelex, "validate", BUNDLE],
            environment(fresh_home, PIPELEX_REMOTE_CONFIG_URL=server.url, **gateway),
        )
        help_ = Command("pipelex --help", [pipelex, "--help"], environment(byok_home))
        validate_offline = Command(
            "validate train_announcement, BYOK",
            [pipelex, "validate", OFFLINE_BUNDLE],
            environment(byok_home),
        )
        real_run = Command(
            "run train_announcement for real (no model)",
            [pipelex, "run", OFFLINE_BUNDLE, "--inputs", OFFLINE_INPUTS],
            environment(byok_home),
        )
        core, core_and_stack, core_stack_trust = stack_floor_commands(environment(byok_home))
        commands = [baseline, byok, cached_refused, cached_offline, fresh, help_]
        commands += [validate_offline, real_run]
        commands += [core, core_and_stack, core_stack_trust]
        if has_unshare:
            byok_netns = Command(
                "validate, BYOK, no network namespace",
                ["unshare", "--net", pipelex, "validate", BUNDLE],
                environment(byok_home),
            )
            cached_dns = Command(
                "validate, Gateway, cache, DNS failure",
                ["unshare", "--net", pipelex, "validate", BUNDLE],
                environment(
                    cached_home,
                    PIPELEX_REMOTE_CONFIG_URL="https://pipelex-config.invalid/remote_config.json",
                    **gateway,
                ),
            )
            commands += [byok_netns, cached_dns]
        side_by_side(commands, rounds)

        table.add(Row.timed(baseline.name, baseline.times, "1.00× (baseline)"))
        table.add(ratio_row(byok, baseline, 2.0, "≤ 2× import baseline"))
        table.add(ratio_row(help_, baseline, 2.0, "≤ 2× import baseline"))
        table.add(ratio_row(cached_offline, baseline, 2.0, "≤ 2× import baseline"))
        table.add(ratio_row(cached_refused, byok, 1.25, "≤ 1.25× BYOK"))
        table.add(ratio_row(cached_offline, byok, 1.25, "≤ 1.25× BYOK"))
        if has_unshare:
            table.add(ratio_row(cached_dns, byok_netns, 1.25, "≤ 1.25× BYOK (same namespace)"))
        for entry in fresh_fetch_rows(fresh, cached_offline, core, core_and_stack):
            table.add(entry)
        table.add(ratio_row(real_run, validate_offline, 1.5, "≤ 1.5× validate of the same bundle"))
        table.add(truststore_row(core_and_stack, core_stack_trust))
        for command in (byok, help_, cached_offline):
            peak = max(command.rss_mb)
            table.add(Row.fact(f"peak RSS: {command.name}", f"{peak:.1f} MB", "< 40 MB", peak < 40))

        # a server that accepts and never answers
        server.serve_reply(Reply(hang=True))
        deadline = 2.0
        no_cache = Command(
            f"hanging server, no cache, PIPELEX_FETCH_DEADLINE={deadline:g}",
            [pipelex, "validate", BUNDLE],
            environment(
                workdir / "cold",
                PIPELEX_REMOTE_CONFIG_URL=server.url,
                PIPELEX_FETCH_DEADLINE=str(deadline),
                **gateway,
            ),
        )
        with_cache = Command(
            "hanging server, usable cache, default deadline",
            [pipelex, "validate", BUNDLE],
            environment(cached_home, PIPELEX_REMOTE_CONFIG_URL=server.url, **gateway),
        )
        # each run must end as designed (exit 3 with no cache, 0 on the cache) and only after
        # the deadline was waited out: an instant crash would otherwise "meet" the bound
        cold_times = _timed_runs(no_cache, 3, expected_exit=3, waited_at_least=deadline)
        table.add(
            Row.timed(
                no_cache.name,
                cold_times,
                f"exit 3 each time; deadline + {statistics.median(cold_times) - deadline:.2f} s",
                "≤ deadline + 0.5 s",
                max(cold_times) <= deadline + 0.5,
            )
        )
        warm_times = _timed_runs(
            with_cache, 3, expected_exit=0, waited_at_least=FALLBACK_FETCH_DEADLINE
        )
        table.add(
            Row.timed(
                with_cache.name,
                warm_times,
                f"exit 0 each time, on the cache; fallback deadline {FALLBACK_FETCH_DEADLINE:g} s "
                f"+ {statistics.median(warm_times) - FALLBACK_FETCH_DEADLINE:.2f} s",
                "< 3 s",
                max(warm_times) < 3.0,
            )
        )

        # 304 revalidation transfers no body
        server.serve(payload, etag='"bench"')
        prime(fresh_home, server.url)  # stores the ETag
        before = len(server.requests)
        prime(fresh_home, server.url)
        revalidations = server.requests[before:]
        sent = [request.headers.get("If-None-Match") for request in revalidations]
        table.add(
            Row.fact(
                "304 revalidation",
                f"If-None-Match sent: {sent}; body bytes: {server.body_bytes[-1]}",
                "no body",
                server.body_bytes[-1] == 0,
            )
        )


#: What a cached ``validate`` imports, in the process the console script sets up.
CORE_IMPORTS = (
    "import gc; from pipelex_core.cli.entry import SHORT_RUN_GC_THRESHOLD; "
    "gc.set_threshold(*SHORT_RUN_GC_THRESHOLD); "
    "import pipelex_core.cli.app, pipelex_core.obtain, pipelex_core.bundles.service, "
    "pipelex_file_cache.store, pipelex_http_fetcher.probe"
)


def stack_floor_commands(env: dict[str, str]) -> tuple[Command, Command, Command]:
    """The core's imports with and without the fetch stack (requests, urllib3, ssl, filelock):
    their difference is what any fresh fetch through that stack must add to a cached run.
    The third adds truststore, which an https fetch on the system's trust store loads (the
    loopback fetch measured here is plain http, so it does not)."""
    freeze = "; gc.freeze()"  # as the console script does before exit
    stack = "; import requests, filelock"
    core = Command("imports of a cached run", [sys.executable, "-c", CORE_IMPORTS + freeze], env)
    with_stack = Command(
        "imports of a cached run + requests, filelock",
        [sys.executable, "-c", CORE_IMPORTS + stack + freeze],
        env,
    )
    with_trust = Command(
        "imports of a cached run + requests, filelock, truststore",
        [sys.executable, "-c", CORE_IMPORTS + stack + ", truststore" + freeze],
        env,
    )
    return core, with_stack, with_trust


def fresh_fetch_rows(
    fresh: Command, cached: Command, core: Command, with_stack: Command
) -> list[Row]:
    """The fresh run against its bound: the cached run, plus the import of the fetch stack
    (measured here, in the same run), plus the fetch's own work, at most a share of the
    cached run. A ratio to the cached run alone would be met or missed by the stack's import,
    which the contract's choice of requests and urllib3 sets and no code here can lower."""
    stack = with_stack.median - core.median
    own = fresh.median - cached.median - stack
    bound = cached.median * (1 + FRESH_OWN_WORK) + stack
    return [
        Row.timed(
            fresh.name,
            fresh.times,
            f"{fresh.median / cached.median:.2f}× cached; bound {format_seconds(bound)}",
            f"≤ cached + stack import + {FRESH_OWN_WORK:g}× cached",
            fresh.median <= bound,
        ),
        Row.duration(
            "import of requests + urllib3 + ssl + filelock, after the core",
            stack,
            f"{stack / cached.median:.2f}× cached",
        ),
        Row.duration(
            "fresh fetch beyond that import (probe, request, parse, locked atomic write)",
            own,
            f"{own / cached.median:.2f}× cached (the fresh run's own work)",
        ),
    ]


def truststore_row(with_stack: Command, with_trust: Command) -> Row:
    """What an https fetch on the system's trust store adds to the stack's import."""
    cost = with_trust.median - with_stack.median
    return Row.duration(
        "import of truststore, after that stack (https fetches on the system store)",
        cost,
        f"{cost / with_stack.median:.2f}× the stack's imports",
    )


def _timed_runs(
    command: Command, runs: int, *, expected_exit: int, waited_at_least: float
) -> list[float]:
    """Wall times of runs that must exit ``expected_exit`` no sooner than ``waited_at_least``
    seconds; anything else stops the benchmark with the command's output."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        completed = subprocess.run(
            command.argv, env=command.env, capture_output=True, text=True, cwd=REPO, check=False
        )
        elapsed = time.perf_counter() - started
        if completed.returncode != expected_exit or elapsed < waited_at_least:
            raise SystemExit(
                f"{command.name}: exit {completed.returncode} after {elapsed:.2f} s, expected "
                f"exit {expected_exit} after at least {waited_at_least:g} s:\n"
                f"{completed.stdout}{completed.stderr}"
            )
        times.append(elapsed)
    return times


def timeit(function: Callable[[], object], repeat: int) -> float:
    """Best wall time of ``repeat`` runs, the garbage collector off while timing: what the
    timeit module does and recommends for in-process code (noise only ever adds time).
    Whole commands, where start-up variance is part of the story, report medians instead."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return min(times)


def load_ours(data: bytes, metadata: bytes) -> RemoteConfig:
    """What a cached run does: read the cache file and its metadata, check the hash, check
    and build every spec (as the pydantic side builds every model)."""
    return RemoteConfig.from_payload(decode_envelope(data, metadata).payload)


def check_builds_every_spec(data: bytes, meta: bytes, size: int) -> None:
    """Stop unless the load builds every spec. The catalogue is dropped on return, so the
    timed loads start from a heap holding no other catalogue, as a command's does (kept
    alive through the timing, it slowed the parse and the build by a fifth, and not
    ``json.loads``: docs/benchmarks.md)."""
    built = load_ours(data, meta).backend_model_specs
    if len(built) != size or not all(type(spec) is ModelSpec for spec in built.values()):
        raise SystemExit(f"the load of {size:,} models did not build every spec")


def scale_benchmarks(sizes: Sequence[int], table: Table) -> None:
    import datetime as dt

    pydantic_load = _pydantic_loader()
    per_model: dict[int, float] = {}
    for size in sizes:
        payload = synthetic_payload(size)
        data, meta = encode_shared(CachedConfig(payload=payload, cached_at=dt.datetime.now(dt.UTC)))
        repeat = 15 if size <= 10_000 else 5
        check_builds_every_spec(data, meta, size)
        t_json = timeit(lambda data=data: json.loads(data), repeat)
        t_ours = timeit(lambda data=data, meta=meta: load_ours(data, meta), repeat)
        per_model[size] = t_ours / size
        ratio = t_ours / t_json
        table.add(
            Row.duration(
                f"load + validate + build every spec, {size:,} models",
                t_ours,
                f"{ratio:.2f}× json.loads ({format_seconds(t_json)})",
                "≤ 2× json.loads at 10,000" if size == 10_000 else "—",
                ratio <= 2.0 if size == 10_000 else None,
            )
        )
        if pydantic_load is not None:
            t_pydantic = timeit(lambda data=data: pydantic_load(data), repeat)
            table.add(
                Row.duration(
                    f"pydantic v2, same schema, every spec built, {size:,} models",
                    t_pydantic,
                    f"ours {t_ours / t_pydantic:.2f}× pydantic",
                    "ours ≤ 1× pydantic",
                    t_ours <= t_pydantic,
                )
            )
    spread = max(per_model.values()) / min(per_model.values())
    table.add(
        Row.fact(
            "growth: per-model cost across sizes",
            f"max/min {spread:.2f}",
            "linear (≤ 2)",
            spread <= 2.0,
        )
    )

    from pipelex_core import gateway_membership  # the built-in membership check

    timings = {}
    for handles, models in ((1_000, 50_000), (2_000, 100_000)):
        config = load_ours(
            *encode_shared(
                CachedConfig(payload=synthetic_payload(models), cached_at=dt.datetime.now(dt.UTC))
            )
        )
        names = [f"model-{i * (models // handles):06d}" for i in range(handles)]
        timings[(handles, models)] = timeit(
            lambda c=config, n=names: gateway_membership.validate_models(
                config=c, handles=n, source=RemoteConfigSource.FRESH
            ),
            25,
        )
    small, large = timings[(1_000, 50_000)], timings[(2_000, 100_000)]
    table.add(Row.duration("membership: 1,000 handles vs 50,000 models", small, "—"))
    table.add(
        Row.duration(
            "membership: 2,000 handles vs 100,000 models",
            large,
            f"{large / small:.2f}× the half-size check",
            "linear (≈ 2×, ≤ 3×)",
            large / small <= 3.0,
        )
    )


def _pydantic_loader() -> Callable[[bytes], object] | None:
    try:
        import pydantic
    except ImportError:
        print(
            "pydantic is not installed: the comparison rows are left out "
            "(./scripts/bench installs it)",
            file=sys.stderr,
        )
        return None

    class Spec(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(extra="allow", strict=True)
        model_type: str
        model_id: str
        sdk: str
        inputs: list[str] = []
        outputs: list[str] = []
        costs: dict[str, float] = {}
        max_tokens: int | None = None
        structure_method: str | None = None
        thinking_mode: str | None = None
        valued_constraints: dict[str, Any] = {}
        listed_constraints: dict[str, Any] = {}

    class Posthog(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(extra="allow", strict=True)
        project_api_key: str
        endpoint: str
        is_geoip_enabled: bool = False
        is_debug_enabled: bool = False

    class Payload(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(extra="allow", strict=True)
        posthog: Posthog
        aws_region: str
        backend_model_specs: dict[str, dict[str, Any]]

    class SharedCache(pydantic.BaseModel):
        """The cache file as written (the form Pipelex reads too)."""

        schema_version: int
        cached_at: str
        raw_config: Payload

    spec_adapter = pydantic.TypeAdapter(Spec)

    def load(data: bytes) -> object:
        envelope = SharedCache.model_validate_json(data)
        specs = envelope.raw_config.backend_model_specs
        defaults = specs.get("defaults", {})
        return {
            handle: spec_adapter.validate_python({**defaults, **raw})
            for handle, raw in specs.items()
            if handle != "defaults" and not handle.endswith(".rules")
        }

    return load


def validation_benchmarks(workdir: Path, table: Table) -> None:
    """Validation is linear in library size: 1,000 and 10,000 pipes, parse and check."""
    from library import write_library

    from pipelex_core.bundles.check import find_problems
    from pipelex_core.bundles.library import load_library
    from pipelex_core.models.resolution import model_resolver
    from pipelex_core.settings import Settings

    home = workdir / "validation-home"
    home.mkdir()
    resolver = model_resolver(Settings.load({"PIPELEX_HOME": str(home)}), None)
    timings = {}
    for pipes in (1_000, 10_000):
        path = write_library(workdir / "libraries", pipes)

        def validate(path: Path = path) -> None:
            _, problems = find_problems(load_library([path]), resolver)
            assert not problems, problems[:3]

        timings[pipes] = timeit(validate, 5 if pipes > 1_000 else 15)
    small, large = timings[1_000], timings[10_000]
    table.add(Row.duration("validate a 1,000-pipe library (parse + check)", small, "—"))
    table.add(
        Row.duration(
            "validate a 10,000-pipe library (parse + check)",
            large,
            f"{large / small:.2f}× the 1,000-pipe library",
            "< 1 s (absolute); linear (≤ 15× for 10× the pipes)",
            large < 1.0 and large / small <= 15.0,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=25, help="runs of each command (default 25)")
    parser.add_argument("--sizes", default="100,1000,10000,50000", help="catalogue sizes")
    parser.add_argument(
        "--only",
        choices=("commands", "scale", "validation"),
        help="run one group of scenarios (default: all; the published table is all)",
    )
    args = parser.parse_args()
    table = Table()
    if args.only in (None, "commands"):
        with tempfile.TemporaryDirectory() as tmp:
            command_benchmarks(args.rounds, Path(tmp), table)
    if args.only in (None, "scale"):
        scale_benchmarks([int(size) for size in args.sizes.split(",")], table)
    if args.only in (None, "validation"):
        with tempfile.TemporaryDirectory() as tmp:
            validation_benchmarks(Path(tmp), table)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{args.rounds} rounds per command\n"
    )
    print(table.render())


if __name__ == "__main__":
    main()
