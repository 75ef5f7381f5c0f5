"""Parameter names: which names call for a check, and the checks on their values."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.names import check_value, name_checks, parameter_name
from vigil.signatures.scan import ALL
from vigil.signatures.sessionfix import Site


@pytest.mark.parametrize(
    ("path", "key", "name"),
    [
        ("query.id", "id", "id"),
        ("form.a.b", "a.b", "a.b"),
        ("json.config.rootDir", "config.rootDir", "rootDir"),
        ("json.paths[]", "paths[]", "paths"),
        ("multipart.avatar.filename", "avatar.filename", ""),
        ("cookie.PHPSESSID", "", ""),
        ("header.referer", "", ""),
        ("path.1", "", ""),
        ("body", "", ""),
        ("json", "", ""),
    ],
)
def test_parameter_names(path: str, key: str, name: str) -> None:
    assert parameter_name(path) == (key, name)


@pytest.mark.parametrize(
    ("path", "broken", "include", "session"),
    [
        ("query.\r\nHost: x", True, False, False),
        ("query._CONF[path]", False, True, False),
        ("json.settings.baseDir", False, True, False),
        ("query.PHPSESSID", False, False, True),
        ("form.JSESSIONID", False, False, True),
    ],
)
def test_names_that_call_for_a_check(path: str, broken: bool, include: bool, session: bool) -> None:
    checks = name_checks(path)
    assert checks is not None
    assert (checks.broken is not None, checks.include, checks.session) == (
        broken,
        include,
        session,
    )


@pytest.mark.parametrize(
    "path", ["query.q", "form.email", "json.items[].sku", "cookie.sid", "json.PHPSESSID"]
)
def test_ordinary_names_call_for_nothing(path: str) -> None:
    assert name_checks(path) is None


def test_checks_follow_the_scope() -> None:
    checks = name_checks("query.PHPSESSID")
    assert checks is not None
    lure = Site("evil.test", frozenset({"shop.test"}))
    found = list(check_value(checks, "0123abcd", ALL, lure))
    assert [(d.kind, in_key) for d, in_key in found] == [(Attack.SESSION_FIXATION, False)]
    assert list(check_value(checks, "0123abcd", ALL - {Attack.SESSION_FIXATION}, lure)) == []


def test_a_broken_name_is_reported_in_the_key() -> None:
    checks = name_checks("form.a\nb")
    assert checks is not None
    found = list(check_value(checks, "x", ALL, Site(None, frozenset())))
    assert [(d.kind, d.reason, in_key) for d, in_key in found] == [
        (Attack.CRLF, "line break in a parameter name", True)
    ]


def test_the_request_path_is_read_for_line_breaks() -> None:
    checks = name_checks("path")
    assert checks is not None
    nobody = Site(None, frozenset())
    found = list(check_value(checks, "/index.php/PHP\ninfo.php", ALL, nobody))
    assert [(d.reason, in_key) for d, in_key in found] == [
        ("line break in the request path", False)
    ]
    assert list(check_value(checks, "/index.php", ALL, nobody)) == []
    assert name_checks("path.1") is None
