"""Why a pod did not fit: per-node statuses and the upstream FitError message.

The message is what ``kubectl describe pod`` shows in the FailedScheduling event, e.g.
``0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
2 Insufficient cpu.``; its format (counted reasons, byte-wise sorted, joined) is reproduced
exactly so that simulation output can be compared with real clusters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from vigil.cluster.pod import Pod
from vigil.scheduling.status import Code, Status

NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"


class NodeToStatus:
    """Filter statuses of the nodes that failed, plus one status for every other node.

    Nodes never filtered (outside a PreFilterResult, or when PreFilter rejected the pod) get
    ``absent_status``.
    """

    __slots__ = ("absent_status", "statuses")

    def __init__(self) -> None:
        self.statuses: dict[str, Status] = {}
        self.absent_status = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def set(self, node_name: str, status: Status) -> None:
        """Record a node's status."""
        self.statuses[node_name] = status

    def get(self, node_name: str) -> Status:
        """A node's recorded status, or the absent-nodes status."""
        return self.statuses.get(node_name, self.absent_status)

    def __len__(self) -> int:
        return len(self.statuses)

    def __iter__(self) -> Iterator[tuple[str, Status]]:
        return iter(self.statuses.items())

    def nodes_for_status_code(self, node_names: Iterable[str], code: Code) -> list[str]:
        """Nodes (in the given order) whose status has ``code`` (``NodesForStatusCode``)."""
        return [name for name in node_names if self.get(name).code is code]


@dataclass(slots=True)
class Diagnosis:
    """What the filtering phase learned about an unschedulable pod."""

    node_to_status: NodeToStatus = field(default_factory=NodeToStatus)
    unschedulable_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""

    def add_plugin_status(self, status: Status) -> None:
        """Remember which plugin rejected a node."""
        if status.plugin and status.is_rejected():
            self.unschedulable_plugins.add(status.plugin)


def reason_histogram(num_all_nodes: int, node_to_status: NodeToStatus) -> list[str]:
    """``"<count> <reason>"`` entries, sorted byte-wise as Go's ``sort.Strings``."""
    counts: Counter[str] = Counter()
    for _, status in node_to_status:
        counts.update(status.reasons)
    absent = num_all_nodes - len(node_to_status)
    if absent > 0:
        for reason in node_to_status.absent_status.reasons:
            counts[reason] += absent
    return sorted(f"{count} {reason}" for reason, count in counts.items())


@dataclass(slots=True)
class FitError:
    """The pod fits no node (``framework.FitError``)."""

    pod: Pod
    num_all_nodes: int
    diagnosis: Diagnosis

    def message(self) -> str:
        """The exact upstream message (``FitError.Error()``).

        Each part is rendered with upstream's ``" %v."`` separator. Upstream's DefaultPreemption
        strips the period of its own message (kubernetes#117588); here a PostFilter message may
        end with one or not, the result has exactly one, e.g. ``... 1 Insufficient cpu.
        preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.``
        """
        msg = NO_NODE_AVAILABLE_MSG.format(self.num_all_nodes) + ":"
        if self.diagnosis.pre_filter_msg:
            msg += f" {self.diagnosis.pre_filter_msg}."
        else:
            histogram = reason_histogram(self.num_all_nodes, self.diagnosis.node_to_status)
            if histogram:
                msg += " " + ", ".join(histogram) + "."
        if self.diagnosis.post_filter_msg:
            msg += f" {self.diagnosis.post_filter_msg.removesuffix('.')}."
        return msg

    def __str__(self) -> str:
        return self.message()
