"""An observation lists a JSON body's fields only when they are first read, where profiling found them."""

from __future__ import annotations

from vigil.http.body import BodyField, parse_json
from vigil.http.jsoncolumns import json_columns
from vigil.inspection.observation import Observation


def _observation() -> Observation:
    obs = Observation("POST", "/orders/{int}", ["orders", "7"], 0, "application/json")
    obs.listed.append(BodyField("header.host", "shop.example"))
    columns = json_columns({"sku": "A-1", "tags": ["x", "y"]}, "json", 100)
    assert columns is not None
    columns.start = len(obs.listed)
    obs.json = columns
    obs.listed.append(BodyField("path.1", "7"))
    return obs


def test_json_fields_are_made_on_first_read_between_the_head_and_the_path() -> None:
    obs = _observation()
    assert [f.path for f in obs.listed] == ["header.host", "path.1"]
    paths = [f.path for f in obs.fields]
    assert paths[0] == "header.host"
    assert paths[-1] == "path.1"
    body = sorted(paths[1:-1])
    assert body == sorted(
        f.path for f in parse_json(b'{"sku":"A-1","tags":["x","y"]}', "json", 100).fields
    )


def test_json_fields_are_listed_once() -> None:
    obs = _observation()
    first = list(obs.fields)
    assert obs.fields == first
    assert obs.json is not None
    assert obs.json.listed


def test_an_observation_without_json_lists_what_was_appended() -> None:
    obs = Observation("GET", "/", [], 0, "", [BodyField("query.q", "x")])
    obs.listed.append(BodyField("path.0", "y"))
    assert obs.fields is obs.listed
    assert [f.path for f in obs.fields] == ["query.q", "path.0"]
