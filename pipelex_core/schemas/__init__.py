"""The agent contract as JSON Schema (draft 2020-12), shipped as data inside the package.

``agent-v1.json`` describes the one JSON object ``pipelex-agent`` prints for every command:
agents validate what they read against it, and the test suite validates every envelope it
reads, so the document and the code cannot drift apart. ``pipelex schema`` prints it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

#: The file of the envelope's schema_version 1; version 2 would ship beside it.
AGENT_SCHEMA = "agent-v1.json"


def agent_schema_text() -> str:
    """The schema as shipped (ASCII, two-space indent): what ``pipelex schema`` prints."""
    return (resources.files(__name__) / AGENT_SCHEMA).read_text(encoding="utf-8")


def agent_schema() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(agent_schema_text())
    return document
