"""The benchmark's results as typed rows, and the Markdown table rendered from them.

A row says what was measured and how it is shown: a series of timed runs (median and
spread), one derived duration (no spread to show), or a fact with no duration at all (a
size, a byte count, a growth ratio). The table is rendered from those kinds, so no cell is
patched after the fact.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import attrs

HEADERS = ("scenario", "median", "min–max", "ratio", "target", "met")


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


@attrs.frozen
class Row:
    """One scenario: ``ratio`` is the comparison that matters, ``met`` None when there is no
    target. Build it with :meth:`timed`, :meth:`duration` or :meth:`fact`."""

    scenario: str
    ratio: str
    target: str = "—"
    met: bool | None = None
    times: tuple[float, ...] = ()
    seconds: float | None = None

    @classmethod
    def timed(
        cls,
        scenario: str,
        times: Sequence[float],
        ratio: str,
        target: str = "—",
        met: bool | None = None,
    ) -> Row:
        """Several runs of a command: the median and the spread are shown."""
        return cls(scenario, ratio, target, met, times=tuple(times))

    @classmethod
    def duration(
        cls, scenario: str, seconds: float, ratio: str, target: str = "—", met: bool | None = None
    ) -> Row:
        """One duration (a best-of in-process timing, or a difference of medians)."""
        return cls(scenario, ratio, target, met, seconds=seconds)

    @classmethod
    def fact(cls, scenario: str, ratio: str, target: str = "—", met: bool | None = None) -> Row:
        """A result that is not a duration: a size, a byte count, a growth ratio."""
        return cls(scenario, ratio, target, met)

    def cells(self) -> tuple[str, ...]:
        if self.times:
            median = format_seconds(statistics.median(self.times))
            spread = f"{format_seconds(min(self.times))}–{format_seconds(max(self.times))}"
        elif self.seconds is not None:
            median, spread = format_seconds(self.seconds), "—"
        else:
            median = spread = "—"
        met = "n/a" if self.met is None else ("yes" if self.met else "**NO**")
        return (self.scenario, median, spread, self.ratio, self.target, met)


@attrs.define
class Table:
    rows: list[Row] = attrs.Factory(list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def missed(self) -> list[str]:
        return [row.scenario for row in self.rows if row.met is False]

    def render(self) -> str:
        lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(row.cells()) + " |" for row in self.rows]
        missed = self.missed()
        lines.append("")
        lines.append(
            f"{len(missed)} target(s) missed" + (": " + "; ".join(missed) if missed else "")
        )
        return "\n".join(lines)
