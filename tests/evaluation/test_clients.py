"""Real clients' headers: tools, browsers and bots, each following the standard grammars."""

from __future__ import annotations

import pytest

pytest.importorskip("fake_useragent")

from vigil.behavior.header_grammar import conforms
from vigil.behavior.structure import dangers_in
from vigil.evaluation.realworld.clients import (
    BOTS,
    KEPT,
    TOOLS,
    Clients,
    browser_agents,
    client_requests,
)
from vigil.http.model import Request


def test_browser_agents_come_from_the_real_list() -> None:
    agents = browser_agents()
    assert len(agents) > 500
    assert {"Chrome", "Firefox", "Safari", "Edge"} <= {family for family, _ in agents}


def test_clients_cycle_through_tools_browsers_and_bots() -> None:
    clients = Clients(7)
    labels = [clients.headers(i)[0] for i in range(4 * len(TOOLS))]
    assert {dict(tool)["user-agent"] for tool in TOOLS} <= set(labels)
    assert set(BOTS) & set(labels)
    assert any(label.startswith("Mozilla/5.0 (") and label not in BOTS for label in labels)


def test_every_client_header_follows_its_standard_grammar() -> None:
    clients = Clients(7)
    for index in range(400):
        label, headers = clients.headers(index)
        assert headers[0][0] == "host"
        for name, value in headers:
            assert conforms(name, value), (label, name, value)
            assert dangers_in(value) == 0, (name, value)


def test_requests_keep_their_cookie_and_body_headers() -> None:
    original = Request(
        "POST",
        "/x",
        "",
        [
            ("user-agent", "Konqueror"),
            ("cookie", "JSESSIONID=ABC"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", "3"),
        ],
        b"a=1",
    )
    (replayed, label), *_ = client_requests([original], seed=7)
    names = [name for name, _ in replayed.headers]
    assert "Konqueror" not in dict(replayed.headers).values()
    assert set(KEPT) <= set(names)
    assert replayed.body == b"a=1"
    assert label
