"""JSON from bytes: the fast parser never changes what a document means or how it fails."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelex_core import json_bytes

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # beyond 64 bits too: both parsers keep them exact
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),  # -0.0, subnormals, 1e308 included
    st.text(),  # astral characters, which JSON escapes as surrogate pairs
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture
def always_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every document through msgspec first, whatever its size."""
    monkeypatch.setattr(json_bytes, "FAST_FROM_BYTES", 0)


def same(left: object, right: object) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0) and -0.0 kept apart."""
    return repr(left) == repr(right)


@settings(max_examples=400, deadline=None)
@given(values, st.booleans())
def test_the_fast_parser_reads_every_json_document_as_json_loads_does(
    value: Any, ascii_only: bool
) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    json_bytes.FAST_FROM_BYTES, saved = 0, json_bytes.FAST_FROM_BYTES
    try:
        parsed = json_bytes.loads(data)
    finally:
        json_bytes.FAST_FROM_BYTES = saved
    assert same(parsed, json.loads(data))


@pytest.mark.usefixtures("always_fast")
@pytest.mark.parametrize(
    "data",
    [
        b'{"cost": NaN}',
        b'{"cost": Infinity}',
        b'{"cost": -Infinity}',
        b'{"cost": 1e999}',  # beyond a float's range: json.loads reads inf
        b'["\\ud800"]',  # a lone surrogate
        b'\xef\xbb\xbf{"a": 1}',  # a byte-order mark
        '{"a": "é"}'.encode("utf-16"),  # JSON in UTF-16, which json.loads detects
    ],
    ids=["nan", "infinity", "minus-infinity", "out-of-range", "lone-surrogate", "bom", "utf16"],
)
def test_what_msgspec_refuses_json_loads_decides(data: bytes) -> None:
    assert same(json_bytes.loads(data), json.loads(data))


@pytest.mark.usefixtures("always_fast")
@pytest.mark.parametrize(
    "data",
    [b'{"posthog": ', b"<html>", b"\xff\xfe not utf-8 \x80", b'{"a": 1}x', b"[1,]"],
    ids=["truncated", "html", "not-utf8", "trailing-data", "trailing-comma"],
)
def test_a_document_that_is_not_json_fails_exactly_as_json_loads_fails(data: bytes) -> None:
    try:
        json.loads(data)
    except ValueError as exc:
        expected = exc
    else:
        pytest.fail("json.loads read it")
    with pytest.raises(type(expected)) as raised:
        json_bytes.loads(data)
    assert type(raised.value) is type(expected)
    assert str(raised.value) == str(expected)


@pytest.mark.usefixtures("always_fast")
def test_nesting_beyond_the_parsers_reach_is_a_recursion_error() -> None:
    with pytest.raises(RecursionError):
        json_bytes.loads(b"[" * 100_000 + b"]" * 100_000)


def test_a_nan_read_beyond_strict_json_is_still_a_float() -> None:
    """The fallback keeps json.loads's reading, which the schema check then refuses."""
    json_bytes.FAST_FROM_BYTES, saved = 0, json_bytes.FAST_FROM_BYTES
    try:
        assert math.isnan(json_bytes.loads(b"[NaN]")[0])
    finally:
        json_bytes.FAST_FROM_BYTES = saved


def test_a_small_document_never_imports_msgspec() -> None:
    """Its import costs more than it saves below the threshold: the offline commands'
    start-up does not pay it."""
    code = (
        "import sys\nfrom pipelex_core import json_bytes\n"
        "json_bytes.loads(b'{\"a\": [1, 2.5, null]}' * 1)\n"
        "big = b'[' + b','.join([b'1'] * (json_bytes.FAST_FROM_BYTES // 2)) + b']'\n"
        "print('msgspec' in sys.modules)\n"
        "json_bytes.loads(big)\n"
        "print('msgspec' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.split() == ["False", "True"]


def test_nesting_at_the_edge_of_json_loads_reach_is_decided_as_json_loads_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """msgspec follows a few levels deeper than json.loads from the same caller (json.loads
    runs its scanner under three Python frames of its own): a document nested just beyond
    json.loads' reach must still be refused, as it was before the fast parser."""

    def refused(fast_from: int, depth: int) -> bool:
        monkeypatch.setattr(json_bytes, "FAST_FROM_BYTES", fast_from)
        try:
            json_bytes.loads(b"[" * depth + b"]" * depth)
        except RecursionError:
            return True
        return False

    # json.loads' reach: the recursion limit on 3.11, a C limit of its own from 3.12
    low, high = 1, 1_000_000
    assert refused(2**62, high)
    while low < high:  # refusal is monotonic in the depth
        middle = (low + high) // 2
        low, high = (low, middle) if refused(2**62, middle) else (middle + 1, high)
    reach = low
    for depth in range(reach - 12, reach + 12):
        assert refused(0, depth) == refused(2**62, depth), depth
