"""PipeJudge's rules: what it asks, the kind of verdict it gives, and the output that fits.

A judge gives a yes/no verdict by default (YesNo), picks among named ``options`` (Choice),
or places its inputs on ``levels`` (Rating); ``criteria`` and ``threshold`` tune a yes/no
verdict only.
"""

from __future__ import annotations

from pipelex_core.bundles.concept_index import ConceptIndex
from pipelex_core.bundles.output_rules import output_must_be
from pipelex_core.bundles.pipe_specs import PipeSpec
from pipelex_core.bundles.problems import Problem
from pipelex_core.bundles.template_reads import check_reads, templates_of


def check_judge(spec: PipeSpec, index: ConceptIndex, problems: list[Problem]) -> None:
    """The question (or prompt), the verdict's kind (yes/no, options or levels) and the
    output that kind gives."""
    table = spec.table
    has_question, has_prompt = "question" in table, "prompt" in table
    if has_question and has_prompt:
        problems.append(
            spec.problem(
                "pipe_field_conflict",
                "a PipeJudge takes `question` or `prompt`, not both: keep `question`",
            )
        )
    elif not has_question and not has_prompt:
        problems.append(
            spec.problem(
                "pipe_field_missing",
                "a PipeJudge needs the `question` it asks of its inputs (or a `prompt`)",
            )
        )
    check_reads(
        spec, templates_of(spec, ("question", "prompt"), problems), problems, must_read_all=False
    )
    options, levels = table.get("options"), table.get("levels")
    expected = "native.YesNo"
    if options is not None and levels is not None:
        problems.append(
            spec.problem("pipe_field_conflict", "`options` and `levels` are exclusive: keep one")
        )
        expected = ""  # which output fits is unknown until one is kept
    elif options is not None:
        expected = "native.Choice"
        if not isinstance(options, dict) or len(options) < 2 or not all(options):
            problems.append(
                spec.problem(
                    "pipe_field_invalid",
                    "`options` is a table of at least two named options",
                )
            )
    elif levels is not None:
        expected = "native.Rating"
        if (
            not isinstance(levels, list)
            or len(levels) < 2
            or not all(isinstance(level, str) and level for level in levels)
        ):
            problems.append(
                spec.problem("pipe_field_invalid", "`levels` is a list of at least two names")
            )
    criteria, threshold = table.get("criteria"), table.get("threshold")
    if (criteria is not None or threshold is not None) and (
        options is not None or levels is not None
    ):
        problems.append(
            spec.problem(
                "pipe_field_conflict",
                "`criteria` and `threshold` apply to a yes/no judgment, not beside "
                "`options` or `levels`",
            )
        )
    if criteria is not None and (
        not isinstance(criteria, dict) or not set(criteria) <= {"yes", "no"}
    ):
        problems.append(
            spec.problem("pipe_field_invalid", "`criteria` takes only the keys `yes` and `no`")
        )
    if threshold is not None and (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 < threshold < 1
    ):
        problems.append(
            spec.problem("pipe_field_invalid", "`threshold` is a number strictly between 0 and 1")
        )
    if expected:
        output_must_be(spec, index, expected, problems, allow_list=False)
