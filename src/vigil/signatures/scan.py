"""Where each built-in detector looks, and the decoded forms of a value it reads.

Every profiled field of a request (``query.*``, ``form.*``, ``json.*``, ``multipart.*``,
``xml.*`` and the XML markup ``xml!*``, ``cookie.*``, ``body``, the path and its segments) is
read by every detector, and so is the field's key (an injection in a parameter *name* is still
an injection), except cookies, which the RFI, session-fixation and protocol detectors leave
alone. Findings that depend on a
parameter's name with its value (a line break in the name, a URL in a file-system parameter, a
session id in a session-named parameter judged with the request's ``Referer``) are
:mod:`vigil.signatures.names`'s, and so is a line break in the decoded path.
Headers are read selectively, the way WAF rule sets do: ``User-Agent`` and ``Referer`` by the
injection detectors, every header by the JNDI detector (Log4Shell came in any header that a
server logs), and none by the SSRF detector (a ``Referer`` naming the site's own internal host
is normal).

A value is read as it was decoded by the profiler and, when it still holds percent escapes
(``%2527``, IIS's ``%u003c``, or a raw body that was never form-decoded), once more decoded:
an application that decodes twice must not see more than the gate did.

Speed: every detector publishes a ``ROUTE`` pattern that each value it can flag matches; all
routes go into one RE2 ``Set``, so one pass over a value says which detectors need to read it
(most values: none). Values repeat (headers, enum-like parameters), so results are cached per
(scope, text), bounded by :data:`CACHE_SIZE` entries; a lone word or number costs one
``str.isalnum`` call.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from urllib.parse import unquote

import re2

from vigil.http.body import BodyField
from vigil.http.fields import BODY_PREFIXES
from vigil.http.model import Request
from vigil.http.urlcodec import decode_component
from vigil.signatures import (
    command,
    crlf,
    java,
    jndi,
    ldap,
    nodejs,
    nosql,
    php,
    protocol,
    rfi,
    sessionfix,
    sqli,
    ssrf,
    template,
    traversal,
    xss,
)
from vigil.signatures.command import detect_command
from vigil.signatures.crlf import detect_crlf
from vigil.signatures.detection import Attack, Detection
from vigil.signatures.java import detect_java
from vigil.signatures.jndi import detect_jndi
from vigil.signatures.ldap import detect_ldap
from vigil.signatures.names import NameChecks, check_value, name_checks
from vigil.signatures.nodejs import detect_nodejs
from vigil.signatures.nosql import detect_nosql
from vigil.signatures.php import detect_php
from vigil.signatures.protocol import detect_protocol
from vigil.signatures.rfi import detect_rfi
from vigil.signatures.sessionfix import Site, detect_session_fixation, site_of
from vigil.signatures.sqli import detect_sqli
from vigil.signatures.ssrf import detect_ssrf
from vigil.signatures.template import detect_template
from vigil.signatures.traversal import detect_traversal
from vigil.signatures.upload import detect_script_upload
from vigil.signatures.xss import detect_xss

ValueDetector = Callable[[str], Detection | None]

DETECTORS: dict[Attack, ValueDetector] = {
    Attack.SQLI: detect_sqli,
    Attack.XSS: detect_xss,
    Attack.TRAVERSAL: detect_traversal,
    Attack.COMMAND: detect_command,
    Attack.SSRF: detect_ssrf,
    Attack.TEMPLATE: detect_template,
    Attack.JNDI: detect_jndi,
    Attack.NOSQL: detect_nosql,
    Attack.CRLF: detect_crlf,
    Attack.JAVA: detect_java,
    Attack.PHP: detect_php,
    Attack.RFI: detect_rfi,
    Attack.SESSION_FIXATION: detect_session_fixation,
    Attack.PROTOCOL: detect_protocol,
    Attack.LDAP: detect_ldap,
    Attack.NODEJS: detect_nodejs,
}
"""Every built-in request detector, by the attack class it finds."""

ROUTES: dict[Attack, str] = {
    Attack.SQLI: sqli.ROUTE,
    Attack.XSS: xss.ROUTE,
    Attack.TRAVERSAL: traversal.ROUTE,
    Attack.COMMAND: command.ROUTE,
    Attack.SSRF: ssrf.ROUTE,
    Attack.TEMPLATE: template.ROUTE,
    Attack.JNDI: jndi.ROUTE,
    Attack.NOSQL: nosql.ROUTE,
    Attack.CRLF: crlf.ROUTE,
    Attack.JAVA: java.ROUTE,
    Attack.PHP: php.ROUTE,
    Attack.RFI: rfi.ROUTE,
    Attack.SESSION_FIXATION: sessionfix.ROUTE,
    Attack.PROTOCOL: protocol.ROUTE,
    Attack.LDAP: ldap.ROUTE,
    Attack.NODEJS: nodejs.ROUTE,
}
"""Each detector's route: a value that does not match it cannot be flagged by that detector."""

ALL = frozenset(DETECTORS) | {Attack.UPLOAD}
"""Every request detector; :data:`Attack.UPLOAD` reads multipart file names only."""
KEYS = frozenset(
    {
        Attack.SQLI,
        Attack.XSS,
        Attack.NOSQL,
        Attack.JNDI,
        Attack.TEMPLATE,
        Attack.JAVA,
        Attack.PHP,
        Attack.PROTOCOL,
        Attack.LDAP,
        Attack.NODEJS,
    }
)
"""Detectors that read field names (keys) as well as values."""
CLIENT_HEADERS = frozenset(
    {
        Attack.SQLI,
        Attack.XSS,
        Attack.TRAVERSAL,
        Attack.COMMAND,
        Attack.TEMPLATE,
        Attack.JNDI,
        Attack.JAVA,
        Attack.PHP,
    }
)
"""Detectors that read the headers a client writes freely (User-Agent, Referer)."""
ANY_HEADER = frozenset({Attack.JNDI})
"""Detectors that read every other header."""
FREE_HEADERS = frozenset({"header.user-agent", "header.referer", "header.x-forwarded-host"})
COOKIE_SCOPE = ALL - {Attack.RFI, Attack.SESSION_FIXATION, Attack.PROTOCOL}
"""Detectors that read cookies: a cookie is no include target, lure link or spliced message."""

CACHE_SIZE = 8192
"""Bound on cached (scope, text) results; the cache is emptied when full."""
MAX_FIELDS = 2048
"""Fields of one request that are read; the profiler's own bounds keep real requests far below."""
MAX_ROUTED = 16384
"""Characters of a value the detectors read from its start; a longer value is read from its end
too, so a payload cannot hide behind padding at the front (padding on both sides of a payload in
the middle of a value longer than 32 KiB is left to the learned model's length bounds)."""
PATH_CACHE = 4096
"""Bound on remembered field paths (their scope and key) and raw request paths; emptied when full."""

_PERCENT = re.compile(r"%(?:[0-9a-f]{2}|u[0-9a-f]{4})", re.IGNORECASE)
_UNICODE_ESCAPE = re.compile(r"%u([0-9a-f]{4})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FieldDetection:
    """A detection in one field: where (``query.id``), and whether in its key or its value."""

    path: str
    detection: Detection
    in_key: bool = False


def decoded_again(text: str, plus_as_space: bool = False) -> str | None:
    """``text`` percent-decoded once more (``%XX`` and ``%uXXXX``) and NFKC-normalised, when
    that changes it; None otherwise. ``plus_as_space`` (a raw body never form-decoded) also
    reads ``+`` as a space."""
    plus = plus_as_space and "+" in text
    if not plus and ("%" not in text or not _PERCENT.search(text)):
        return None
    source = text.replace("+", " ") if plus else text
    if "%u" in source or "%U" in source:
        source = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), source)
    again = unicodedata.normalize("NFKC", unquote(source, errors="surrogateescape"))
    return again if again != text else None


def _router() -> tuple[object, list[Attack]]:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    router = re2.Set.SearchSet(options)
    owners: list[Attack] = []
    for attack, pattern in ROUTES.items():
        router.Add(pattern)
        owners.append(attack)
    router.Compile()
    return router, owners


_ROUTER, _OWNERS = _router()
_cache: dict[tuple[frozenset[Attack], str, bool], tuple[Detection, ...]] = {}


_NOTHING: frozenset[Attack] = frozenset()
_UPLOAD = frozenset({Attack.UPLOAD})
_combinations: dict[tuple[int, ...], frozenset[Attack]] = {}


def routed(text: str) -> frozenset[Attack]:
    """The detectors whose route ``text`` matches (one RE2 pass)."""
    matched = _ROUTER.Match(text[:MAX_ROUTED])  # type: ignore[attr-defined]
    if not matched:
        return _NOTHING
    key = tuple(matched)
    found = _combinations.get(key)
    if found is None:
        found = _combinations[key] = frozenset(_OWNERS[i] for i in key)
    return found


def _run(detectors: frozenset[Attack], text: str) -> tuple[Detection, ...]:
    wanted = detectors & routed(text)
    found: list[Detection] = []
    if Attack.UPLOAD in detectors:
        upload = detect_script_upload(text)
        if upload is not None:
            found.append(upload)
    if not wanted:
        return tuple(found)
    for attack, detect in DETECTORS.items():
        if attack not in wanted:
            continue
        detection = detect(text)
        if detection is not None:
            found.append(detection)
    return tuple(found)


def scan_text(
    text: str, detectors: frozenset[Attack] = ALL, plus_as_space: bool = False
) -> tuple[Detection, ...]:
    """The detections of ``detectors`` in ``text`` and in its once-more-decoded form."""
    if not text or text.isalnum():
        return ()
    key = (detectors, text, plus_as_space)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    found = _run(detectors, text)
    seen = {d.kind for d in found}
    if len(text) > MAX_ROUTED and detectors - seen:
        found += _run(detectors - seen, text[-MAX_ROUTED:])
        seen = {d.kind for d in found}
    again = decoded_again(text, plus_as_space)
    if again is not None and detectors - seen:
        found += tuple(d for d in _run(detectors - seen, again) if d.kind not in seen)
    if len(_cache) >= CACHE_SIZE:
        _cache.clear()
    _cache[key] = found
    return found


def serialized_java(word: str) -> bool:
    """Whether a value of letters and digits alone (skipped by the other detectors: no
    structure) starts like a serialized Java object."""
    return word[0] in _SERIAL_LEADS and word[:8].lower().startswith(java.SERIALIZED_PREFIXES)


_SERIAL_LEADS = frozenset("rRaAkK")


def detect(attack: Attack, text: str) -> Detection | None:
    """One detector on ``text``, routed like :func:`scan_text` (no cache, no second decoding)."""
    if attack not in routed(text):
        return None
    return DETECTORS[attack](text)


def scope_of(path: str) -> frozenset[Attack]:
    """The detectors that read field ``path``."""
    if path.startswith("header."):
        return CLIENT_HEADERS if path in FREE_HEADERS else ANY_HEADER
    if path.startswith("cookie."):
        return COOKIE_SCOPE
    return ALL


_PathInfo = tuple[frozenset[Attack], str, bool, NameChecks | None]
_paths: dict[str, _PathInfo] = {}


def _path_info(path: str) -> _PathInfo:
    scope = scope_of(path)
    key = ""
    if not path.startswith(("header.", "path")) and scope & KEYS and "." in path:
        key = path.split(".", 1)[1]
        if key.isalnum():
            key = ""
    info = (scope, key, path.startswith(BODY_PREFIXES), name_checks(path))
    if len(_paths) >= PATH_CACHE:
        _paths.clear()
    _paths[path] = info
    return info


_raw_paths: dict[str, list[BodyField]] = {}


def path_fields(request: Request) -> list[BodyField]:
    """The request path as fields: the whole decoded path (``path``) and its segments."""
    raw_path = request.path
    cached = _raw_paths.get(raw_path)
    if cached is not None:
        return list(cached)
    decoded, flags = decode_component(raw_path, plus_as_space=False)
    fields = [BodyField("path", decoded, flags)]
    for index, raw in enumerate(raw_path.split("/")[1:33]):
        if raw and not raw.isalnum():
            text, seg_flags = decode_component(raw, plus_as_space=False)
            fields.append(BodyField(f"path.{index}", text, seg_flags))
    if len(_raw_paths) >= PATH_CACHE:
        _raw_paths.clear()
    _raw_paths[raw_path] = fields
    return list(fields)


def scan_fields(
    fields: Iterable[BodyField],
    only: frozenset[Attack] = ALL,
    body: bool | None = None,
    request: Request | None = None,
) -> Iterator[FieldDetection]:
    """Every detection in ``fields`` (values, and keys where :data:`KEYS` read them).

    ``body`` keeps only the fields of the request body (True) or of its head (False). A
    parameter sent several times is also read with its values joined by commas, as ASP.NET and
    others hand it to the application (``id=1 union&id=select 1,2`` reads ``1 union,select 1,2``).
    """
    chosen = list(islice(fields, MAX_FIELDS))
    yield from _scan(chosen, only, body, request)
    repeated = _repeated(chosen)
    if repeated:
        yield from _scan(repeated, only, body, request)


def _repeated(fields: list[BodyField]) -> list[BodyField]:
    if len({f.path for f in fields}) == len(fields):
        return []
    counts: dict[str, list[str]] = {}
    for field in fields:
        if field.path.startswith(("query.", "form.")):
            counts.setdefault(field.path, []).append(field.text)
    return [BodyField(path, ",".join(values)) for path, values in counts.items() if len(values) > 1]


_uploadless: dict[frozenset[Attack], frozenset[Attack]] = {}


def _without_upload(scope: frozenset[Attack]) -> frozenset[Attack]:
    """``scope`` without :data:`Attack.UPLOAD`, one shared set per scope (its hash computed
    once, for the result cache's keys); at most one entry per distinct scope."""
    found = _uploadless.get(scope)
    if found is None:
        found = _uploadless[scope] = scope - _UPLOAD
    return found


def _scan(
    fields: list[BodyField], only: frozenset[Attack], body: bool | None, request: Request | None
) -> Iterator[FieldDetection]:
    narrowed = only != ALL
    paths = _paths
    site: Site | None = None
    for field in fields:
        path = field.path
        scope, key, in_body, named = paths.get(path) or _path_info(path)
        if body is not None and in_body is not body:
            continue
        if narrowed:
            scope = scope & only
        text = field.text
        if scope is ANY_HEADER and "${" not in text and "%" not in text:
            continue
        if named is not None:
            if site is None and named.session:
                site = site_of(request)
            for detection, in_key in check_value(named, text, scope, site):
                yield FieldDetection(path, detection, in_key)
        if text and scope and not text.isalnum():
            if Attack.UPLOAD in scope:
                if path.startswith("multipart.") and path.endswith(".filename"):
                    upload = detect_script_upload(text)
                    if upload is not None:
                        yield FieldDetection(path, upload)
                scope = _without_upload(scope)
            for detection in scan_text(text, scope, plus_as_space=path == "body"):
                yield FieldDetection(path, detection)
        elif text and scope and Attack.JAVA in scope and serialized_java(text):
            serialized = detect_java(text)
            if serialized is not None:
                yield FieldDetection(path, serialized)
        if key:
            key_scope = scope & KEYS
            if key_scope:
                for detection in scan_text(key, key_scope):
                    yield FieldDetection(path, detection, in_key=True)


def scan_request(
    request: Request, fields: Iterable[BodyField], only: frozenset[Attack] = ALL
) -> list[FieldDetection]:
    """Every detection in a request: its path and its profiled ``fields`` (the request's
    ``Referer`` and ``Host`` decide whether a session-named parameter is a lure)."""
    found = list(scan_fields(path_fields(request), only, request=request))
    found.extend(scan_fields(fields, only, request=request))
    return found
