"""Security: private files, no code from data, secrets never printed."""

from __future__ import annotations

import ast
import stat
from pathlib import Path

from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from tests.cli_runner import EXAMPLES, REPO, Cli
from tests.stored_cache import stored_cache

SOURCES = [
    *sorted((REPO / "pipelex_core").rglob("*.py")),
    *sorted((REPO / "plugins").rglob("*.py")),
]
SECRET = "s3cr3t-t0ken-value"
API_KEY = "sk-live-abcdef0123456789"


def test_no_code_path_evaluates_or_unpickles_data() -> None:
    forbidden_modules = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "yaml"}
    forbidden_calls = {"eval", "exec", "compile", "__import__"}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & forbidden_modules, path
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in forbidden_modules, path
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in forbidden_calls, (path, node.lineno)


def test_init_writes_private_files_in_a_private_home(cli: Cli, tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    fresh = Cli(home=home)
    assert fresh.agent("init", "--byok").code == 0
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("backends.toml", "pipelex_service.toml"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600


def test_secrets_never_reach_any_output(cli: Cli, server: ConfigServer) -> None:
    """Credentials in the URL and API keys in the environment, through every command that
    talks about the remote or the backends, in both faces, online and offline."""
    secret_url = server.url.replace("http://", f"http://user:{SECRET}@") + f"?token={SECRET}"
    env = {"OPENAI_API_KEY": API_KEY, "PIPELEX_GATEWAY": "1"}
    bundle = str(EXAMPLES / "bundles" / "summarize.mthds")
    outputs = []
    init = cli.agent(
        "init", "--gateway", "--accept-terms", "--remote-config-url", secret_url, **env
    )
    assert init.code == 0, init.stdout
    outputs.append(init)
    commands = [
        ("validate", bundle),
        ("run", bundle, "--dry-run"),
        ("doctor",),
        ("cache", "show"),
        ("cache", "refresh"),
        ("models",),
        ("plugins",),
    ]
    for command in commands:
        outputs.append(cli.agent(*command, **env))
        outputs.append(cli.run(*command, **env))
    # the remote fails: errors and stale warnings mention the URL, never its secrets
    server.serve_reply(Reply(status=500))
    for command in commands[:4]:
        outputs.append(cli.agent(*command, **env))
        outputs.append(cli.run(*command, **env))
    dead = closed_port_url().replace("http://", f"http://user:{SECRET}@")
    outputs.append(cli.agent("validate", bundle, PIPELEX_REMOTE_CONFIG_URL=dead, **env))
    outputs.append(cli.run("--debug", "validate", bundle, PIPELEX_REMOTE_CONFIG_URL=dead, **env))
    assert any("127.0.0.1" in o.stdout + o.stderr for o in outputs)
    for completed in outputs:
        text = completed.stdout + completed.stderr
        assert SECRET not in text
        assert API_KEY not in text
    cache = (cli.home / "cache" / "remote_config.json").read_text()
    assert SECRET not in cache


def test_a_third_party_fetchers_source_url_is_stored_without_credentials(home: Path) -> None:

    from pipelex_core import FetchedConfig, Plugins, Settings, hookimpl, setup
    from pipelex_core.testing import minimal_remote_config

    class Fetcher:
        @hookimpl
        def fetch_config(self) -> FetchedConfig:
            return FetchedConfig(
                payload=minimal_remote_config(),
                source_url=f"https://user:{SECRET}@mirror.example/rc.json?token={SECRET}",
            )

    settings = Settings(home=home, gateway_enabled=True)
    setup(
        needs_model_specs=True, settings=settings, plugins=Plugins.boot(extra_plugins=[Fetcher()])
    )
    stored = stored_cache(home / "cache" / "remote_config.json")
    assert stored["source_url"] == "https://mirror.example/rc.json?…"
