"""The hot-path shortcuts give exactly what the plain, unoptimised code gives.

Each reference below is the straightforward implementation the shortcut replaced; the
properties compare both on arbitrary input.
"""

from __future__ import annotations

import re
import string
from urllib.parse import unquote_to_bytes

import orjson
from hypothesis import given
from hypothesis import strategies as st

from vigil.http import body
from vigil.http.body import KEY_CACHE, BodyField, BodyParse, is_json, parse_json
from vigil.http.urlcodec import Encoding, decode_bytes, decode_component, normalize, text_flags

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}|%u[0-9A-Fa-f]{4}")


def reference_decode(raw: str, plus_as_space: bool = True) -> tuple[str, int]:
    flags = 0
    if "%" not in raw:
        text = raw.replace("+", " ") if plus_as_space and "+" in raw else raw
    else:
        if _BAD_PERCENT.search(raw):
            flags |= Encoding.BAD_PERCENT
        if plus_as_space and "+" in raw:
            raw = raw.replace("+", " ")
        text, byte_flags = decode_bytes(unquote_to_bytes(raw))
        flags |= byte_flags
    text, nfkc = normalize(text)
    if "%" in text and _ENCODED.search(text):
        flags |= Encoding.DOUBLE_ENCODED
    return text, flags | nfkc | text_flags(text)


_URLISH = st.text(
    alphabet=st.sampled_from(string.printable + "%+é\x00\x7f\u00a0\uff1c\u2028"), max_size=40
)


@given(_URLISH | st.text(max_size=40), st.booleans())
def test_decode_component_equals_the_full_decoder(raw: str, plus: bool) -> None:
    assert decode_component(raw, plus_as_space=plus) == reference_decode(raw, plus)


def _reference_json_text(value: object) -> tuple[str, str]:
    if value is None:
        return "null", "null"
    if value is True:
        return "bool", "true"
    if value is False:
        return "bool", "false"
    if isinstance(value, int | float):
        return "number", repr(value)
    return "string", str(value)


def reference_parse_json(data: bytes, prefix: str, max_fields: int, max_depth: int) -> BodyParse:
    result = BodyParse()
    doc = orjson.loads(data)
    stack: list[tuple[str, object, int]] = [(prefix, doc, 0)]
    out = result.fields
    while stack:
        path, value, depth = stack.pop()
        if len(out) >= max_fields:
            result.over_bound = f"more than {max_fields} fields"
            break
        if isinstance(value, dict):
            out.append(BodyField(path, "", 0, "object", len(value)))
            if depth >= max_depth:
                result.over_bound = f"nesting deeper than {max_depth}"
                continue
            for key, child in value.items():
                name, _ = normalize(str(key))
                stack.append((f"{path}.{name}", child, depth + 1))
        elif isinstance(value, list):
            out.append(BodyField(path, "", 0, "array", len(value)))
            if depth >= max_depth:
                result.over_bound = f"nesting deeper than {max_depth}"
                continue
            for child in reversed(value[:max_fields]):
                stack.append((f"{path}[]", child, depth + 1))
        else:
            kind, text = _reference_json_text(value)
            text, flags = normalize(text)
            out.append(BodyField(path, text, flags | text_flags(text), kind))
    return result


_TEXT = st.text(
    alphabet=st.sampled_from("ab.[]%\x00\r\n\t\x7f \u00e9\uff21\u2163\ufb01\u0301"), max_size=6
) | st.text(max_size=6)
_DOCS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_TEXT, inner, max_size=5),
    max_leaves=40,
)


@given(_DOCS, st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=6))
def test_parse_json_equals_the_plain_walk(doc: object, max_fields: int, max_depth: int) -> None:
    data = orjson.dumps(doc)
    assert parse_json(data, "json", max_fields, max_depth) == reference_parse_json(
        data, "json", max_fields, max_depth
    )


def test_json_key_cache_is_bounded() -> None:
    doc = {f"k{i}": i for i in range(KEY_CACHE + 10)}
    parsed = parse_json(orjson.dumps(doc), "json", 2 * KEY_CACHE)
    assert len(parsed.fields) == KEY_CACHE + 11
    assert 0 < len(body._keys) <= KEY_CACHE


@given(st.text(max_size=30))
def test_is_json_fast_path_agrees(content_type: str) -> None:
    media = content_type.split(";", 1)[0].strip().lower()
    assert is_json(content_type) == (media == "application/json" or media.endswith("+json"))
