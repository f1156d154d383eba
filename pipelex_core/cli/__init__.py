"""The ``pipelex`` and ``pipelex-agent`` command lines (click)."""
