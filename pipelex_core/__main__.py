"""``python -m pipelex_core``: the ``pipelex`` command."""

from pipelex_core.cli.app import main

main()
