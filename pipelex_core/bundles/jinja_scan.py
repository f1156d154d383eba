"""The Jinja2 side of a template, scanned for what it reads: tags, expressions, the names
blocks test (guards) and bind (loop and ``set`` variables), and the tags Pipelex refuses.

A small scanner, not Jinja2's parser: validation needs each read with its path, its line and
whether it is guarded, which Jinja2's AST does not keep in that form; Jinja2 itself checks
the syntax (``templates.jinja_syntax_errors``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

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


SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*"


BLOCK = re.compile(r"\{\{(?P<expr>.*?)\}\}|\{%-?(?P<stmt>.*?)-?%\}|\{#.*?#\}", re.DOTALL)


_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
    rf"|(?P<name>{SEGMENT})|(?P<number>\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|\*\*|//|[^\sA-Za-z0-9_])"
)


@attrs.frozen
class Read:
    """One read of a variable: its root name, the path after it, and how it is read."""

    root: str
    path: tuple[str, ...]
    guarded: bool
    #: "$", "@", "@?", "jinja"; "local" (a loop or `set` variable) or "global" (a Jinja
    #: global such as `range`, unless an input of that name is declared)
    how: str
    line: int
    #: an ``@`` block sigil that does not stand alone on its line
    inline_block: bool = False

    @property
    def dotted(self) -> str:
        return ".".join((self.root, *self.path))


@attrs.frozen
class Region:
    """Text between Jinja tags, with the names its enclosing blocks test and bind."""

    start: int
    end: int
    guards: frozenset[str]
    local: frozenset[str]


@attrs.frozen
class _Frame:
    """An open block: the tag that closes it, and the scope to restore when it closes."""

    end: str
    guards: frozenset[str]
    local: frozenset[str]
    #: names the block defines for what follows it (``{% set x %}…{% endset %}``, a macro)
    defines: frozenset[str] = frozenset()


_TAG = re.compile(r"^\s*([a-z_]+)(.*)$", re.DOTALL)


_ASSIGNED = re.compile(rf"({SEGMENT})\s*=(?!=)")


#: Tags that reach other files: the sandbox has none to give (Pipelex refuses them too).
_FILE_TAGS = frozenset({"include", "extends", "import", "from"})


def scan_jinja(text: str, errors: list[str], regions: list[Region]) -> Iterator[Read]:
    stack: list[_Frame] = []
    guards: frozenset[str] = frozenset()
    local: frozenset[str] = frozenset()
    raw = False
    position = 0
    for match in BLOCK.finditer(text):
        if not raw:
            regions.append(Region(position, match.start(), guards, local))
        position = match.end()
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
        parsed = _TAG.match(statement.strip("+-").strip())
        if parsed is None:
            continue  # not a tag: the syntax check reports it
        tag, rest = parsed.group(1), parsed.group(2).strip()
        if tag == "raw":
            raw = True
        elif tag in _FILE_TAGS:
            errors.append(
                f"line {line}: `{{% {tag} %}}` reaches another template file, which a bundle's "
                "templates cannot do: write the text in place"
            )
        elif tag in ("if", "elif"):
            names = _names_in(rest)
            # a read in the condition is the presence test itself
            yield from _expression_reads(rest, guards | names, local, line)
            if tag == "if":
                stack.append(_Frame("endif", guards, local))
            if stack:
                guards = stack[-1].guards | names
        elif tag == "else":
            if stack:
                guards = stack[-1].guards
        elif tag == "for":
            target, _, source = rest.partition(" in ")
            yield from _expression_reads(source.split(" if ")[0], guards, local, line)
            stack.append(_Frame("endfor", guards, local))
            local = local | _names_in(target) | {"loop"}
        elif tag == "set":
            target, equals, value = rest.partition("=")
            names = _names_in(target)
            if equals:
                yield from _expression_reads(value, guards, local, line)
                local = local | names
            else:  # `{% set x %}…{% endset %}`: x exists once the block closes
                stack.append(_Frame("endset", guards, local, names))
        elif tag == "macro":
            name, _, params = rest.partition("(")
            defined = _names_in(name)
            stack.append(_Frame("endmacro", guards, local, defined))
            local = local | defined | _names_in(params) | {"varargs", "kwargs", "caller"}
        elif tag == "call":
            params = ""
            if rest.startswith("("):
                params, _, rest = rest[1:].partition(")")
            yield from _expression_reads(rest, guards, local, line)
            stack.append(_Frame("endcall", guards, local))
            local = local | _names_in(params)
        elif tag == "with":
            assigned = frozenset(_ASSIGNED.findall(rest))
            yield from _expression_reads(_ASSIGNED.sub(" ", rest), guards, local, line)
            stack.append(_Frame("endwith", guards, local))
            local = local | assigned
        elif tag == "filter":
            _, _, arguments = rest.partition("(")  # the filter's name is not a read
            yield from _expression_reads(arguments, guards, local, line)
            stack.append(_Frame("endfilter", guards, local))
        elif tag in ("block", "autoescape"):
            if tag == "autoescape":
                yield from _expression_reads(rest, guards, local, line)
            stack.append(_Frame(f"end{tag}", guards, local))
        elif tag.startswith("end"):
            if stack and stack[-1].end == tag:
                frame = stack.pop()
                guards, local = frame.guards, frame.local | frame.defines
        else:
            yield from _expression_reads(rest, guards, local, line)
    regions.append(Region(position, len(text), guards, local))


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
        guarded = value in guards or value in inline_guards
        if value in local:
            # not an input, but a private attribute read through it is refused all the same
            yield Read(value, tuple(path), True, "local", line)
        elif value in _JINJA_GLOBALS:
            # an input when one is declared under that name, else Jinja's own
            yield Read(value, tuple(path), guarded, "global", line)
        else:
            yield Read(value, tuple(path), guarded, "jinja", line)
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
