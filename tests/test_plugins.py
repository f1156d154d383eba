"""Plugin manager boot: entry points, PIPELEX_DISABLE_PLUGINS, broken plugins, precedence."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from pipelex_core import (
    CachedConfig,
    FetchedConfig,
    PluginLoadError,
    Plugins,
    RemoteConfigSource,
    RemoteConfigStaleWarning,
    RemoteConfigUnavailableError,
    Settings,
    hookimpl,
    setup,
)
from pipelex_core.testing.config_server import closed_port_url
from tests.cli_runner import agent_envelope

BUILT_INS = {"pipelex_http_fetcher", "pipelex_file_cache"}


def test_built_ins_load_through_the_entry_point_group() -> None:
    plugins = Plugins.boot()
    names = {info.name for info in plugins.infos}
    assert names >= BUILT_INS
    for info in plugins.infos:
        if info.name in BUILT_INS:
            assert info.distribution == "pipelex-core"
            assert info.version
    assert plugins.manager.get_plugin("pipelex_http_fetcher") is not None


def test_disabled_plugins_are_not_loaded() -> None:
    plugins = Plugins.boot(disabled={"pipelex_http_fetcher"})
    assert "pipelex_http_fetcher" not in {info.name for info in plugins.infos}
    assert plugins.manager.get_plugin("pipelex_http_fetcher") is None
    assert plugins.manager.is_blocked("pipelex_http_fetcher")


def test_disabled_fetcher_falls_back_and_says_so(
    server: Any, home: Path, sample_payload: dict[str, Any]
) -> None:
    env = {
        "PIPELEX_HOME": str(home),
        "PIPELEX_GATEWAY": "1",
        "PIPELEX_REMOTE_CONFIG_URL": server.url,
        "PIPELEX_DISABLE_PLUGINS": "pipelex_http_fetcher, pipelex_file_cache",
    }
    settings = Settings.load(env)
    assert settings.disabled_plugins == frozenset(BUILT_INS)
    with pytest.raises(RemoteConfigUnavailableError, match="No plugin fetched"):
        setup(needs_model_specs=True, settings=settings)
    assert server.requests == []


def test_third_party_fetch_and_cache_take_precedence(
    home: Path, sample_payload: dict[str, Any]
) -> None:
    calls: list[str] = []

    class SnapshotPlugin:
        @hookimpl
        def fetch_config(self, url: str, settings: Settings, etag: str | None) -> FetchedConfig:
            calls.append("fetch")
            return FetchedConfig(payload=sample_payload, etag="snap")

        @hookimpl
        def load_cached_config(self, settings: Settings) -> CachedConfig | None:
            calls.append("load")
            return None

        @hookimpl
        def store_config(self, fetched: FetchedConfig, settings: Settings) -> None:
            calls.append("store")

    settings = Settings(home=home, gateway_enabled=True, remote_config_url=closed_port_url())
    runtime = setup(
        needs_model_specs=True,
        settings=settings,
        plugins=Plugins.boot(extra_plugins=[SnapshotPlugin()]),
    )
    assert runtime.source is RemoteConfigSource.FRESH
    assert calls == ["load", "fetch", "store"]
    # the built-in store ran too: every store_config implementation is called
    assert (home / "cache" / "remote_config.json").exists()


def test_third_party_validate_models_runs_beside_the_built_in(server: Any, home: Path) -> None:
    from pipelex_core import PipelexError

    seen: list[tuple[str, ...]] = []

    class Policy:
        @hookimpl
        def validate_models(self, config: Any, handles: Any, source: RemoteConfigSource) -> None:
            seen.append(tuple(handles))
            if "gpt-image-2" in handles:
                raise PipelexError("gpt-image-2 is above the cost policy")

    settings = Settings(home=home, gateway_enabled=True, remote_config_url=server.url)
    with pytest.raises(PipelexError, match="cost policy"):
        setup(
            needs_model_specs=True,
            settings=settings,
            plugins=Plugins.boot(extra_plugins=[Policy()]),
        )
    assert seen == [("gpt-5.6-terra", "gpt-image-2", "mistral-ocr", "linkup-standard")]


def test_an_implementation_of_an_unknown_hook_is_refused() -> None:
    class Typo:
        @hookimpl
        def fetch_confgi(self, url: str) -> None:
            return None

    with pytest.raises(PluginLoadError, match="unknown hook 'fetch_confgi'"):
        Plugins.boot(extra_plugins=[Typo()])


def install_fake_distribution(site: Path, module_source: str) -> None:
    """A real (if minimal) installed distribution: a module and its .dist-info on a path."""
    (site / "broken_plugin.py").write_text(module_source)
    dist_info = site / "broken_plugin-1.2.3.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.2.3\n"
    )
    (dist_info / "entry_points.txt").write_text("[pipelex]\nbroken_plugin = broken_plugin\n")


BOOT = textwrap.dedent(
    """
    import json
    from pipelex_core import PluginLoadError, Plugins, Settings
    settings = Settings.load()
    try:
        plugins = Plugins.boot(disabled=settings.disabled_plugins)
    except PluginLoadError as exc:
        error = {"error": exc.message, "hint": exc.hint, "distribution": exc.distribution}
        print(json.dumps(error))
    else:
        print(json.dumps({"loaded": sorted(i.name for i in plugins.infos)}))
    """
)


def boot_with(site: Path, **env: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", BOOT],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def test_a_plugin_failing_to_import_is_named_with_the_remedy(tmp_path: Path) -> None:
    install_fake_distribution(tmp_path, "raise ImportError('needs libfoo')\n")
    result = boot_with(tmp_path)
    assert result["distribution"] == "broken-plugin"
    assert "Plugin 'broken_plugin' (distribution broken-plugin) failed to load" in result["error"]
    assert "needs libfoo" in result["error"]
    assert "PIPELEX_DISABLE_PLUGINS=broken_plugin" in result["hint"]


def test_a_plugin_calling_sys_exit_at_import_is_a_load_error(tmp_path: Path) -> None:
    install_fake_distribution(tmp_path, "import sys\nsys.exit(3)\n")
    result = boot_with(tmp_path)
    assert "Plugin 'broken_plugin' (distribution broken-plugin) failed to load" in result["error"]
    assert "SystemExit: 3" in result["error"]


def test_the_agent_face_stays_one_json_object_when_a_plugin_exits(tmp_path: Path) -> None:
    install_fake_distribution(tmp_path, "import sys\nsys.exit(0)\n")
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "pipelex-agent"), "models"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    envelope = agent_envelope(completed.stdout)
    assert envelope["ok"] is False
    assert "SystemExit: 0" in envelope["error"]["message"]
    assert completed.returncode == 3


def test_a_broken_plugin_can_be_disabled(tmp_path: Path) -> None:
    install_fake_distribution(tmp_path, "raise ImportError('needs libfoo')\n")
    result = boot_with(tmp_path, PIPELEX_DISABLE_PLUGINS="broken_plugin")
    assert set(result["loaded"]) >= BUILT_INS
    assert "broken_plugin" not in result["loaded"]


def test_a_working_third_party_plugin_is_picked_up(tmp_path: Path) -> None:
    install_fake_distribution(
        tmp_path,
        "from pipelex_core import hookimpl\n"
        "@hookimpl\n"
        "def validate_models(config, handles, source):\n"
        "    return None\n",
    )
    result = boot_with(tmp_path)
    assert "broken_plugin" in result["loaded"]


def test_cached_result_is_what_on_stale_config_sees(
    home: Path, sample_payload: dict[str, Any]
) -> None:
    stamp = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

    class Snapshot:
        @hookimpl
        def load_cached_config(self, settings: Settings) -> CachedConfig:
            return CachedConfig(payload=sample_payload, cached_at=stamp)

    settings = Settings(home=home, gateway_enabled=True, offline=True)
    with pytest.warns(RemoteConfigStaleWarning, match="2026-11-01"):
        runtime = setup(
            needs_model_specs=True,
            settings=settings,
            plugins=Plugins.boot(extra_plugins=[Snapshot()]),
        )
    assert runtime.cached_at == stamp


def test_a_plugin_breaking_a_hook_is_named_with_the_remedy(tmp_path: Path) -> None:
    from tests.cli_runner import BIN, REPO

    install_fake_distribution(
        tmp_path,
        "from pipelex_core import hookimpl\n"
        "def _helper():\n"
        "    raise ValueError('boom inside the plugin')\n"
        "@hookimpl\n"
        "def on_runtime_ready(runtime):\n"
        "    _helper()\n",
    )
    completed = subprocess.run(
        [str(BIN / "pipelex-agent"), "validate", "examples/bundles/summarize.mthds"],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(tmp_path),
            "PIPELEX_HOME": str(tmp_path / "h"),
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=REPO,
    )
    assert completed.returncode == 3
    error = agent_envelope(completed.stdout)["error"]
    assert error["type"] == "PluginHookError"
    assert error["plugin"] == "broken_plugin"
    assert error["distribution"] == "broken-plugin"
    assert error["hook"] == "on_runtime_ready"
    assert "ValueError: boom inside the plugin" in error["message"]
    assert "PIPELEX_DISABLE_PLUGINS=broken_plugin" in error["hint"]


def test_a_fetch_config_returning_the_wrong_type_blames_that_plugin(tmp_path: Path) -> None:
    from tests.cli_runner import BIN, REPO

    install_fake_distribution(
        tmp_path,
        "from pipelex_core import hookimpl\n"
        "@hookimpl\n"
        "def fetch_config(url, settings, etag):\n"
        "    return {'posthog': {}}  # the payload itself, not a FetchedConfig\n",
    )
    completed = subprocess.run(
        [str(BIN / "pipelex-agent"), "cache", "refresh"],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(tmp_path),
            "PIPELEX_HOME": str(tmp_path / "h"),
            "PIPELEX_GATEWAY": "1",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=REPO,
    )
    assert completed.returncode == 3  # a broken plugin is the environment's, not exit 4
    error = agent_envelope(completed.stdout)["error"]
    assert error["type"] == "PluginHookError"
    assert (error["plugin"], error["distribution"], error["hook"]) == (
        "broken_plugin",
        "broken-plugin",
        "fetch_config",
    )
    assert "returned dict, not FetchedConfig or None" in error["message"]
    assert "PIPELEX_DISABLE_PLUGINS=broken_plugin" in error["hint"]
    assert not (tmp_path / "h" / "cache").exists()


def test_a_load_cached_config_returning_the_wrong_type_blames_the_candidates(home: Path) -> None:
    from pipelex_core import PluginHookError

    class Snapshot:
        @hookimpl
        def load_cached_config(self, settings: Settings) -> str:
            return "not a CachedConfig"

    class Mirror:
        @hookimpl
        def load_cached_config(self, settings: Settings) -> None:
            return None

    snapshot = Snapshot()
    plugins = Plugins.boot(load_entry_points=False, extra_plugins=[snapshot])
    with pytest.raises(PluginHookError, match="returned str, not CachedConfig or None") as one:
        plugins.load_cached_config(settings=Settings(home=home))
    assert one.value.hook == "load_cached_config"
    assert one.value.name == plugins.manager.get_name(snapshot)
    # two third-party implementations: either may have answered, both are named
    two = Plugins.boot(load_entry_points=False, extra_plugins=[Snapshot(), Mirror()])
    with pytest.raises(PluginHookError) as raised:
        two.load_cached_config(settings=Settings(home=home))
    assert raised.value.name.count(",") == 1


def test_hook_errors_of_the_pipelex_family_pass_through(home: Path) -> None:
    from pipelex_core import PipelexError

    class Strict:
        @hookimpl
        def on_runtime_ready(self, settings: Any) -> None:
            raise PipelexError("policy says no")

    with pytest.raises(PipelexError, match="policy says no") as raised:
        setup(settings=Settings(home=home), plugins=Plugins.boot(extra_plugins=[Strict()]))
    assert type(raised.value) is PipelexError


CRASHING_COMMAND = (
    "import click\n"
    "from pipelex_core import hookimpl, run_command\n"
    "@click.command()\n"
    "@click.pass_obj\n"
    "def crash(state):\n"
    "    def body():\n"
    "        return {}['missing']\n"
    "    return run_command(state, 'crash', body)\n"
    "@hookimpl\n"
    "def register_commands(cli):\n"
    "    cli.add_command(crash)\n"
)


def test_an_unexpected_failure_is_exit_4_in_both_faces(tmp_path: Path) -> None:
    """Exit 4 (see the README's exit codes): a bug, here a plugin's KeyError, is reported."""
    from tests.cli_runner import BIN, REPO

    install_fake_distribution(tmp_path, CRASHING_COMMAND)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path),
        "PIPELEX_HOME": str(tmp_path / "h"),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "pipelex"), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd=REPO,
        )

    agent = run("--json", "crash")
    assert agent.returncode == 4
    envelope = agent_envelope(agent.stdout)
    assert envelope["ok"] is False
    assert envelope["error"]["type"] == "InternalError"
    assert envelope["error"]["message"] == "KeyError: 'missing'"
    assert "--debug" in envelope["error"]["hint"]
    human = run("crash")
    assert human.returncode == 4
    assert "Error: KeyError: 'missing'" in human.stderr
    assert "Traceback" not in human.stderr
    debug = run("--debug", "crash")
    assert debug.returncode == 4
    assert "Traceback (most recent call last)" in debug.stderr


def test_the_built_in_commands_are_plugins_registered_as_a_third_party_s(cli: Any) -> None:
    """Every command reaches the group through ``register_commands``; a built-in module can
    be skipped by name like any plugin, and doctor knows the name."""
    from pipelex_core.plugins import BUILTIN_COMMANDS

    listed = cli.agent("plugins").envelope["result"]["plugins"]
    by_name = {plugin["name"]: plugin for plugin in listed}
    for name in BUILTIN_COMMANDS:
        assert by_name[name]["hooks"] == ["register_commands"]
        assert by_name[name]["distribution"] == "pipelex-core"
    without = cli.agent("doctor", PIPELEX_DISABLE_PLUGINS="pipelex_core.cli.completion")
    assert without.code == 0, without.envelope["result"]["problems"]
    assert "pipelex_core.cli.completion" not in {
        p["name"] for p in without.envelope["result"]["plugins"]
    }
    gone = cli.agent("completion", "bash", PIPELEX_DISABLE_PLUGINS="pipelex_core.cli.completion")
    assert gone.code == 2
    assert "No such command 'completion'" in gone.envelope["error"]["message"]


SHORT_OPTIONS_COMMAND = (
    "import click\n"
    "from pipelex_core import Outcome, hookimpl, run_command\n"
    "@click.command()\n"
    "@click.option('-v', '--value', default='none')\n"
    "@click.option('-q', '--queued', is_flag=True)\n"
    "@click.pass_obj\n"
    "def tag(state, value, queued):\n"
    "    result = {'value': value, 'queued': queued}\n"
    "    return run_command(state, 'tag', lambda: Outcome(result=result, text=str(result)))\n"
    "@hookimpl\n"
    "def register_commands(cli):\n"
    "    cli.add_command(tag)\n"
)


def test_a_plugin_command_keeps_its_own_short_options(tmp_path: Path) -> None:
    """-q and -v may follow a command only where the command has no option of that name: a
    plugin's command defining ``-v`` or ``-q`` gets them, as click would give them."""
    from tests.cli_runner import BIN, REPO

    install_fake_distribution(tmp_path, SHORT_OPTIONS_COMMAND)
    completed = subprocess.run(
        [str(BIN / "pipelex-agent"), "tag", "-v", "42", "-q"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "PIPELEX_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=REPO,
    )
    assert completed.returncode == 0, completed.stdout
    assert agent_envelope(completed.stdout)["result"] == {"value": "42", "queued": True}


@pytest.mark.parametrize("face", ["pipelex", "pipelex-agent"])
def test_a_plugin_s_report_detail_shows_with_verbose_only_and_never_on_stdout(
    tmp_path: Path, face: str
) -> None:
    """docs/plugins.md: what a plugin reports with report_detail() is shown on stderr with -v,
    nowhere otherwise, and never on stdout (the agent face's stdout stays one JSON object)."""
    from tests.cli_runner import BIN, REPO

    install_fake_distribution(
        tmp_path,
        "from pipelex_core import hookimpl, report_detail\n"
        "@hookimpl\n"
        "def on_runtime_ready(settings):\n"
        "    report_detail('the policy plugin looked at the run')\n",
    )

    def run(*flags: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / face), *flags, "validate", "examples/bundles/summarize.mthds"],
            env={
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": str(tmp_path),
                "PIPELEX_HOME": str(tmp_path / "h"),
            },
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd=REPO,
        )

    detail = "pipelex: the policy plugin looked at the run\n"
    verbose, plain = run("-v"), run()
    assert verbose.returncode == plain.returncode == 0, verbose.stderr
    assert detail in verbose.stderr
    assert "policy plugin" not in plain.stderr + plain.stdout + verbose.stdout
    if face == "pipelex-agent":
        assert agent_envelope(verbose.stdout)["ok"] is True
