"""PostHog capture events, sent best effort in the background and bounded at exit.

Each event is a JSON POST to ``{posthog.endpoint}/capture/`` in PostHog's capture shape.
Nothing personal goes out: an anonymous id kept in ``PIPELEX_HOME``, versions, the platform,
and counts; never bundle contents, prompts, file paths or API keys.
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import platform
import threading
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from pipelex_core import (
    RemoteConfigResult,
    Settings,
    check_url_allowed,
    pipelex_core_version,
    user_agent,
    write_atomically,
)

#: Each POST gives up after this long.
SEND_TIMEOUT = 2.0
#: At interpreter exit, pending sends get at most this long, all together.
EXIT_BUDGET = 0.5
ID_FILE = "telemetry_id"
EVENT_SETUP = "pipelex_setup"

_pending: list[threading.Thread] = []
_lock = threading.Lock()
_registered = False


def send_setup_event(result: RemoteConfigResult, settings: Settings) -> None:
    config = result.config
    properties = {
        "$lib": "pipelex-core",
        "pipelex_core_version": pipelex_core_version(),
        "python_version": platform.python_version(),
        "os": platform.system(),
        "remote_config_source": result.source.value,
        "gateway_models": len(config.backend_model_specs),
    }
    send(
        endpoint=config.posthog.endpoint,
        api_key=config.posthog.project_api_key,
        event=EVENT_SETUP,
        distinct_id=anonymous_id(settings.home),
        properties=properties,
    )


def send(
    *, endpoint: str, api_key: str, event: str, distinct_id: str, properties: dict[str, Any]
) -> None:
    """Queue one capture POST on a daemon thread; failures are swallowed."""
    url = endpoint.rstrip("/") + "/capture/"
    check_url_allowed(url)
    body = json.dumps(
        {
            "api_key": api_key,
            "event": event,
            "distinct_id": distinct_id,
            "properties": properties,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
        }
    ).encode("utf-8")
    thread = threading.Thread(target=_post, args=(url, body), name="pipelex-telemetry", daemon=True)
    with _lock:
        _pending.append(thread)
        _register_exit_flush()
    thread.start()


def flush(budget: float = EXIT_BUDGET) -> None:
    """Wait for pending sends, at most ``budget`` seconds in all."""
    import time

    deadline = time.monotonic() + budget
    with _lock:
        threads = list(_pending)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with _lock:
        _pending[:] = [t for t in _pending if t.is_alive()]


def anonymous_id(home: Path) -> str:
    """A random id kept in ``PIPELEX_HOME`` (0600), made on first use; never derived from
    anything about the user or the machine."""
    path = home / ID_FILE
    try:
        existing = path.read_text(encoding="utf-8").strip()
        uuid.UUID(existing)
        return existing
    except (OSError, ValueError):
        pass
    new_id = str(uuid.uuid4())
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomically(path, new_id.encode("utf-8"))
    except OSError:
        pass  # an id that cannot be kept is still anonymous
    return new_id


def _post(url: str, body: bytes) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": user_agent()}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
            response.read(1024)
    except Exception:  # best effort: a dead endpoint costs nothing but this thread
        return


def _register_exit_flush() -> None:
    global _registered
    if not _registered:
        atexit.register(flush)
        _registered = True
