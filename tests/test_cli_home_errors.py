"""A PIPELEX_HOME or a config path of the wrong kind: a clear error, never "this is a bug"."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipelex_core.testing.config_server import ConfigServer
from tests.cli_runner import EXAMPLES, Cli

BUNDLE = str(EXAMPLES / "bundles" / "summarize.mthds")


@pytest.fixture
def home_is_a_file(tmp_path: Path) -> Cli:
    path = tmp_path / "not-a-home"
    path.write_bytes(b"keep me\n")
    return Cli(home=path)


@pytest.mark.parametrize(
    "args", [("validate", BUNDLE), ("init", "--byok"), ("cache", "show"), ("models",)]
)
def test_home_that_is_a_file_is_a_configuration_error(
    home_is_a_file: Cli, args: tuple[str, ...]
) -> None:
    completed = home_is_a_file.agent(*args)
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "ConfigurationError"
    assert error["message"] == f"PIPELEX_HOME={home_is_a_file.home} is not a directory."
    assert "PIPELEX_HOME" in error["hint"]
    human = home_is_a_file.run(*args)
    assert human.code == 3
    assert "is not a directory" in human.stderr
    assert "Traceback" not in human.stderr
    assert "bug" not in human.stderr
    assert home_is_a_file.home.read_bytes() == b"keep me\n"


def test_doctor_reports_a_home_that_is_a_file(home_is_a_file: Cli) -> None:
    completed = home_is_a_file.agent("doctor")
    assert completed.code == 1
    report = completed.envelope["result"]
    assert report["problems"] == [f"PIPELEX_HOME={home_is_a_file.home} is not a directory."]
    human = home_is_a_file.run("doctor")
    assert human.code == 1
    assert "is not a directory" in human.stdout


def test_config_file_that_is_a_directory_is_named(cli: Cli) -> None:
    (cli.home / "backends.toml").mkdir()
    completed = cli.agent("validate", BUNDLE)
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "ConfigurationError"
    assert error["message"] == f"{cli.home / 'backends.toml'}: is a directory, not a TOML file."
    assert "permissions" not in error["hint"]


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_init_over_a_config_path_that_is_a_directory_says_what_to_do(cli: Cli, kind: str) -> None:
    path = cli.home / "backends.toml"
    if kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)  # never opened for reading: it would wait for a writer
    completed = cli.agent("init", "--byok")
    assert completed.code == 3
    error = completed.envelope["error"]
    assert error["type"] == "ConfigurationError"
    what = "a directory" if kind == "directory" else "a FIFO (named pipe)"
    assert error["message"] == (
        f"Cannot write the configuration in {cli.home}: {path}: it is {what}, not a regular file."
    )
    assert path.is_dir() if kind == "directory" else stat.S_ISFIFO(path.lstat().st_mode)
    assert not (cli.home / "pipelex_service.toml").exists()  # nothing half-written


def test_a_fifo_where_a_config_file_should_be_is_named_not_waited_on(cli: Cli) -> None:
    os.mkfifo(cli.home / "backends.toml")
    completed = cli.agent("validate", str(EXAMPLES / "bundles" / "summarize.mthds"))
    assert completed.code == 3
    assert completed.envelope["error"]["message"] == (
        f"{cli.home / 'backends.toml'}: cannot be read: it is a FIFO (named pipe), "
        "not a regular file."
    )


def test_init_over_a_config_file_in_another_encoding_refuses_then_forces(cli: Cli) -> None:
    latin1 = "# réglages\n".encode("latin-1")
    (cli.home / "backends.toml").write_bytes(latin1)
    refused = cli.agent("init", "--byok")
    assert refused.code == 2
    assert "Refusing to overwrite" in refused.envelope["error"]["message"]
    assert (cli.home / "backends.toml").read_bytes() == latin1
    forced = cli.agent("init", "--byok", "--force")
    assert forced.code == 0
    assert "[pipelex_gateway]" in (cli.home / "backends.toml").read_text(encoding="utf-8")


def test_cache_export_into_a_missing_directory_says_what_to_do(
    cli: Cli, server: ConfigServer, tmp_path: Path
) -> None:
    primed = cli.agent("init", "--gateway", "--accept-terms", "--remote-config-url", server.url)
    assert primed.envelope["result"]["cache_primed"] is True
    target = tmp_path / "missing" / "cache.json"
    completed = cli.agent("cache", "export", str(target))
    assert completed.code == 2
    error = completed.envelope["error"]
    assert error["message"] == f"Output path {target}: the folder {target.parent} does not exist."
    assert error["hint"] == "Create it first, or name a path in an existing folder."
    assert not target.parent.exists()
