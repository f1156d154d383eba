"""Serve the sample 68-model remote config on a loopback port until stdin closes.

Prints the URL on its first line, so a script can read it and go on: no sleeping, no
guessing when the server is ready.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipelex_core.testing.config_server import ConfigServer

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "remote_config.sample.json"

with ConfigServer() as server:
    server.serve(json.loads(SAMPLE.read_text(encoding="utf-8")), etag='"sample"')
    print(server.url, flush=True)
    sys.stdin.read()
