"""PodInfo: compiled affinity terms, namespace defaults and merging, label keys."""

from __future__ import annotations

from dataclasses import replace

from tests.scheduling.builders import make_pod, sel
from vigil.cluster import LabelSelector, PodAffinityTerm
from vigil.scheduling.podinfo import PodInfo, compile_term

NAMESPACES = {"a": {"team": "x"}, "b": {"team": "y"}, "default": {}}


def test_term_namespaces_default_to_the_pods_own() -> None:
    pod = make_pod("p", "a").obj()
    t = compile_term(pod, PodAffinityTerm("zone", sel(app="db")))
    assert t.namespaces == frozenset({"a"})
    assert t.namespace_selector.is_nothing
    assert t.matches(make_pod("db", "a").labels(app="db").obj(), None)
    assert not t.matches(make_pod("db", "b").labels(app="db").obj(), None)


def test_empty_namespace_selector_means_all_namespaces() -> None:
    pod = make_pod("p", "a").obj()
    t = compile_term(
        pod, PodAffinityTerm("zone", sel(app="db"), namespace_selector=LabelSelector())
    )
    assert t.namespaces == frozenset()
    assert t.matches(make_pod("db", "b").labels(app="db").obj(), NAMESPACES["b"])
    assert t.with_merged_namespaces(NAMESPACES) is t


def test_namespace_selector_is_merged_into_namespaces() -> None:
    pod = make_pod("p", "a").obj()
    t = compile_term(
        pod, PodAffinityTerm("zone", sel(app="db"), ("c",), LabelSelector({"team": "y"}))
    )
    merged = t.with_merged_namespaces(NAMESPACES)
    assert merged.namespaces == frozenset({"b", "c"})
    assert merged.namespace_selector.is_nothing
    assert t.matches(make_pod("db", "b").labels(app="db").obj(), NAMESPACES["b"])
    assert not t.matches(make_pod("db", "a").labels(app="db").obj(), NAMESPACES["a"])


def test_match_and_mismatch_label_keys_are_merged() -> None:
    pod = make_pod("p").labels(app="web", version="v2", track="canary").obj()
    term = PodAffinityTerm(
        "zone",
        sel(app="web"),
        match_label_keys=("version", "absent"),
        mismatch_label_keys=("track",),
    )
    t = compile_term(pod, term)
    assert t.matches(make_pod("x").labels(app="web", version="v2", track="stable").obj(), None)
    assert not t.matches(make_pod("x").labels(app="web", version="v1", track="stable").obj(), None)
    assert not t.matches(make_pod("x").labels(app="web", version="v2", track="canary").obj(), None)
    nil = compile_term(pod, replace(term, label_selector=None))
    assert nil.selector.is_nothing


def test_pod_info_terms_and_flags() -> None:
    pod = (
        make_pod("p")
        .req(cpu="1")
        .pod_affinity("zone", sel(app="db"))
        .pod_anti_affinity("host", sel(app="web"), weight=3)
        .obj()
    )
    info = PodInfo.of(pod)
    assert len(info.required_affinity_terms) == 1
    assert info.preferred_anti_affinity_terms[0].weight == 3
    assert info.has_affinity
    assert not info.has_required_anti_affinity
    assert info.requests == {"cpu": 1000}
    assert (info.non_zero_cpu, info.non_zero_memory) == (1000, 200 * 2**20)
