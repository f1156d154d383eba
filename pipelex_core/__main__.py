"""``python -m pipelex_core``: the ``pipelex`` command."""

from pipelex_core.cli.entry import main

main()
