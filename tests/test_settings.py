"""Settings from PIPELEX_HOME's files and the environment, read at call time."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from pipelex_core import ConfigurationError, Settings
from pipelex_core.settings import DEFAULT_REMOTE_CONFIG_URL


def test_defaults_for_an_empty_home(home: Path) -> None:
    settings = Settings.load({"PIPELEX_HOME": str(home)})
    assert settings.home == home
    assert settings.cache_dir == home / "cache"
    assert settings.cache_path == home / "cache" / "remote_config.json"
    assert settings.gateway_enabled is False
    assert settings.offline is False
    assert settings.fetch_deadline == 10.0
    assert settings.remote_config_url == DEFAULT_REMOTE_CONFIG_URL
    assert DEFAULT_REMOTE_CONFIG_URL == (  # the one Pipelex itself fetches
        "https://pipelex-config.s3.eu-west-3.amazonaws.com/pipelex_remote_config_13.json"
    )
    assert settings.terms_accepted is False
    assert settings.disabled_plugins == frozenset()


def test_default_home_is_dot_pipelex(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Settings.load().home == tmp_path / ".pipelex"


def test_a_default_home_that_is_a_file_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PIPELEX_HOME", raising=False)
    (tmp_path / ".pipelex").write_text("not a directory")
    with pytest.raises(ConfigurationError) as caught:
        Settings.load()
    assert caught.value.message == (
        f"The default PIPELEX_HOME={tmp_path / '.pipelex'} is not a directory."
    )
    assert caught.value.path == tmp_path / ".pipelex"


def test_files_are_read(home: Path) -> None:
    (home / "backends.toml").write_text("[pipelex_gateway]\nenabled = true\n")
    (home / "pipelex_service.toml").write_text(
        'remote_config_url = "https://mirror.example/rc.json"\n[agreement]\nterms_accepted = true\n'
    )
    settings = Settings.load({"PIPELEX_HOME": str(home)})
    assert settings.gateway_enabled is True
    assert settings.remote_config_url == "https://mirror.example/rc.json"
    assert settings.terms_accepted is True


def test_config_files_are_toml_1_1_as_bundles_are(home: Path) -> None:
    """Inline tables over several lines, as the MTHDS docs write bundles, hold in the
    configuration files too: one reader for every TOML the tool reads."""
    (home / "backends.toml").write_text("pipelex_gateway = {\n    enabled = true,\n}\n")
    (home / "pipelex_service.toml").write_text(
        'remote_config_url = "https://mirror.example/rc.json"\n'
        "agreement = {\n    terms_accepted = true,\n}\n"
    )
    settings = Settings.load({"PIPELEX_HOME": str(home)})
    assert settings.gateway_enabled is True
    assert settings.terms_accepted is True


def test_environment_overrides_files(home: Path) -> None:
    (home / "backends.toml").write_text("[pipelex_gateway]\nenabled = true\n")
    (home / "pipelex_service.toml").write_text('remote_config_url = "https://a.example/rc.json"\n')
    settings = Settings.load(
        {
            "PIPELEX_HOME": str(home),
            "PIPELEX_GATEWAY": "0",
            "PIPELEX_REMOTE_CONFIG_URL": "https://b.example/rc.json",
            "PIPELEX_OFFLINE": "1",
            "PIPELEX_FETCH_DEADLINE": "2.5",
            "PIPELEX_DISABLE_PLUGINS": "a, b,,",
            "DO_NOT_TRACK": "1",
        }
    )
    assert settings.gateway_enabled is False
    assert settings.remote_config_url == "https://b.example/rc.json"
    assert settings.offline is True
    assert settings.fetch_deadline == 2.5
    assert settings.disabled_plugins == frozenset({"a", "b"})
    assert settings.telemetry_opted_out is True


def test_read_at_call_time(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELEX_HOME", str(home))
    assert Settings.load().gateway_enabled is False
    monkeypatch.setenv("PIPELEX_GATEWAY", "1")
    assert Settings.load().gateway_enabled is True


def test_settings_are_frozen(home: Path) -> None:
    settings = Settings.load({"PIPELEX_HOME": str(home)})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        settings.offline = True  # type: ignore[misc]


def test_the_longest_allowed_wait_is_a_day(home: Path) -> None:
    settings = Settings.load({"PIPELEX_HOME": str(home), "PIPELEX_FETCH_DEADLINE": "86400"})
    assert settings.fetch_deadline == 86_400.0


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        (
            {"PIPELEX_FETCH_DEADLINE": "soon"},
            "PIPELEX_FETCH_DEADLINE='soon' is not a number of seconds from 0 (excluded) to 86400",
        ),
        ({"PIPELEX_FETCH_DEADLINE": "-1"}, "is not a number of seconds"),
        ({"PIPELEX_FETCH_DEADLINE": "0"}, "is not a number of seconds"),
        ({"PIPELEX_FETCH_DEADLINE": "inf"}, "is not a number of seconds"),
        ({"PIPELEX_FETCH_DEADLINE": "nan"}, "is not a number of seconds"),
        # beyond what the clocks and socket timeouts underneath accept (1e10 overflowed them)
        ({"PIPELEX_FETCH_DEADLINE": "1e10"}, "PIPELEX_FETCH_DEADLINE='1e10' is not a number"),
        ({"PIPELEX_FETCH_DEADLINE": "86400.5"}, "to 86400"),
        ({"PIPELEX_CACHE_LOCK_TIMEOUT": "1e300"}, "PIPELEX_CACHE_LOCK_TIMEOUT='1e300' is not"),
        ({"PIPELEX_OFFLINE": "maybe"}, "PIPELEX_OFFLINE='maybe' is not a boolean"),
        ({"PIPELEX_GATEWAY": "2"}, "PIPELEX_GATEWAY='2' is not a boolean"),
    ],
)
def test_bad_environment_is_a_clear_error(home: Path, env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Settings.load({"PIPELEX_HOME": str(home), **env})
    assert fragment in raised.value.message
    assert raised.value.hint


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("backends.toml", "[pipelex_gateway\nenabled = true", "invalid TOML"),
        (
            "backends.toml",
            '[pipelex_gateway]\nenabled = "yes"',
            "[pipelex_gateway] enabled must be true or false",
        ),
        ("backends.toml", "pipelex_gateway = 1", "[pipelex_gateway] must be a table"),
        (
            "pipelex_service.toml",
            "remote_config_url = 3",
            "remote_config_url must be a non-empty string",
        ),
        (
            "pipelex_service.toml",
            "[agreement]\nterms_accepted = 1",
            "terms_accepted must be true or false",
        ),
    ],
)
def test_bad_files_are_clear_errors_naming_the_file(
    home: Path, name: str, content: str, fragment: str
) -> None:
    (home / name).write_text(content)
    with pytest.raises(ConfigurationError) as raised:
        Settings.load({"PIPELEX_HOME": str(home)})
    assert fragment in raised.value.message
    assert str(home / name) in raised.value.message
    assert raised.value.path == home / name
