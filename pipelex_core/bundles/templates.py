"""Read a prompt or template the way Pipelex renders it: which inputs it reads, and how.

The shorthands (``$name`` inline, ``@name`` as a block on its own line, ``@?name`` as a block
shown only when present) and the Jinja2 tags are scanned for the names an expression reads.
Nothing is rendered: validation needs the reads, their paths and whether each read is
guarded, so this is a small scanner; Jinja2 itself is imported only to check the syntax of a
template that uses raw Jinja (``jinja_syntax_errors``).
"""

from __future__ import annotations

import re

import attrs

from pipelex_core.bundles.jinja_scan import BLOCK, SEGMENT, Read, Region, scan_jinja

#: Names a template may read that are never inputs (Pipelex excludes these from the check).
SPECIAL_NAMES = frozenset({"preliminary_text", "place_holder"})
_SHORTHAND = re.compile(
    rf"(?<![A-Za-z0-9_$@])(?P<sigil>\$|@\?|@)(?P<path>{SEGMENT}(?:\.{SEGMENT})*)(?P<dot>\.)?"
)


@attrs.frozen
class TemplateScan:
    reads: tuple[Read, ...]
    errors: tuple[str, ...]

    def input_reads(self, declared: frozenset[str]) -> list[Read]:
        """The reads of inputs: loop variables left out, Jinja globals unless declared."""
        return [
            read
            for read in self.reads
            if read.how != "local" and (read.how != "global" or read.root in declared)
        ]


def scan_template(text: str) -> TemplateScan:
    """Every input read by ``text``, and every syntax or sigil-placement error."""
    errors: list[str] = []
    regions: list[Region] = []
    reads = list(scan_jinja(text, errors, regions))
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


def _alone_on_line(text: str, match: re.Match[str]) -> bool:
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    end = len(text) if end == -1 else end
    return not text[start : match.start()].strip() and not text[match.end() : end].strip()


_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_SHORTHAND_OR_ESCAPE = re.compile(f"@@|{_SHORTHAND.pattern}")


def expand_shorthands(text: str, names: frozenset[str] | None = None) -> str:
    """``$x`` -> ``{{ x|format() }}``, ``@x`` -> ``{{ x|tag("x") }}``, ``@?x`` guarded, ``@@`` -> @.

    Nothing inside a Jinja tag or a ``{% raw %}`` block changes. With ``names`` (the values a
    render has), an ``@word`` that is not alone on its line and names none of them stays
    text: an @-handle, a CSS at-rule, as validation reads it.
    """
    spans = [(m.start(), m.end()) for m in BLOCK.finditer(text)]
    spans += [(m.start(), m.end()) for m in _RAW.finditer(text)]

    def replace(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in spans):
            return match.group()
        if match.group() == "@@":
            return "@"  # an escaped at sign
        sigil, path, dot = match["sigil"], match["path"], match["dot"] or ""
        if sigil == "$":
            return f"{{{{ {path}|format() }}}}{dot}"
        root = path.split(".", 1)[0]
        if names is not None and root not in names and not _alone_on_line(text, match):
            return match.group()
        tagged = f'{{{{ {path}|tag("{path}") }}}}'
        if sigil == "@?":
            return f"{{% if {path} %}}{tagged}{{% endif %}}{dot}"
        return f"{tagged}{dot}"

    return _SHORTHAND_OR_ESCAPE.sub(replace, text)


def jinja_syntax_errors(text: str) -> list[str]:
    """What Jinja2 itself says of a template's syntax, for a template that uses raw Jinja.

    Only then is Jinja2 imported (about 10 ms): a template of shorthands alone expands to
    syntax that is always valid, so checking it would cost start-up for nothing.
    """
    if "{{" not in text and "{%" not in text and "{#" not in text:
        return []
    import jinja2  # deferred: see above

    try:
        jinja2.Environment().parse(expand_shorthands(text))
    except jinja2.TemplateSyntaxError as exc:
        return [f"line {exc.lineno}: not valid Jinja2: {exc.message}"]
    return []
