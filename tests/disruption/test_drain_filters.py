"""kubectl drain's filters: DaemonSet, mirror, local storage and unmanaged pods, with its messages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.disruption.builders import owned, running
from vigil.cluster import ObjectMeta
from vigil.disruption.drain import DrainOptions
from vigil.disruption.drain_filters import DAEMON_SET_FATAL, FilterStatus, filter_pod, grouped

EMPTY_DIR = replace(running("tmp"), spec=replace(running("tmp").spec, empty_dir_volumes=("c",)))
BARE_EMPTY_DIR = replace(EMPTY_DIR, metadata=replace(EMPTY_DIR.metadata, owner_references=()))
AGENT = owned(running("ds", owner=None), "DaemonSet", "agent")


@pytest.mark.parametrize(
    ("pod", "options", "status", "message"),
    [
        pytest.param(
            owned(running("ds", owner=None), "DaemonSet", "agent"),
            DrainOptions(),
            FilterStatus.ERROR,
            DAEMON_SET_FATAL,
            id="daemonset",
        ),
        pytest.param(
            owned(running("ds", owner=None), "DaemonSet", "agent"),
            DrainOptions(ignore_daemonsets=True),
            FilterStatus.WARNING,
            "ignoring DaemonSet-managed Pods",
            id="daemonset ignored",
        ),
        pytest.param(
            owned(running("ds", owner=None, phase="Succeeded"), "DaemonSet", "agent"),
            DrainOptions(),
            FilterStatus.OKAY,
            "",
            id="finished daemonset pod",
        ),
        pytest.param(
            running("bare", owner=None),
            DrainOptions(),
            FilterStatus.ERROR,
            "cannot delete Pods that declare no controller (use --force to override)",
            id="unmanaged",
        ),
        pytest.param(
            running("bare", owner=None),
            DrainOptions(force=True),
            FilterStatus.WARNING,
            "deleting Pods that declare no controller",
            id="unmanaged forced",
        ),
        pytest.param(
            replace(
                running("tmp"),
                spec=replace(running("tmp").spec, empty_dir_volumes=("cache",)),
            ),
            DrainOptions(),
            FilterStatus.ERROR,
            "Pods with local storage (use --delete-emptydir-data to override)",
            id="emptyDir",
        ),
        pytest.param(
            replace(
                running("static", owner=None),
                metadata=ObjectMeta(
                    "static", "shop", annotations={"kubernetes.io/config.mirror": "x"}
                ),
            ),
            DrainOptions(),
            FilterStatus.SKIP,
            "mirror pod",
            id="mirror",
        ),
    ],
)
def test_kubectl_filters(pod, options, status, message) -> None:  # type: ignore[no-untyped-def]
    verdict = filter_pod(pod, options)
    assert (verdict.status, verdict.message) == (status, message)


def test_messages_are_grouped_like_kubectl() -> None:
    pods = [running("a", owner=None), running("b", owner=None)]
    verdicts = [filter_pod(p, DrainOptions()) for p in pods]
    assert grouped(verdicts, FilterStatus.ERROR) == [
        "cannot delete Pods that declare no controller (use --force to override): shop/a, shop/b"
    ]


@pytest.mark.parametrize(
    ("pod", "options", "exists", "expected"),
    [
        pytest.param(
            AGENT,
            DrainOptions(),
            {"agent"},
            (FilterStatus.ERROR, DAEMON_SET_FATAL, False),
            id="daemonset in the input",
        ),
        pytest.param(
            AGENT,
            DrainOptions(ignore_daemonsets=True),
            {"agent"},
            (FilterStatus.WARNING, "ignoring DaemonSet-managed Pods", False),
            id="daemonset in the input, ignored",
        ),
        pytest.param(
            AGENT,
            DrainOptions(ignore_daemonsets=True),
            {"other"},
            (FilterStatus.ERROR, 'daemonsets.apps "agent" not found', False),
            id="orphan of a missing daemonset",
        ),
        pytest.param(
            AGENT,
            DrainOptions(force=True),
            {"other"},
            (FilterStatus.OKAY, "", True),
            id="orphan forced: deleted, the warning dropped by the later filters",
        ),
        pytest.param(
            EMPTY_DIR,
            DrainOptions(delete_emptydir_data=True),
            None,
            (FilterStatus.OKAY, "", True),
            id="local storage with a controller: kubectl drops the warning",
        ),
        pytest.param(
            BARE_EMPTY_DIR,
            DrainOptions(delete_emptydir_data=True, force=True),
            None,
            (FilterStatus.WARNING, "deleting Pods that declare no controller", True),
            id="local storage without a controller: the last warning stays",
        ),
    ],
)
def test_the_filter_chain_keeps_the_last_status_like_kubectl(  # type: ignore[no-untyped-def]
    pod, options, exists, expected
) -> None:
    lookup = None if exists is None else (lambda _ns, name: name in exists)
    verdict = filter_pod(pod, options, lookup)
    assert (verdict.status, verdict.message, verdict.delete) == expected


def test_a_missing_daemonset_is_reported_as_kubectl_does() -> None:
    verdicts = [filter_pod(AGENT, DrainOptions(), lambda _ns, _name: False)]
    assert grouped(verdicts, FilterStatus.ERROR) == [
        'cannot delete daemonsets.apps "agent" not found: shop/ds'
    ]
