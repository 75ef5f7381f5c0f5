"""The OWASP CRS regression tests read as labelled requests (and responses).

The CRS project's own regression suite (go-ftw YAML, one file per rule, see
``../shared/data/crs-regression/SOURCE.md``) is a public corpus that nobody on this team wrote:
each test is a request plus the rule ids that must, or must not, fire on it. This module turns
every test into a :class:`CrsCase`: the request as :mod:`vigil.http` models it, the attack class
of the rule file it belongs to, and a :class:`Label` read from the expected outcome
(``expect_ids`` or ``match_regex``: attack; ``no_expect_ids`` or ``no_match_regex``: near-miss).
A near-miss test only says that *one* rule must not fire: many are benign look-alikes, many are
attacks that other rules catch (``24 union all select 1,2,3 from aa``), so a near-miss is never
counted as benign. Two readings are ours and documented in docs/signatures.md: the ``999``
"common exceptions" file is realistic benign traffic throughout, the only tests whose benignity
is known (its one ``expect_ids`` test is a known CRS false positive),
and a body sent without a Content-Type that reads as ``key=value`` pairs is given
``application/x-www-form-urlencoded``, the way the tests mean their ``var=...`` data. Response
tests (``RESPONSE-95x``) ask the test backend to reflect ``{"body": ...}``: the case then also
carries that body as the response to judge.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import orjson
import yaml

from vigil.evaluation.rawhttp import CaptureError, parse_request
from vigil.http.model import Request, Response, split_target

FAMILIES: dict[str, str] = {
    "911": "method",
    "913": "scanner",
    "920": "protocol",
    "921": "protocol-attack",
    "922": "multipart",
    "930": "lfi",
    "931": "rfi",
    "932": "rce",
    "933": "php",
    "934": "generic",
    "941": "xss",
    "942": "sqli",
    "943": "session-fixation",
    "944": "java",
    "949": "anomaly-score",
    "950": "leak-generic",
    "951": "leak-sql",
    "952": "leak-java",
    "953": "leak-php",
    "954": "leak-iis",
    "955": "web-shell",
    "956": "leak-ruby",
    "959": "anomaly-score",
    "980": "correlation",
    "999": "benign-traffic",
}
"""Attack class of each CRS rule file, by the first three digits of its rule id."""

DEFAULT_CRS = Path("../shared/data/crs-regression")


class Label(Enum):
    """What a CRS test's expected outcome says about its request."""

    ATTACK = "attack"
    """A rule must fire (``expect_ids`` or ``match_regex``)."""
    BENIGN = "benign"
    """Benign traffic on which no rule may fire (the ``999`` common-exception tests)."""
    NEAR_MISS = "near-miss"
    """One rule must not fire (``no_expect_ids`` or ``no_match_regex``); other rules may."""


class CorpusError(ValueError):
    """A corpus folder or file that cannot be read; the message names it."""


@dataclass(frozen=True, slots=True)
class CrsCase:
    """One CRS regression test as a labelled request (and, for response tests, a response)."""

    rule_id: int
    test_id: int
    family: str
    label: Label
    request: Request
    description: str = ""
    response: Response | None = None

    @property
    def name(self) -> str:
        """``942100/3``: the rule file and the test number."""
        return f"{self.rule_id}/{self.test_id}"

    @property
    def attack(self) -> bool:
        """True when a rule must fire on the request."""
        return self.label is Label.ATTACK


def _loader() -> type[yaml.SafeLoader]:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _headers(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, dict):
        return []
    return [(str(k).lower(), str(v)) for k, v in raw.items() if v is not None]


def _looks_like_form(data: str) -> bool:
    head = data.rstrip("\r\n").split("&", 1)[0]
    return "=" in head and "\n" not in head and not head.lstrip().startswith(("{", "<", "["))


def build_request(stage: dict[str, Any]) -> Request:
    """The request of one go-ftw stage ``input`` (raises CaptureError when it cannot be built)."""
    encoded = stage.get("encoded_request")
    if encoded:
        try:
            raw = base64.b64decode(str(encoded), validate=False)
        except (binascii.Error, ValueError) as exc:
            raise CaptureError(f"invalid encoded_request: {exc}") from None
        return parse_request(raw)
    method = str(stage.get("method") or "GET")
    path, query = split_target(str(stage.get("uri") or "/"))
    headers = _headers(stage.get("headers"))
    data = stage.get("data")
    body = b""
    if data is not None:
        text = str(data)
        body = text.encode("utf-8", "surrogateescape")
        names = {name for name, _ in headers}
        if "content-type" not in names and _looks_like_form(text):
            headers.append(("content-type", "application/x-www-form-urlencoded"))
    return Request(method=method, path=path, query=query, headers=headers, body=body)


def _label(family: str, output: dict[str, Any]) -> Label | None:
    log = output.get("log") or {}
    if not isinstance(log, dict):
        return None
    if family == "benign-traffic":
        return Label.BENIGN
    if log.get("expect_ids") or log.get("match_regex"):
        return Label.ATTACK
    if log.get("no_expect_ids") or log.get("no_match_regex"):
        return Label.NEAR_MISS
    return None


def _reflected(request: Request) -> Response | None:
    if request.path != "/reflect" or not request.body:
        return None
    try:
        doc = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("body"), str):
        return None
    status = doc.get("status")
    return Response(
        status=status if isinstance(status, int) else 200,
        headers=[("content-type", "text/html")],
        body=doc["body"].encode("utf-8", "surrogateescape"),
    )


def read_file(path: Path) -> Iterator[CrsCase]:
    """The labelled cases of one test file; tests without a usable label are skipped."""
    try:
        doc = yaml.load(path.read_bytes(), Loader=_loader())  # noqa: S506 - a safe loader
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        return
    try:
        rule_id = int(path.stem)
    except ValueError:
        rule_id = int(doc.get("rule_id") or 0)
    family = FAMILIES.get(str(rule_id)[:3], "other")
    for test in doc.get("tests") or []:
        stages = test.get("stages") or []
        if not stages:
            continue
        last = stages[-1]
        label = _label(family, last.get("output") or {})
        if label is None:
            continue
        try:
            request = build_request(last.get("input") or {})
        except CaptureError:
            continue
        response = _reflected(request) if family.startswith(("leak", "web-shell")) else None
        yield CrsCase(
            rule_id=rule_id,
            test_id=int(test.get("test_id") or 0),
            family=family,
            label=label,
            request=request,
            description=str(test.get("desc") or ""),
            response=response,
        )


def read_corpus(root: str | Path = DEFAULT_CRS) -> Iterator[CrsCase]:
    """Every labelled case under ``root/tests`` in file order."""
    folder = Path(root) / "tests"
    if not folder.is_dir():
        raise CorpusError(f"{folder}: not found (expected the CRS regression tests there)")
    for path in sorted(folder.rglob("*.y*ml")):
        yield from read_file(path)
