"""Deprecated: the loopback config server moved to :mod:`pipelex_core.testing`.

This path was documented for plugin authors' tests; it keeps working for one release, as every
renamed public name does (docs/plugins.md, "Changing the contract").
"""

from __future__ import annotations

import warnings

from pipelex_core.testing.config_server import ConfigServer, Reply, closed_port_url

warnings.warn(
    "pipelex_core.config_server is deprecated and goes in the next release: import "
    "ConfigServer, Reply and closed_port_url from pipelex_core.testing.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["ConfigServer", "Reply", "closed_port_url"]
