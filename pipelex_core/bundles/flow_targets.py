"""The pipes a controller calls, read from its table alone.

Not a check: it reports nothing. The cycle search, the signature check and the dry and real
runs use it to follow controllers (imported through flow_rules).
"""

from __future__ import annotations

from pipelex_core.bundles.pipe_specs import PipeSpec

SPECIAL_OUTCOMES = frozenset({"continue", "fail"})


def controller_targets(spec: PipeSpec) -> list[str]:
    """The pipe references a controller calls, in order (for cycles and the dry run)."""
    table = spec.table
    kind = spec.type
    if kind in ("PipeSequence", "PipeParallel"):
        items = table.get("steps" if kind == "PipeSequence" else "branches")
        if not isinstance(items, list):
            return []
        return [
            item["pipe"]
            for item in items
            if isinstance(item, dict) and isinstance(item.get("pipe"), str)
        ]
    if kind == "PipeBatch":
        code = table.get("branch_pipe_code")
        return [code] if isinstance(code, str) else []
    if kind == "PipeCondition":
        outcomes = table.get("outcomes")
        found = list(outcomes.values()) if isinstance(outcomes, dict) else []
        found.append(table.get("default_outcome"))
        return [t for t in found if isinstance(t, str) and t not in SPECIAL_OUTCOMES]
    return []
