"""Settings: ``PIPELEX_HOME``'s files and the environment, read at call time.

Nothing here runs at import: ``Settings.load()`` reads the files and variables when it is
called, so a test or a long-lived process sees the environment of the moment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from pipelex_core import toml_text
from pipelex_core.errors import ConfigurationError
from pipelex_core.kit import home_or_kit

#: The catalogue Pipelex 0.50 to 0.72 fetch: both tools beside each other read the same one.
DEFAULT_REMOTE_CONFIG_URL = (
    "https://pipelex-config.s3.eu-west-3.amazonaws.com/pipelex_remote_config_13.json"
)
DEFAULT_FETCH_DEADLINE = 10.0
DEFAULT_CACHE_LOCK_TIMEOUT = 5.0
CACHE_FILE_NAME = "remote_config.json"

GATEWAY_BACKEND = "pipelex_gateway"
BACKENDS_FILE = "backends.toml"
SERVICE_FILE = "pipelex_service.toml"

#: Every variable pipelex reads (tests and fixtures unset them all for isolation).
ENVIRONMENT_VARIABLES = (
    "PIPELEX_HOME",
    "PIPELEX_REMOTE_CONFIG_URL",
    "PIPELEX_OFFLINE",
    "PIPELEX_FETCH_DEADLINE",
    "PIPELEX_GATEWAY",
    "PIPELEX_DISABLE_PLUGINS",
    "PIPELEX_CACHE_LOCK_TIMEOUT",
    "PIPELEX_TELEMETRY",
    "DO_NOT_TRACK",
    # read by the HTTP fetcher (docs/networks.md): the CAs it trusts, the proxy it goes through
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@attrs.frozen
class BackendSettings:
    """A BYOK backend of ``backends.toml``: ``api_key_env`` names the variable of its key."""

    name: str
    enabled: bool
    api_key_env: str | None = None


@attrs.frozen
class Settings:
    """Everything a run needs to know about where it is and what it may do."""

    home: Path
    remote_config_url: str = DEFAULT_REMOTE_CONFIG_URL
    gateway_enabled: bool = False
    offline: bool = False
    fetch_deadline: float = DEFAULT_FETCH_DEADLINE
    terms_accepted: bool = False
    disabled_plugins: frozenset[str] = frozenset()
    telemetry_opted_out: bool = False
    cache_lock_timeout: float = DEFAULT_CACHE_LOCK_TIMEOUT
    byok_backends: tuple[BackendSettings, ...] = ()
    #: Not read from anywhere: ``setup()`` sets it on the settings it hands ``fetch_config``
    #: when a usable cache can stand in, so a fetcher gives up fast on connection failures.
    fallback_available: bool = False

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def cache_path(self) -> Path:
        return self.cache_dir / CACHE_FILE_NAME

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``PIPELEX_HOME``'s files and the environment as they are now."""
        env = os.environ if environ is None else environ
        home = home_from_env(env)

        backends_path = home_or_kit(home, BACKENDS_FILE)
        backends = read_toml(backends_path)
        service = read_toml(home / SERVICE_FILE)

        gateway_table = _table(backends, GATEWAY_BACKEND, backends_path)
        gateway_enabled = _bool_value(
            gateway_table.get("enabled", False), f"[{GATEWAY_BACKEND}] enabled", backends_path
        )
        if env.get("PIPELEX_GATEWAY", "").strip():  # set but empty: as if unset
            gateway_enabled = env_flag(env, "PIPELEX_GATEWAY")

        url = service.get("remote_config_url", DEFAULT_REMOTE_CONFIG_URL)
        if not isinstance(url, str) or not url:
            raise ConfigurationError(
                f"{home / 'pipelex_service.toml'}: remote_config_url must be a non-empty string.",
                "Fix or remove remote_config_url in pipelex_service.toml.",
                path=home / "pipelex_service.toml",
            )
        url = env.get("PIPELEX_REMOTE_CONFIG_URL") or url

        agreement = _table(service, "agreement", home / "pipelex_service.toml")
        terms_accepted = _bool_value(
            agreement.get("terms_accepted", False),
            "[agreement] terms_accepted",
            home / "pipelex_service.toml",
        )

        disabled = disabled_plugins_from_env(env)
        return cls(
            home=home,
            remote_config_url=url,
            gateway_enabled=gateway_enabled,
            offline=env_flag(env, "PIPELEX_OFFLINE"),
            fetch_deadline=env_seconds(env, "PIPELEX_FETCH_DEADLINE", DEFAULT_FETCH_DEADLINE),
            terms_accepted=terms_accepted,
            disabled_plugins=disabled,
            telemetry_opted_out=opted_out(env),
            cache_lock_timeout=env_seconds(
                env, "PIPELEX_CACHE_LOCK_TIMEOUT", DEFAULT_CACHE_LOCK_TIMEOUT
            ),
            byok_backends=_byok_backends(backends, backends_path),
        )

    @property
    def enabled_byok_backends(self) -> tuple[str, ...]:
        return tuple(backend.name for backend in self.byok_backends if backend.enabled)


def home_from_env(env: Mapping[str, str]) -> Path:
    """``PIPELEX_HOME``, default ``~/.pipelex``: absent (nothing configured yet) or a directory.

    Checked here, once, so that a file in its place is named as such instead of surfacing as
    "cannot read <home>/backends.toml" from whichever file happens to be read first."""
    home = Path(env.get("PIPELEX_HOME") or Path.home() / ".pipelex").expanduser()
    if not home.is_dir() and home.exists():  # one stat when the home is a directory
        source = "PIPELEX_HOME" if env.get("PIPELEX_HOME") else "The default PIPELEX_HOME"
        raise ConfigurationError(
            f"{source}={home} is not a directory.",
            "Point PIPELEX_HOME at a directory (`pipelex init` creates it), or move the file "
            "out of the way.",
            path=home,
        )
    return home


def disabled_plugins_from_env(env: Mapping[str, str]) -> frozenset[str]:
    """``PIPELEX_DISABLE_PLUGINS``: comma-separated plugin names, blanks ignored."""
    raw = env.get("PIPELEX_DISABLE_PLUGINS", "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


#: No config file is anywhere near this size; a larger "file" (a device) is refused.
MAX_CONFIG_BYTES = 16 * 1024 * 1024


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a missing file is empty, a broken one a clear error. A directory,
    FIFO or device in its place is named, never waited on or read without end."""
    from pipelex_core.file_read import UnreadableFileError, read_regular_file

    try:
        data = read_regular_file(path, limit=MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return {}
    except UnreadableFileError as exc:
        if exc.reason.startswith("a directory"):
            message = f"{path}: is a directory, not a TOML file."
        else:
            message = f"{path}: cannot be read: it is {exc.reason}."
        raise ConfigurationError(
            message,
            f"Move {path} out of the way (or run `pipelex doctor` to see every config file).",
            path=path,
        ) from None
    try:
        return toml_text.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"{path}: invalid TOML: not UTF-8 (byte {exc.start})",
            f"Fix or remove {path}.",
            path=path,
        ) from None
    except toml_text.TomlError as exc:
        raise ConfigurationError(
            f"{path}: invalid TOML: {exc}", f"Fix or remove {path}.", path=path
        ) from None


def opted_out(env: Mapping[str, str]) -> bool:
    """``DO_NOT_TRACK`` / ``PIPELEX_TELEMETRY``: an opt-out never breaks a run, so a value
    that is not a clear "track" (``DO_NOT_TRACK=0``, ``PIPELEX_TELEMETRY=1``) means do not."""
    do_not_track = env.get("DO_NOT_TRACK", "").strip().lower()
    if do_not_track and do_not_track not in _FALSE:
        return True
    telemetry = env.get("PIPELEX_TELEMETRY", "").strip().lower()
    return bool(telemetry) and telemetry not in _TRUE


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off (any case); anything else is an error."""
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigurationError(
        f"{name}={env[name]!r} is not a boolean.", f"Set {name} to 1 or 0 (or unset it)."
    )


#: The longest wait a setting may ask for: a day. Larger values overflow the clocks and socket
#: timeouts underneath (``1e10`` did), and no fetch or lock is worth waiting longer.
MAX_SECONDS = 86_400.0


def env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds, at most :data:`MAX_SECONDS`."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (0 < value <= MAX_SECONDS):
        raise ConfigurationError(
            f"{name}={raw!r} is not a number of seconds from 0 (excluded) to {MAX_SECONDS:g}.",
            f"Set {name} to a number such as {default:g} (or unset it).",
        )
    return value


def _byok_backends(document: Mapping[str, Any], path: Path) -> tuple[BackendSettings, ...]:
    """Every table of ``backends.toml`` but the Gateway's is a BYOK backend, in file order."""
    found: list[BackendSettings] = []
    for name in document:
        if name == GATEWAY_BACKEND:
            continue
        table = _table(document, name, path)
        enabled = _bool_value(table.get("enabled", False), f"[{name}] enabled", path)
        key = table.get("api_key")
        api_key_env = None
        if isinstance(key, str) and key.startswith("${") and key.endswith("}"):
            api_key_env = key[2:-1]
        found.append(BackendSettings(name=name, enabled=enabled, api_key_env=api_key_env))
    return tuple(found)


def _table(document: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"{path}: [{key}] must be a table.", f"Fix [{key}] in {path}.", path=path
        )
    return value


def _bool_value(value: object, what: str, path: Path) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(
            f"{path}: {what} must be true or false, not {value!r}.",
            f"Fix {what} in {path}.",
            path=path,
        )
    return value
