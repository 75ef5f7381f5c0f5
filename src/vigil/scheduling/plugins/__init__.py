"""The in-tree plugins vigil implements, one module each, and the default registry."""

from vigil.scheduling.plugins import (
    balanced_allocation,
    inter_pod_affinity,
    node_affinity,
    node_name,
    node_ports,
    node_resources_fit,
    node_unschedulable,
    pod_topology_spread,
    taint_toleration,
)
from vigil.scheduling.profile import (
    INTER_POD_AFFINITY,
    NODE_AFFINITY,
    NODE_NAME,
    NODE_PORTS,
    NODE_RESOURCES_BALANCED_ALLOCATION,
    NODE_RESOURCES_FIT,
    NODE_UNSCHEDULABLE,
    POD_TOPOLOGY_SPREAD,
    TAINT_TOLERATION,
)
from vigil.scheduling.registry import Registry


def default_registry() -> Registry:
    """A fresh registry with every in-tree plugin of this package."""
    return Registry(
        {
            NODE_UNSCHEDULABLE: node_unschedulable.new,
            NODE_NAME: node_name.new,
            TAINT_TOLERATION: taint_toleration.new,
            NODE_AFFINITY: node_affinity.new,
            NODE_PORTS: node_ports.new,
            NODE_RESOURCES_FIT: node_resources_fit.new,
            POD_TOPOLOGY_SPREAD: pod_topology_spread.new,
            INTER_POD_AFFINITY: inter_pod_affinity.new,
            NODE_RESOURCES_BALANCED_ALLOCATION: balanced_allocation.new,
        }
    )


__all__ = ["default_registry"]
