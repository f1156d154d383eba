"""Testing support: what this project's tests use, offered to plugin authors as well.

- :mod:`pipelex_core.testing.config_server`: a scriptable loopback server (faults included)
  for tests, demos and benchmarks; standard library only.
- :mod:`pipelex_core.testing.payloads`: ``minimal_remote_config()``, a valid remote config
  listing every model the kit's deck can resolve to.
- :mod:`pipelex_core.testing.fixtures`: pytest fixtures. Enable them in your ``conftest.py``::

      pytest_plugins = ["pipelex_core.testing"]

  (pytest loads this package as a plugin, and it names the fixtures module in turn, so the
  server and the payloads stay importable without pytest.)

Nothing in the core imports this package. It holds no assertions for pytest to rewrite, and
a conftest may import the server from it before pytest loads it as a plugin: hence
PYTEST_DONT_REWRITE, which also spares that conftest pytest's "already imported" warning.
"""

from __future__ import annotations

from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url
from pipelex_core.testing.payloads import minimal_remote_config

pytest_plugins = ["pipelex_core.testing.fixtures"]

__all__ = ["ConfigServer", "Reply", "closed_port_url", "minimal_remote_config"]
