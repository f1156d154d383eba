"""Doc generators that refuse cached data: ``pipelex dev gateway-models`` and ``dev test-models``.

They regenerate committed files from the Gateway catalogue, so they call
``setup(require_fresh=True)``: a cached fallback is an immediate error, never stale content
in a repository.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelex_core import hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def register_commands(cli: click.Group) -> None:
    from pipelex_docgen.commands import dev

    cli.add_command(dev)
