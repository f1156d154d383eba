"""A urllib3 ``Retry`` that never sleeps past the fetch's deadline.

urllib3 honours ``Retry-After`` and backs off exponentially, but knows nothing of a total
budget: a 120 s ``Retry-After`` would be slept in full. This subclass gives up instead, as
soon as the next wait would end after the deadline, so the caller can fall back at once.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import MaxRetryError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

ATTEMPTS = 5
BACKOFF_FACTOR = 0.05
RETRY_STATUSES = frozenset({429, *range(500, 600)})


class DeadlineRetry(Retry):
    """Retry within a monotonic deadline; with a fallback, connection failures are final."""

    deadline: float | None = None

    @classmethod
    def for_fetch(cls, *, deadline: float, fail_fast: bool) -> DeadlineRetry:
        retries = ATTEMPTS - 1
        retry = cls(
            total=retries,
            connect=0 if fail_fast else retries,
            read=retries,
            status=retries,
            other=0,
            redirect=0,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=BACKOFF_FACTOR,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        retry.deadline = deadline
        return retry

    def new(self, **kw: Any) -> DeadlineRetry:
        retry = super().new(**kw)
        assert isinstance(retry, DeadlineRetry)
        retry.deadline = self.deadline
        return retry

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> DeadlineRetry:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        assert isinstance(retry, DeadlineRetry)
        if self.deadline is not None:
            wait = retry._planned_wait(response)
            if time.monotonic() + wait >= self.deadline:
                reason = error or _DeadlineReached(wait)
                raise MaxRetryError(_pool, url or "", reason)  # type: ignore[arg-type]
        return retry

    def _planned_wait(self, response: BaseHTTPResponse | None) -> float:
        if response is not None and self.respect_retry_after_header:
            retry_after = self.get_retry_after(response)
            if retry_after is not None:
                return retry_after
        return self.get_backoff_time()


class _DeadlineReached(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(
            f"the next retry (in {wait:.1f}s) would pass the fetch deadline "
            "(PIPELEX_FETCH_DEADLINE)"
        )
