"""What every document shares: digests as text, route keys, the first error named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vigil.behavior.documents import DocumentModel, Name, digest_text, first_error, route_keys


class Example(DocumentModel):
    name: Name
    count: int = 0


def test_digest_text_is_sixteen_hex_digits() -> None:
    assert digest_text(7) == "0000000000000007"
    assert digest_text((1 << 64) - 1) == "f" * 16


@pytest.mark.parametrize("key", ["users", "get /x", "GET x", ""])
def test_bad_route_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="must read 'METHOD /path'"):
        route_keys({key: None})
    route_keys({"GET /x": None})


def test_first_error_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        Example.model_validate({"name": "x" * 2000, "count": "many"})
    assert first_error(caught.value).startswith("name: String should have at most 1024")
    with pytest.raises(ValidationError, match="Extra inputs"):
        Example.model_validate({"name": "x", "colour": 1})
