"""The Gateway story from Python: fetch fresh, lose the network, keep working on the cache.

Serves the sample 68-model catalogue from a loopback server, so it runs on any machine
without a network. Run it with ``./scripts/demo``.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

from pipelex_core import (
    RemoteConfigStaleWarning,
    RemoteConfigUnavailableError,
    Settings,
    setup,
)
from pipelex_core.testing.config_server import ConfigServer, closed_port_url

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "remote_config.sample.json"


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="pipelex-demo-"))
    gateway = {"PIPELEX_HOME": str(home), "PIPELEX_GATEWAY": "1"}

    print("1. BYOK (Gateway off): no network is touched at all.")
    runtime = setup(needs_model_specs=True, settings=Settings.load({"PIPELEX_HOME": str(home)}))
    print(f"   remote_config={runtime.remote_config}, source={runtime.source}\n")

    with ConfigServer() as server:
        server.serve(json.loads(SAMPLE.read_text(encoding="utf-8")), etag='"demo-v1"')
        print(f"2. Gateway on, online: fetched from {server.url}")
        settings = Settings.load({**gateway, "PIPELEX_REMOTE_CONFIG_URL": server.url})
        runtime = setup(needs_model_specs=True, settings=settings)
        assert runtime.remote_config is not None
        models = len(runtime.remote_config.backend_model_specs)
        print(f"   source={runtime.source}, {models} models, cache at {settings.cache_path}\n")

    print("3. Network gone: the cache stands in, and says so.")
    offline = Settings.load({**gateway, "PIPELEX_REMOTE_CONFIG_URL": closed_port_url()})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RemoteConfigStaleWarning)
        runtime = setup(needs_model_specs=True, settings=offline)
    print(f"   source={runtime.source}, cached_at={runtime.cached_at}")
    for warning in caught:
        print(f"   warning: {warning.message}")

    print("\n4. Fresh data required (doc generators): the cache is refused, loudly.")
    try:
        setup(needs_model_specs=True, require_fresh=True, settings=offline)
    except RemoteConfigUnavailableError as exc:
        print(f"   {type(exc).__name__}: {exc.message}")


if __name__ == "__main__":
    main()
