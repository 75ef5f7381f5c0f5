"""kubectl drain's filters: DaemonSet, mirror, local storage and unmanaged pods, with its messages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.disruption.builders import owned, running
from vigil.cluster import ObjectMeta
from vigil.disruption.drain import DrainOptions
from vigil.disruption.drain_filters import DAEMON_SET_FATAL, FilterStatus, filter_pod, grouped


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
