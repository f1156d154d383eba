"""The error family and the stale-data warning.

Every expected failure is a :class:`PipelexError` carrying a message (what went wrong) and a
hint (what to do). Each subclass also carries the data a caller needs to act on it
programmatically, so nobody has to parse messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pipelex_core.types import RemoteConfigSource


class PipelexError(Exception):
    """Base of every expected failure: a message and an optional hint."""

    domain: str = "pipelex"
    retryable: bool = False
    #: A negative verdict on what was checked (exit 1), rather than an environment that
    #: prevents one (exit 3). An error raised by a plugin's ``validate_models`` becomes one.
    is_verdict: bool = False

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def details(self) -> dict[str, object]:
        """Machine-readable fields beyond message and hint, for the agent envelope."""
        return {}

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nHint: {self.hint}"
        return self.message


class ConfigurationError(PipelexError):
    """The user's configuration is unusable (bad TOML, a refused URL, a bad variable)."""

    domain = "config"

    def __init__(self, message: str, hint: str | None = None, *, path: Path | None = None) -> None:
        super().__init__(message, hint)
        self.path = path


class InsecureUrlError(ConfigurationError):
    """A plain ``http://`` URL to a non-loopback host, refused before any request."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"Refusing plain http:// remote config URL {url!r}: only loopback hosts may use http.",
            "Use an https:// URL (PIPELEX_REMOTE_CONFIG_URL or remote_config_url in "
            "pipelex_service.toml).",
        )
        self.url = url


class RemoteConfigFetchError(PipelexError):
    """The remote config could not be fetched: network failure, HTTP error status, non-JSON."""

    domain = "network"
    retryable = True

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        url: str,
        cause: BaseException | None = None,
        status: int | None = None,
        at_fault: str | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.url = url
        self.cause = cause
        self.status = status
        #: Which party failed: "network", "proxy", "server", "url" or "certificate" (the
        #: TLS trust here, or the server's certificate); None: not known.
        self.at_fault = at_fault

    def details(self) -> dict[str, object]:
        return {"url": self.url, "status": self.status, "at_fault": self.at_fault}


class CacheUnusableError(PipelexError):
    """A cache exists but cannot be used; it is treated as absent and the reason reported."""

    domain = "cache"

    def __init__(self, reason: str, hint: str | None = None, *, path: Path | None = None) -> None:
        super().__init__(reason, hint)
        self.reason = reason
        self.path = path


class RemoteConfigUnavailableError(PipelexError):
    """No remote config could be had: the fetch failed and no usable cache was allowed or found."""

    domain = "config"
    retryable = True

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        url: str,
        fetch_error: RemoteConfigFetchError | None,
        cache_state: str,
        cache_path: Path | None,
        cache_error: CacheUnusableError | None = None,
        cache_refused: bool = False,
        retryable: bool = True,
    ) -> None:
        super().__init__(message, hint)
        #: Whether the same call may succeed later: not while PIPELEX_OFFLINE forbids the fetch.
        self.retryable = retryable
        self.url = url
        self.fetch_error = fetch_error
        self.cache_state = cache_state
        self.cache_path = cache_path
        self.cache_error = cache_error
        self.cache_refused = cache_refused

    def details(self) -> dict[str, object]:
        return {
            "at_fault": self.fetch_error.at_fault if self.fetch_error else None,
            "cache_state": self.cache_state,
            "cache_path": str(self.cache_path) if self.cache_path else None,
            "cache_refused": self.cache_refused,
        }


class RemoteConfigValidationError(PipelexError):
    """A payload does not match the remote-config schema: a server bug, never a fallback."""

    domain = "config"

    def __init__(
        self,
        problems: Sequence[str],
        *,
        url: str | None = None,
        origin: str = "payload",
    ) -> None:
        self.problems = tuple(problems)
        self.url = url
        listed = "\n".join(f"  {p}" for p in self.problems)
        where = f" from {url}" if url else ""
        super().__init__(
            f"The remote config {origin}{where} does not match the expected schema "
            f"({len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}):\n{listed}",
            "This is a server-side problem; the cache was not used or changed. Retry later, "
            "or switch to BYOK (PIPELEX_GATEWAY=0) meanwhile.",
        )

    def details(self) -> dict[str, object]:
        return {"problems": list(self.problems)}


class UnknownModelError(PipelexError):
    """A model reference that resolves to no model on its backend."""

    domain = "models"
    is_verdict = True

    def __init__(self, message: str, hint: str | None = None, *, model: str) -> None:
        super().__init__(message, hint)
        self.model = model

    def details(self) -> dict[str, object]:
        return {"model": self.model}


class GatewayUnknownModelError(UnknownModelError):
    """A handle routed to the Gateway that the Gateway's catalogue does not list."""

    def __init__(
        self,
        model: str,
        *,
        source: RemoteConfigSource,
        cached_at: dt.datetime | None = None,
    ) -> None:
        message = f"Model {model!r} is not in the Pipelex Gateway catalogue"
        if source.is_cached:
            when = f" from {cached_at.isoformat()}" if cached_at else ""
            message += f" (checked against the cached catalogue{when}, which may be stale)."
            hint = (
                "Refresh the cache while online (`pipelex cache refresh` or `pipelex init`), "
                "or fix the model reference."
            )
        else:
            message += " (checked against the fresh catalogue)."
            hint = "Fix the model reference; `pipelex models` lists the available handles."
        super().__init__(message, hint, model=model)
        self.source = source
        self.cached_at = cached_at

    def details(self) -> dict[str, object]:
        return {
            "model": self.model,
            "source": self.source.value,
            "cached_at": self.cached_at.isoformat() if self.cached_at else None,
        }


class BundleValidationError(PipelexError):
    """A bundle failed validation; ``problems`` lists every problem found."""

    domain = "bundle"
    is_verdict = True

    def __init__(
        self, message: str, hint: str | None = None, *, problems: Sequence[object] = ()
    ) -> None:
        super().__init__(message, hint)
        self.problems = tuple(problems)

    def details(self) -> dict[str, object]:
        return {"problems": list(self.problems)}


class PipelexUsageError(PipelexError):
    """The invocation itself is wrong (a missing pipe, bad ``--inputs``): exit code 2."""

    domain = "usage"


class AbortedError(PipelexError):
    """The user stopped the command (Ctrl-C, or Ctrl-D at a prompt): exit code 1, as click's
    own "Aborted!" is, never reported as a bug."""

    domain = "aborted"


class TermsNotAcceptedError(PipelexError):
    """The Gateway was asked for but its terms of service were not accepted."""

    domain = "config"


class InferenceNotAvailableError(PipelexError):
    """Live inference was asked for; this build validates and dry-runs only."""

    domain = "inference"


class RemoteConfigStaleWarning(UserWarning):
    """The run uses cached remote-config data: labelled, never silent."""

    def __init__(
        self, cached_at: dt.datetime, *, reason: str, source_url: str | None = None
    ) -> None:
        self.cached_at = cached_at
        self.reason = reason
        self.source_url = source_url
        super().__init__(
            f"Using the cached Pipelex Gateway remote config from {cached_at.isoformat()} "
            f"({reason}); model availability may be stale. Run `pipelex init` or "
            "`pipelex cache refresh` while online to update it."
        )
