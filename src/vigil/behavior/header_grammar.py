"""Standard request headers judged by their grammar, not by the values of the learning clients.

A policy learned from a Python client has seen ``Accept: */*`` never, one ``Host`` value, no
``Accept-Language`` and no ``Sec-Fetch-*`` headers; judging a browser by that blocks every
browser. Standard headers have a grammar (RFC 9110 lists, media ranges, language ranges, host
and port, entity tags, structured fields, the W3C trace context...), and any value that follows
it is what some legitimate client sends. Such a value is admitted whatever the learning clients
sent; only dangerous structure in it is still judged. A value that breaks its header's grammar
is judged like any other field, against what the route learned.

Grammars are lenient where real clients are (``en_US`` language tags, brackets in in-app browser
User-Agents) and every pattern is linear with a length bound per header. Verdicts on repeated
values (the same Accept from every browser) are cached, bounded by :data:`CACHE_SIZE`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TCHAR = r"[!#$%&'*+.^_`|~0-9A-Za-z-]"
_TOKEN = rf"{_TCHAR}{{1,128}}"
_OWS = r"[ \t]{0,16}"
_QUOTED = r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[\x20-\x7e]){0,1024}"'
_PARAM = rf"{_OWS};{_OWS}(?:{_TOKEN}{_OWS}={_OWS}(?:{_TOKEN}|{_QUOTED})|{_TOKEN})"
_QVALUE = rf"(?:{_OWS};{_OWS}[qQ]{_OWS}={_OWS}(?:0(?:\.\d{{0,3}})?|1(?:\.0{{0,3}})?))?"


def _list(element: str) -> str:
    """An RFC 9110 list: elements separated by commas, empty elements allowed."""
    return rf"(?:{element})?(?:{_OWS},{_OWS}(?:{element})?){{0,256}}"


_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_IPV6 = r"\[?[0-9A-Fa-f:.]{2,45}(?:%[0-9A-Za-z]{1,16})?\]?"
_HOSTNAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63}){0,16}\.?"
_HOST = rf"(?:{_HOSTNAME}|\[[0-9A-Fa-f:.]{{2,45}}\]|{_IPV4})(?::\d{{1,5}})?"
_URI_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_ABSOLUTE_URI = rf"[A-Za-z][A-Za-z0-9+.-]{{0,31}}:{_URI_CHARS}{{0,8192}}"
_ETAG = r'(?:W/)?"[\x21\x23-\x7e\x80-\uffff]{0,256}"'
_HTTP_DATE = r"[A-Za-z]{3,9},?[ ]{1,2}[0-9A-Za-z :-]{8,40}(?:GMT|UTC|[+-]\d{4})?"
_SF_BARE = r"[A-Za-z*][A-Za-z0-9_.:/%*+-]{0,128}"
_SF_ITEM = (
    rf"(?:{_QUOTED}|{_SF_BARE}|-?\d{{1,15}}(?:\.\d{{1,3}})?|\?[01]|:[A-Za-z0-9+/=]{{0,1024}}:)"
)
_SF_PARAMS = rf"(?:;{_OWS}[a-z*][a-z0-9_.*-]{{0,64}}(?:={_SF_ITEM})?){{0,32}}"
_SF_INNER = (
    rf"\({_OWS}(?:{_SF_ITEM}{_SF_PARAMS}(?:[ ]{{1,8}}{_SF_ITEM}{_SF_PARAMS}){{0,64}})?{_OWS}\)"
)
_SF_MEMBER = rf"(?:[a-z*][a-z0-9_.*-]{{0,64}}=)?(?:{_SF_ITEM}|{_SF_INNER}){_SF_PARAMS}"
_STRUCTURED = rf"{_SF_MEMBER}(?:{_OWS},{_OWS}{_SF_MEMBER}){{0,64}}"
_MEDIA_TYPE = rf"(?:\*|{_TOKEN})/(?:\*|{_TOKEN})"
_LANGUAGE = r"(?:\*|[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8}){0,8})"
_ID = r"[A-Za-z0-9._:/+=@{}-]{1,256}"
_TOKEN68 = r"[A-Za-z0-9\-._~+/]{1,8192}={0,8}"
_AUTH_PARAM = rf"{_TOKEN}{_OWS}={_OWS}(?:{_TOKEN}|{_QUOTED})"
_TRACE_KEY = r"[a-z0-9][_0-9a-z\-*/]{0,255}(?:@[a-z0-9][_0-9a-z\-*/]{0,13})?"
_TRACE_VALUE = r"[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]"
_PRINTABLE = r"[\x20-\x7e\x80-\uffff]"


@dataclass(frozen=True, slots=True)
class HeaderGrammar:
    """The grammar of one standard header: a full-match pattern and a length bound."""

    pattern: re.Pattern[str]
    max_length: int
    repeats: bool = True
    """False for headers whose values are new on every request (ids): verdicts not cached."""


def _rule(pattern: str, max_length: int = 4096, *, repeats: bool = True) -> HeaderGrammar:
    return HeaderGrammar(re.compile(pattern), max_length, repeats)


_PRINTABLE_TEXT = _rule(rf"{_PRINTABLE}{{1,2048}}", 2048)
_TOKENS = _rule(_list(rf"{_TOKEN}(?:/{_TOKEN})?{_QVALUE}(?:{_PARAM}){{0,16}}"))
_DIRECTIVES = _rule(_list(rf"{_TOKEN}(?:{_OWS}={_OWS}(?:{_TOKEN}|{_QUOTED}))?"))
_STRUCTURED_FIELD = _rule(_STRUCTURED, 2048)
_IDENTIFIER = _rule(_ID, 256, repeats=False)
_DIGITS = _rule(r"\d{1,19}", 19)
_IP_LIST = _rule(_list(rf"(?:{_IPV4}(?::\d{{1,5}})?|{_IPV6}|unknown|_[A-Za-z0-9._-]{{1,64}})"))

HEADER_GRAMMARS: dict[str, HeaderGrammar] = {
    "accept": _rule(_list(rf"{_MEDIA_TYPE}(?:{_PARAM}){{0,16}}")),
    "accept-charset": _rule(_list(rf"(?:\*|{_TOKEN}){_QVALUE}")),
    "accept-encoding": _rule(_list(rf"(?:\*|{_TOKEN}){_QVALUE}")),
    "accept-language": _rule(_list(rf"{_LANGUAGE}{_QVALUE}")),
    "access-control-request-headers": _TOKENS,
    "access-control-request-method": _rule(_TOKEN, 128),
    "authorization": _rule(_TOKEN, 128),
    "authorization.credentials": _rule(
        rf"(?:{_TOKEN68}|{_AUTH_PARAM}(?:{_OWS},{_OWS}{_AUTH_PARAM}){{0,64}})", 16384
    ),
    "b3": _rule(
        r"(?:[0-9a-f]{16,32}(?:-[0-9a-f]{16}(?:-[01d](?:-[0-9a-f]{16})?)?)?|[01d])",
        128,
        repeats=False,
    ),
    "baggage": _rule(_list(r"[^,;=\s]{1,256}=[^,;]{0,4096}(?:;[^,]{0,1024})?"), 8192),
    "cache-control": _DIRECTIVES,
    "connection": _TOKENS,
    "content-encoding": _TOKENS,
    "content-length": _DIGITS,
    "content-type": _rule(rf"{_TOKEN}/{_TOKEN}(?:{_PARAM}){{0,16}}{_OWS};?"),
    "device-memory": _STRUCTURED_FIELD,
    "dnt": _rule(r"[01]", 1),
    "downlink": _STRUCTURED_FIELD,
    "dpr": _STRUCTURED_FIELD,
    "early-data": _rule(r"1", 1),
    "ect": _STRUCTURED_FIELD,
    "expect": _rule(r"100-continue", 16),
    "from": _rule(rf"{_PRINTABLE}{{1,256}}", 256),
    "forwarded": _rule(
        _list(
            rf"{_TOKEN}={_OWS}(?:{_TOKEN}|{_QUOTED})(?:{_OWS};{_OWS}{_TOKEN}=(?:{_TOKEN}|{_QUOTED})){{0,8}}"
        )
    ),
    "host": _rule(_HOST, 300),
    "if-match": _rule(rf"\*|{_list(_ETAG)}"),
    "if-modified-since": _rule(_HTTP_DATE, 64),
    "if-none-match": _rule(rf"\*|{_list(_ETAG)}"),
    "if-range": _rule(rf"{_ETAG}|{_HTTP_DATE}", 300),
    "if-unmodified-since": _rule(_HTTP_DATE, 64),
    "keep-alive": _DIRECTIVES,
    "max-forwards": _DIGITS,
    "origin": _rule(rf"null|[A-Za-z][A-Za-z0-9+.-]{{0,31}}://{_HOST}", 512),
    "pragma": _DIRECTIVES,
    "priority": _STRUCTURED_FIELD,
    "proxy-authorization": _rule(_TOKEN, 128),
    "purpose": _STRUCTURED_FIELD,
    "range": _rule(r"[A-Za-z]{1,16}=" + _list(r"\d{0,19}-\d{0,19}"), 1024),
    "referer": _rule(rf"{_ABSOLUTE_URI}|/{_URI_CHARS}{{0,8192}}", 8192),
    "request-id": _IDENTIFIER,
    "rtt": _STRUCTURED_FIELD,
    "save-data": _rule(r"on|off", 3),
    "sec-fetch-dest": _rule(r"[a-z-]{1,32}", 32),
    "sec-fetch-mode": _rule(r"[a-z-]{1,32}", 32),
    "sec-fetch-site": _rule(r"cross-site|same-origin|same-site|none", 16),
    "sec-fetch-user": _rule(r"\?[01]", 2),
    "sec-gpc": _rule(r"1", 1),
    "sec-purpose": _STRUCTURED_FIELD,
    "te": _TOKENS,
    "tracestate": _rule(_list(rf"{_TRACE_KEY}={_TRACE_VALUE}"), 8192),
    "traceparent": _rule(
        r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(?:-[0-9a-f.-]{1,128})?",
        256,
        repeats=False,
    ),
    "upgrade": _TOKENS,
    "upgrade-insecure-requests": _rule(r"1", 1),
    "user-agent": _PRINTABLE_TEXT,
    "via": _rule(
        _list(
            rf"(?:{_TOKEN}/)?{_TOKEN}[ ]{{1,8}}(?:{_HOST}|{_TOKEN})(?:[ ]{{1,8}}\({_PRINTABLE}{{0,256}}\))?"
        )
    ),
    "viewport-width": _STRUCTURED_FIELD,
    "x-amzn-trace-id": _rule(
        r"[A-Za-z]{1,16}=[A-Za-z0-9.-]{1,64}(?:;[A-Za-z]{1,16}=[A-Za-z0-9.-]{1,64}){0,8}",
        512,
        repeats=False,
    ),
    "x-b3-flags": _rule(r"[01]", 1),
    "x-b3-parentspanid": _rule(r"[0-9a-f]{16}", 16, repeats=False),
    "x-b3-sampled": _rule(r"[01]|true|false|d", 5),
    "x-b3-spanid": _rule(r"[0-9a-f]{16}", 16, repeats=False),
    "x-b3-traceid": _rule(r"[0-9a-f]{16}|[0-9a-f]{32}", 32, repeats=False),
    "x-correlation-id": _IDENTIFIER,
    "x-forwarded-for": _IP_LIST,
    "x-forwarded-host": _rule(_list(_HOST), 1024),
    "x-forwarded-port": _rule(_list(r"\d{1,5}"), 64),
    "x-forwarded-proto": _rule(_list(r"https?|wss?"), 64),
    "x-real-ip": _rule(rf"{_IPV4}|{_IPV6}", 64),
    "x-request-id": _IDENTIFIER,
    "x-requested-with": _rule(_TOKEN, 128),
}
"""The grammar of each standard request header (lower-case names)."""

for _name in ("sec-ch-ua", "sec-ch-ua-arch", "sec-ch-ua-bitness", "sec-ch-ua-full-version",
              "sec-ch-ua-full-version-list", "sec-ch-ua-mobile", "sec-ch-ua-model",
              "sec-ch-ua-platform", "sec-ch-ua-platform-version", "sec-ch-ua-wow64",
              "sec-ch-prefers-color-scheme", "sec-ch-prefers-reduced-motion", "sec-ch-viewport-width",
              "sec-ch-dpr", "sec-ch-device-memory"):  # fmt: skip
    HEADER_GRAMMARS[_name] = _STRUCTURED_FIELD

CACHE_SIZE = 4096
"""Bound on cached (header, value) verdicts; values longer than CACHE_VALUE_CHARS are not
cached, and the cache is emptied when full."""

CACHE_VALUE_CHARS = 512

_verdicts: dict[tuple[str, str], bool] = {}


def is_standard(name: str) -> bool:
    """Whether ``name`` (lower-case, without the ``header.`` prefix) has a known grammar."""
    return name in HEADER_GRAMMARS


def conforms(name: str, value: str) -> bool:
    """Whether ``value`` follows the grammar of header ``name`` (False for unknown headers)."""
    key = (name, value)
    cached = _verdicts.get(key)
    if cached is not None:
        return cached
    grammar = HEADER_GRAMMARS.get(name)
    if grammar is None:
        return False
    verdict = len(value) <= grammar.max_length and grammar.pattern.fullmatch(value) is not None
    if grammar.repeats and len(value) <= CACHE_VALUE_CHARS:
        if len(_verdicts) >= CACHE_SIZE:
            _verdicts.clear()
        _verdicts[key] = verdict
    return verdict
