"""Read a prompt or template the way Pipelex renders it: which inputs it reads, and how.

The shorthands expand first (``$name`` inline, ``@name`` as a block on its own line, ``@?name``
as a block shown only when present), then the Jinja2 syntax is scanned for the names an
expression reads. Nothing is rendered: validation needs the reads, their paths and whether
each read is guarded, so this stays a small scanner rather than a Jinja2 import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

#: Names a template may read that are never inputs (Pipelex excludes these from the check).
SPECIAL_NAMES = frozenset({"preliminary_text", "place_holder"})
_JINJA_GLOBALS = frozenset(
    {"range", "lipsum", "dict", "cycler", "joiner", "namespace", "loop", "self", "super", "caller"}
)
_KEYWORDS = frozenset(
    {
        "and", "or", "not", "in", "is", "if", "else", "elif", "true", "false", "none",
        "True", "False", "None", "recursive", "as", "with", "without", "context", "import",
        "from", "ignore", "missing",
    }
)  # fmt: skip
_SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*"
_SHORTHAND = re.compile(
    rf"(?<![A-Za-z0-9_$@])(?P<sigil>\$|@\?|@)(?P<path>{_SEGMENT}(?:\.{_SEGMENT})*)(?P<dot>\.)?"
)
_BLOCK = re.compile(r"\{\{(?P<expr>.*?)\}\}|\{%-?(?P<stmt>.*?)-?%\}|\{#.*?#\}", re.DOTALL)
_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    rf"|(?P<name>{_SEGMENT})|(?P<number>\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|\*\*|//|[^\sA-Za-z0-9_])"
)
_OPENERS = {
    tag: f"end{tag}" for tag in ("if", "for", "macro", "block", "with", "filter", "call", "raw")
}
_SET_BLOCK_END = "endset"


@attrs.frozen
class Read:
    """One read of a variable: its root name, the path after it, and how it is read."""

    root: str
    path: tuple[str, ...]
    guarded: bool
    how: str  # "$", "@", "@?", "jinja", or "local" (a loop variable or a Jinja global)
    line: int
    #: an ``@`` block sigil that does not stand alone on its line
    inline_block: bool = False

    @property
    def dotted(self) -> str:
        return ".".join((self.root, *self.path))


@attrs.frozen
class TemplateScan:
    reads: tuple[Read, ...]
    errors: tuple[str, ...]

    def roots(self) -> set[str]:
        """The names read that may be inputs (loop variables and Jinja globals left out)."""
        return {read.root for read in self.reads if read.how != "local"}


def scan_template(text: str) -> TemplateScan:
    """Every input read by ``text``, and every syntax or sigil-placement error."""
    errors: list[str] = []
    regions: list[_Region] = []
    reads = list(_scan_jinja(text, errors, regions))
    for match in _SHORTHAND.finditer(text):
        region = next((r for r in regions if r.start <= match.start() < r.end), None)
        if region is None:
            continue  # inside a Jinja tag: the tag's own scan read it
        sigil, path = match["sigil"], match["path"]
        root, *rest = path.split(".")
        if root in region.local:
            continue  # a loop or `set` variable, not an input
        line = text.count("\n", 0, match.start()) + 1
        inline = sigil in ("@", "@?") and not _alone_on_line(text, match)
        guarded = sigil == "@?" or root in region.guards
        reads.append(Read(root, tuple(rest), guarded, sigil, line, inline))
    return TemplateScan(tuple(reads), tuple(errors))


@attrs.frozen
class _Region:
    """Text between Jinja tags, with the names its enclosing blocks test and bind."""

    start: int
    end: int
    guards: frozenset[str]
    local: frozenset[str]


def _alone_on_line(text: str, match: re.Match[str]) -> bool:
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    end = len(text) if end == -1 else end
    return not text[start : match.start()].strip() and not text[match.end() : end].strip()


def _scan_jinja(text: str, errors: list[str], regions: list[_Region]) -> Iterator[Read]:
    stack: list[tuple[str, frozenset[str], frozenset[str]]] = []  # (end tag, guards, locals)
    guards: frozenset[str] = frozenset()
    local: frozenset[str] = frozenset()
    raw = False
    position = 0
    for match in _BLOCK.finditer(text):
        between = text[position : match.start()]
        if not raw:
            regions.append(_Region(position, match.start(), guards, local))
        position = match.end()
        if not raw and ("{{" in between or "{%" in between):
            line = text.count("\n", 0, match.start()) + 1
            errors.append(f"line {line}: an unclosed `{{{{` or `{{%`")
        line = text.count("\n", 0, match.start()) + 1
        statement = match["stmt"]
        if raw:
            if statement is not None and statement.strip() == "endraw":
                raw = False
            continue
        if match["expr"] is not None:
            yield from _expression_reads(match["expr"], guards, local, line)
            continue
        if statement is None:
            continue  # a comment
        words = statement.split(None, 1)
        if not words:
            errors.append(f"line {line}: an empty `{{% %}}` tag")
            continue
        tag, rest = words[0], (words[1] if len(words) > 1 else "")
        if tag == "raw":
            raw = True
            continue
        if tag in ("if", "elif"):
            names = _names_in(rest)
            # a read in the condition is the presence test itself
            yield from _expression_reads(rest, guards | names, local, line)
            if tag == "if":
                stack.append(("endif", guards, local))
            elif not stack or stack[-1][0] != "endif":
                errors.append(f"line {line}: `elif` outside an `if` block")
                continue
            guards = stack[-1][1] | names
        elif tag == "else":
            if not stack:
                errors.append(f"line {line}: `else` outside a block")
                continue
            guards = stack[-1][1]
        elif tag == "for":
            target, _, source = rest.partition(" in ")
            if not source:
                errors.append(f"line {line}: `for` needs `in`")
                continue
            yield from _expression_reads(source.split(" if ")[0], guards, local, line)
            stack.append(("endfor", guards, local))
            local = local | _names_in(target) | {"loop"}
        elif tag == "set":
            target, equals, value = rest.partition("=")
            yield from _expression_reads(value, guards, local, line)
            if not equals:
                stack.append((_SET_BLOCK_END, guards, local))
            local = local | _names_in(target)
        elif tag in _OPENERS:
            if tag == "macro":
                local = local | _names_in(rest)
            else:
                yield from _expression_reads(rest, guards, local, line)
            stack.append((_OPENERS[tag], guards, local))
        elif tag.startswith("end"):
            if not stack or stack[-1][0] != tag:
                errors.append(f"line {line}: `{tag}` closes no open block")
                continue
            _, guards, local = stack.pop()
        else:
            yield from _expression_reads(rest, guards, local, line)
    tail = text[position:]
    regions.append(_Region(position, len(text), guards, local))
    if not raw and ("{{" in tail or "{%" in tail):
        errors.append("an unclosed `{{` or `{%`")
    for end_tag, _, _ in reversed(stack):
        errors.append(f"a block is never closed: `{{% {end_tag} %}}` is missing")


def _names_in(text: str) -> frozenset[str]:
    return frozenset(
        m["name"] for m in _TOKEN.finditer(text) if m["name"] and m["name"] not in _KEYWORDS
    )


def _expression_reads(
    expression: str, guards: frozenset[str], local: frozenset[str], line: int
) -> Iterator[Read]:
    tokens = [(m.lastgroup or "", m.group()) for m in _TOKEN.finditer(expression)]
    inline_guards = _inline_condition_names(tokens)
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        previous = tokens[index - 1][1] if index else ""
        following = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if (
            kind != "name"
            or value in _KEYWORDS
            or previous in (".", "|")
            or (previous == "is")
            or (following == "=" and _inside_call(tokens, index))
        ):
            index += 1
            continue
        path: list[str] = []
        cursor = index + 1
        while (
            cursor + 1 < len(tokens)
            and tokens[cursor][1] == "."
            and tokens[cursor + 1][0] == "name"
        ):
            path.append(tokens[cursor + 1][1])
            cursor += 2
        if value not in local and value not in _JINJA_GLOBALS:
            guarded = value in guards or value in inline_guards
            yield Read(value, tuple(path), guarded, "jinja", line)
        elif any(segment.startswith("_") for segment in path):
            # not an input, but a private attribute read through it is refused all the same
            yield Read(value, tuple(path), True, "local", line)
        index = cursor
    return


def _inline_condition_names(tokens: list[tuple[str, str]]) -> frozenset[str]:
    """Names tested by an inline ``a if cond else b``: their reads in the expression are guarded."""
    names: set[str] = set()
    for position, (_, value) in enumerate(tokens):
        if value != "if":
            continue
        for kind, inner in tokens[position + 1 :]:
            if inner == "else":
                break
            if kind == "name" and inner not in _KEYWORDS:
                names.add(inner)
    return frozenset(names)


def _inside_call(tokens: list[tuple[str, str]], index: int) -> bool:
    depth = 0
    for _, value in reversed(tokens[:index]):
        if value == ")":
            depth += 1
        elif value == "(":
            if depth == 0:
                return True
            depth -= 1
    return False
