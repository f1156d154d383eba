"""Cycles in a directed graph, found iteratively: deep graphs never hit the recursion limit.

Controllers calling each other and concepts holding each other are both refused when they
form a circle; each distinct circle is reported once, by the members it goes through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycles(edges: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Each distinct cycle as its path, first node repeated at the end (``a, b, a``)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    reported: set[frozenset[str]] = set()
    cycles: list[list[str]] = []
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path = [start]
        state[start] = 1
        while stack:
            node, position = stack[-1]
            targets = edges.get(node, ())
            if position >= len(targets):
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            stack[-1] = (node, position + 1)
            target = targets[position]
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    cycles.append(cycle)
            elif state.get(target) is None:
                state[target] = 1
                path.append(target)
                stack.append((target, 0))
    return cycles


#: A circle longer than this is shown by its ends: a message stays readable, whatever its size.
SHOWN_MEMBERS = 12


def describe_cycle(names: Sequence[str]) -> str:
    """``a -> b -> a``; a long circle keeps its first and last members around a count."""
    if len(names) <= SHOWN_MEMBERS:
        return " -> ".join(names)
    half = SHOWN_MEMBERS // 2
    hidden = len(names) - 2 * half
    return " -> ".join([*names[:half], f"… ({hidden:,} more) …", *names[-half:]])
