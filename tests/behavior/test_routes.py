"""Route inference: typed segments, generalisation of crowded positions, bounded route count."""

from __future__ import annotations

import base64
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.behavior.routes import (
    OTHER_ROUTE,
    RouteLearner,
    RouteTable,
    TemplateFilter,
    param_positions,
    profile_path,
    segment_type,
    split_path,
    template_of,
)
from vigil.http.urlcodec import Encoding

UUID = "550e8400-e29b-41d4-a716-446655440000"


@pytest.mark.parametrize(
    ("segment", "token"),
    [
        pytest.param("42", "{int}", id="int"),
        pytest.param("-5", "{int}", id="negative-int"),
        pytest.param(UUID, "{uuid}", id="uuid"),
        pytest.param(UUID.upper(), "{uuid}", id="upper-uuid"),
        pytest.param("deadbeefdeadbeef12", "{hex}", id="long-hex"),
        pytest.param("deadbeefdeadbeefde", "deadbeefdeadbeefde", id="hex-without-digit"),
        pytest.param("deadbeef12", "deadbeef12", id="short-hex-is-literal"),
        pytest.param("2024-01-31", "{date}", id="date"),
        pytest.param("users", "users", id="literal"),
        pytest.param("v1", "v1", id="alnum-literal"),
        pytest.param("", "", id="empty"),
    ],
)
def test_segment_type(segment: str, token: str) -> None:
    assert segment_type(segment) == token


@pytest.mark.parametrize(
    ("path", "template"),
    [
        pytest.param("/users/42", "/users/{int}", id="users-42"),
        pytest.param("/users/17", "/users/{int}", id="users-17"),
        pytest.param(f"/orders/{UUID}/items/3", "/orders/{uuid}/items/{int}", id="uuid-and-int"),
        pytest.param("/blobs/0123456789abcdef", "/blobs/{hex}", id="hex"),
        pytest.param("/reports/2024-01-31", "/reports/{date}", id="date"),
        pytest.param("/", "/", id="root"),
        pytest.param("/users/", "/users/", id="trailing-slash-kept"),
        pytest.param("/users/%34%32", "/users/{int}", id="decoded-before-typing"),
    ],
)
def test_paths_become_typed_templates(path: str, template: str) -> None:
    assert template_of(split_path(path)[0]) == template


def test_split_path_decodes_and_flags_segments() -> None:
    segments, flags = split_path("/files/..%2f..%2fetc/a+b/%00")
    assert segments == ["files", "../../etc", "a+b", "\x00"]
    assert flags == Encoding.NUL


@pytest.mark.parametrize(
    ("path", "segments", "template"),
    [
        pytest.param(
            "/files/..%2F..%2Fetc",
            ["files", "../../etc"],
            "/files/..%2F..%2Fetc",
            id="encoded-slash-stays-in-its-segment-where-traversal-shows",
        ),
        pytest.param("/a%252fb", ["a%2fb"], "/a%2fb", id="double-encoded"),
        pytest.param(
            "/a%ef%bc%8fb/1",
            ["a/b", "1"],
            "/a%2Fb/{int}",
            id="fullwidth-solidus-after-normalisation",
        ),
    ],
)
def test_a_template_has_one_token_per_segment(
    path: str, segments: list[str], template: str
) -> None:
    assert split_path(path)[0] == segments
    assert profile_path(path)[2] == template
    assert len(template.split("/")) == len(segments) + 1


def test_split_path_is_bounded() -> None:
    segments, _ = split_path("/a" * 10_000, max_segments=32)
    assert len(segments) == 32


def test_learner_keeps_typed_templates_most_frequent_first() -> None:
    learner = RouteLearner()
    learner.add("/users/{int}", 10)
    learner.add("/health", 3)
    learner.add("/users", 5)
    assert learner.templates() == ["/users/{int}", "/users", "/health"]


def test_crowded_literal_positions_are_generalised_to_var() -> None:
    learner = RouteLearner(max_literals=4)
    for name in ["report.pdf", "cv.doc", "a.txt", "b.txt", "c.txt"]:
        learner.add(f"/files/{name}")
    learner.add("/files/{int}", 2)
    learner.add("/health")
    assert learner.templates() == ["/files/{var}", "/files/{int}", "/health"]


def test_positions_at_the_literal_bound_stay_literal() -> None:
    learner = RouteLearner(max_literals=4)
    for name in "abcd":
        learner.add(f"/files/{name}")
    assert sorted(learner.templates()) == ["/files/a", "/files/b", "/files/c", "/files/d"]


def test_generalisation_merges_the_subtrees_under_the_crowded_position() -> None:
    learner = RouteLearner(max_literals=2)
    for name in "abc":
        learner.add(f"/u/{name}/posts/{{int}}", 2)
    learner.add("/u/a/profile")
    assert learner.templates() == ["/u/{var}/posts/{int}", "/u/{var}/profile"]


def test_learner_bounds_children_while_adding() -> None:
    learner = RouteLearner(max_literals=2)
    for i in range(1000):
        learner.add(f"/x{i}")
    assert len(learner._root.children) <= 4 * 2 + 2
    assert learner.templates() == ["/{var}"]


def test_route_bound_keeps_the_most_frequent() -> None:
    learner = RouteLearner(max_literals=64, max_routes=3)
    for i, weight in enumerate([5, 1, 9, 3, 7]):
        learner.add(f"/r{i}", weight)
    assert learner.templates() == ["/r2", "/r4", "/r0"]


def test_table_matches_exact_templates_first() -> None:
    table = RouteTable(frozenset({"/files/{var}", "/files/{int}", "/files/index"}))
    assert table.match("/files/{int}") == "/files/{int}"
    assert table.match("/files/index") == "/files/index"
    assert table.match("/files/cv.doc") == "/files/{var}"


@pytest.mark.parametrize(
    ("typed", "route"),
    [
        pytest.param("/a/x/c", "/a/{var}/c", id="one-var"),
        pytest.param("/a/x/y", "/a/{var}/{var}", id="two-vars"),
        pytest.param("/a/x", None, id="shorter"),
        pytest.param("/a/x/c/d", None, id="longer"),
        pytest.param("/b/x/c", None, id="literal-mismatch"),
    ],
)
def test_table_prefers_the_template_with_fewest_vars(typed: str, route: str | None) -> None:
    table = RouteTable(frozenset({"/a/{var}/{var}", "/a/{var}/c"}))
    assert table.match(typed) == route


def test_unknown_paths_do_not_match() -> None:
    table = RouteTable(frozenset({"/users/{int}"}))
    assert table.match("/users") is None
    assert table.match("/admin") is None
    assert RouteTable().match("/") is None


def test_unknown_paths_fall_into_other_once_the_bound_overflowed() -> None:
    table = RouteTable(frozenset({"/users/{int}", OTHER_ROUTE}))
    assert table.match("/users/{int}") == "/users/{int}"
    assert table.match("/users") == OTHER_ROUTE
    assert table.match("/admin/x") == OTHER_ROUTE


@pytest.mark.parametrize(
    ("template", "positions"),
    [
        pytest.param("/users/{int}", [1], id="one"),
        pytest.param("/o/{uuid}/i/{int}/{var}", [1, 3, 4], id="many"),
        pytest.param("/health", [], id="none"),
    ],
)
def test_param_positions(template: str, positions: list[int]) -> None:
    assert param_positions(template) == positions


_SEGMENT = st.one_of(
    st.integers(min_value=0, max_value=10**9).map(str),
    st.uuids().map(str),
    st.sampled_from(["users", "orders", "items", "health", "v1"]),
)


@given(st.lists(st.lists(_SEGMENT, min_size=1, max_size=4), min_size=1, max_size=30))
def test_learned_templates_match_every_path_they_were_learned_from(
    paths: list[list[str]],
) -> None:
    learner = RouteLearner(max_literals=3)
    typed = [template_of(p) for p in paths]
    for template in typed:
        learner.add(template)
    table = RouteTable(frozenset(learner.templates()))
    for template in typed:
        route = table.match(template)
        assert route is not None
        assert len(route.split("/")) == len(template.split("/"))


def test_template_filter_remembers_added_templates() -> None:
    seen = TemplateFilter()
    for i in range(100):
        seen.add(f"/p{i}/{{int}}")
    assert all(f"/p{i}/{{int}}" in seen for i in range(100))
    assert "/admin/delete_all" not in seen
    assert 42 not in seen


def test_template_filter_false_positives_stay_rare_at_its_documented_load() -> None:
    seen = TemplateFilter()
    for i in range(6800):
        seen.add(f"/page/{i}/view")
    wrong = sum(f"/other/{i}" in seen for i in range(10_000))
    assert wrong < 200


def test_template_filter_round_trips_and_merges() -> None:
    first, second = TemplateFilter(), TemplateFilter()
    first.add("/a")
    second.add("/b")
    first.merge(second)
    back = TemplateFilter.decode(first.encode())
    assert "/a" in back
    assert "/b" in back
    assert len(first.encode()) < 200


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("not base64!", id="not-base64"),
        pytest.param("é", id="not-ascii"),
        pytest.param(base64.b64encode(zlib.compress(b"\0" * 10)).decode(), id="too-small"),
        pytest.param(base64.b64encode(zlib.compress(b"\0" * (1 << 24))).decode(), id="bomb"),
        pytest.param(base64.b64encode(b"plain").decode(), id="not-compressed"),
    ],
)
def test_template_filter_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="template filter"):
        TemplateFilter.decode(text)
