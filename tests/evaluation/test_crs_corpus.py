"""The CRS regression tests as labelled requests: labels, request building, response cases."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from vigil.evaluation.crs_corpus import (
    CorpusError,
    CrsCase,
    Label,
    build_request,
    read_corpus,
    read_file,
)

CRS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "crs-regression"

SQLI = """
rule_id: 942100
tests:
  - test_id: 1
    stages:
      - input:
          method: POST
          uri: "/post?x=1"
          headers: {Host: localhost, User-Agent: "OWASP CRS test agent"}
          data: "var=1234 OR 1=1"
        output:
          log: {expect_ids: [942100]}
  - test_id: 2
    desc: negative
    stages:
      - input:
          uri: "/get?var=hello"
        output:
          log: {no_expect_ids: [942100]}
  - test_id: 3
    stages:
      - input: {uri: "/"}
        output: {status: 400}
"""

REFLECT = """
rule_id: 951220
tests:
  - test_id: 1
    stages:
      - input:
          method: POST
          uri: /reflect
          headers: {Content-Type: application/json}
          data: '{"body": "You have an error in your SQL syntax"}'
        output:
          log: {expect_ids: [951220]}
"""


def write(tmp_path: Path, folder: str, name: str, text: str) -> Path:
    path = tmp_path / "tests" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_labels_come_from_the_expected_outcome(tmp_path: Path) -> None:
    cases = list(
        read_file(write(tmp_path, "REQUEST-942-APPLICATION-ATTACK-SQLI", "942100.yaml", SQLI))
    )
    assert [(c.name, c.family, c.label, c.attack) for c in cases] == [
        ("942100/1", "sqli", Label.ATTACK, True),
        ("942100/2", "sqli", Label.NEAR_MISS, False),
    ]
    attack = cases[0].request
    assert (attack.method, attack.path, attack.query) == ("POST", "/post", "x=1")
    assert attack.header("content-type") == "application/x-www-form-urlencoded"
    assert attack.body == b"var=1234 OR 1=1"
    assert cases[1].request.method == "GET"


def test_response_tests_carry_the_reflected_body(tmp_path: Path) -> None:
    (case,) = read_file(write(tmp_path, "RESPONSE-951-DATA-LEAKAGES-SQL", "951220.yaml", REFLECT))
    assert case.family == "leak-sql"
    assert case.response is not None
    assert case.response.body == b"You have an error in your SQL syntax"


def test_common_exceptions_are_benign_whatever_they_expect(tmp_path: Path) -> None:
    text = SQLI.replace("942100", "999999")
    cases = list(
        read_file(write(tmp_path, "REQUEST-999-COMMON-EXCEPTIONS-AFTER", "999999.yml", text))
    )
    assert {c.label for c in cases} == {Label.BENIGN}


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ({"uri": "/a?b=c", "data": '{"x": 1}'}, None),
        ({"uri": "/a", "data": "k=v&l=w\n"}, "application/x-www-form-urlencoded"),
        ({"uri": "/a", "data": "k=v", "headers": {"Content-Type": "text/plain"}}, "text/plain"),
    ],
)
def test_form_bodies_without_a_type_are_forms(
    stage: dict[str, object], expected: str | None
) -> None:
    assert build_request(stage).header("content-type") == expected


def test_encoded_requests_are_parsed() -> None:
    raw = b"GET /x?y=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
    request = build_request({"encoded_request": base64.b64encode(raw).decode()})
    assert (request.method, request.path, request.query) == ("GET", "/x", "y=1")


def test_a_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        list(read_corpus(tmp_path))


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "X", "1.yaml", "tests: [unclosed")
    with pytest.raises(CorpusError, match=r"1\.yaml: invalid YAML"):
        list(read_file(path))


@pytest.mark.skipif(not (CRS / "tests").is_dir(), reason="CRS regression corpus not present")
def test_the_real_corpus_reads_whole() -> None:
    cases: list[CrsCase] = list(read_corpus(CRS))
    assert len(cases) > 5000
    assert sum(c.attack for c in cases) > 3900
    assert sum(c.label is Label.BENIGN for c in cases) >= 30
    assert {c.family for c in cases} >= {"sqli", "xss", "rce", "lfi", "java", "benign-traffic"}
    assert sum(c.response is not None for c in cases) > 50
