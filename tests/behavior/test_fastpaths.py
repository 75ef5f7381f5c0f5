"""The hot-path shortcuts of the behaviour core give exactly what the plain code gives."""

from __future__ import annotations

import dataclasses
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vigil.behavior import routes
from vigil.behavior.alerts import Alert, Severity
from vigil.behavior.compiled import FIELD_KINDS, compile_route
from vigil.behavior.decision import Decision, Mode, Verdict
from vigil.behavior.policy import FieldPolicy, Policy, ResponsePolicy, RoutePolicy
from vigil.behavior.profile import Finding, Limits, profile_request, profile_response
from vigil.behavior.routes import SEGMENT_CACHE, profile_path, split_path, template_of
from vigil.behavior.structure import dangers_in
from vigil.behavior.values import PUNCT, SEQUENCE_RE, TextProfile, classes_of, shape_of
from vigil.http.body import BodyField
from vigil.http.cookies import cookie_pairs
from vigil.http.model import Request, Response
from vigil.http.urlcodec import decode_component, text_flags

_PATHS = st.text(alphabet=st.sampled_from("/ab1-_.%2fF0+é\x00 "), max_size=40) | st.text(
    max_size=30
)


@given(_PATHS, st.integers(min_value=0, max_value=6))
def test_profile_path_equals_split_path_and_template_of(path: str, bound: int) -> None:
    segments, flags = split_path(path, bound)
    assert profile_path(path, bound) == (segments, flags, template_of(segments))


def test_segment_cache_is_bounded() -> None:
    for i in range(SEGMENT_CACHE + 10):
        profile_path(f"/s{i}")
    assert 0 < len(routes._segments) <= SEGMENT_CACHE


@given(
    st.dictionaries(
        st.sampled_from(["json", "json.a", "json.b", "header.server"]),
        st.none() | st.lists(st.sampled_from(FIELD_KINDS), max_size=3),
        max_size=4,
    )
)
def test_response_accepts_are_exactly_the_pairs_without_alerts(
    fields: dict[str, list[str] | None],
) -> None:
    response = ResponsePolicy(
        samples=1, fields={name: FieldPolicy(kinds=kinds or []) for name, kinds in fields.items()}
    )
    route = compile_route("GET /x", RoutePolicy(response=response), Policy())
    for name, check in route.response_checks.items():
        for kind in FIELD_KINDS:
            alerted = kind != "value" and check.kinds is not None and kind not in check.kinds
            assert ((name, kind) in route.response_accepts) is not alerted


def reference_header_fields(
    headers: list[tuple[str, str]], limits: Limits
) -> tuple[list[BodyField], list[Finding]]:
    out: list[BodyField] = []
    findings: list[Finding] = []
    for index, (name, raw) in enumerate(headers):
        if index >= limits.max_headers:
            findings.append(
                Finding(
                    "V122", "header", f"at most {limits.max_headers} headers", f"{len(headers)}"
                )
            )
            break
        if name == "cookie":
            for key, value in cookie_pairs(raw, limits.max_query_fields):
                text, flags = decode_component(value, plus_as_space=False)
                out.append(BodyField(f"cookie.{key}", text, flags))
            continue
        if name == "authorization":
            scheme = raw.split(" ", 1)[0]
            out.append(BodyField("header.authorization", scheme, text_flags(scheme)))
            credentials = raw.split(" ", 1)[1].strip() if " " in raw else ""
            if credentials:
                shape = "".join(
                    "a"
                    if c.isascii() and c.islower()
                    else "A"
                    if c.isascii() and c.isupper()
                    else "9"
                    if c in "0123456789"
                    else c
                    for c in credentials
                )
                out.append(BodyField("header.authorization.credentials", shape, text_flags(shape)))
            continue
        if name == "content-length":
            out.append(BodyField(f"header.{name}", "", 0))
            continue
        out.append(BodyField(f"header.{name}", raw, text_flags(raw)))
    return out, findings


_NAMES = st.sampled_from(
    [
        "cookie",
        "authorization",
        "content-length",
        "x-request-id",
        "traceparent",
        "tracestate",
        "date",
        "set-cookie",
        "etag",
        "last-modified",
        "expires",
        "server",
        "content-type",
    ]
) | st.text(alphabet="abcdeft-", min_size=1, max_size=6)
_HEADERS = st.lists(
    st.tuples(_NAMES, st.text(alphabet=st.sampled_from("ab =;%+\x00\r\t\u00e9"), max_size=12)),
    max_size=8,
)
_UNPROFILED = {"date", "set-cookie", "etag", "last-modified", "expires"}


@given(_HEADERS, st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=3))
@example([("authorization", "  ")], 1, 1)
def test_header_fields_equal_the_plain_loop(
    headers: list[tuple[str, str]], max_headers: int, max_cookies: int
) -> None:
    limits = Limits(max_headers=max_headers, max_query_fields=max_cookies)
    request = profile_request(Request("GET", "/", "", headers), limits)
    assert (request.fields, request.findings) == reference_header_fields(headers, limits)
    response = profile_response(Response(200, headers), limits)
    kept = [(k, v) for k, v in headers if k not in _UNPROFILED]
    assert (response.fields, response.findings) == reference_header_fields(kept, limits)


def test_response_headers_left_out_do_not_count_toward_the_header_bound() -> None:
    headers = [("date", "x"), ("a", "1"), ("etag", "y"), ("b", "2"), ("c", "3")]
    obs = profile_response(Response(200, headers), Limits(max_headers=2))
    assert [f.path for f in obs.fields] == ["header.a", "header.b"]
    assert [(f.code, f.seen) for f in obs.findings] == [("V122", "3")]
    within = profile_response(Response(200, headers), Limits(max_headers=3))
    assert [f.path for f in within.fields] == ["header.a", "header.b", "header.c"]
    assert within.findings == []


def test_decision_init_keeps_the_dataclass_contract() -> None:
    alert = Alert("V101", "GET /x", "query.q", "e", "s", Severity.HIGH)
    positional = Decision("GET /x", Mode.ENFORCE, (alert,), 6, Verdict.BLOCK, "obs", Severity.HIGH)
    named = Decision(
        route="GET /x",
        mode=Mode.ENFORCE,
        alerts=(alert,),
        score=6,
        verdict=Verdict.BLOCK,
        observation="other",
        counted=Severity.HIGH,
    )
    assert positional == named
    assert hash(positional) == hash(named)
    assert (named.observation, Decision("r", Mode.LEARN, (), 0, Verdict.ALLOW).counted) == (
        "other",
        Severity.LOW,
    )
    assert dataclasses.replace(named, score=1).score == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        named.score = 0  # type: ignore[misc]


@given(st.text(alphabet=string.ascii_letters + string.digits + "xX0", min_size=1, max_size=40))
def test_the_alphanumeric_profile_equals_the_general_one(text: str) -> None:
    profile = TextProfile(text)
    chars = set(text)
    assert profile.classes == classes_of(chars)
    assert profile.specials == frozenset(chars & PUNCT)
    assert profile.sequences == frozenset(s.lower() for s in SEQUENCE_RE.findall(text))
    assert profile.distinct_chars == len(chars)
    assert profile.dangers == dangers_in(text)


@given(st.text(alphabet="0123456789abcdefxXghZE", min_size=1, max_size=48))
def test_thealphanumeric_shape_equals_shape_of(text: str) -> None:
    assert TextProfile(text).shape == shape_of(text, classes_of(set(text)))
