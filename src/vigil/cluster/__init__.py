"""The cluster ground: the Kubernetes object model vigil reasons about and the store holding it.

Typed objects (pods with their security fields, nodes, namespaces, services, ingresses, PDBs,
PriorityClasses, workloads), exact quantities, selector semantics, toleration matching, admission
of pods being created, the PDB status the disruption controller computes, and the `Cluster`
store, fed by a loader that reads manifest files and ``kubectl get -o yaml|json`` exports within
bounds.
"""

from vigil.cluster.cluster import Cluster
from vigil.cluster.decode import KubeObject
from vigil.cluster.disruption_budget import (
    BudgetReason,
    BudgetStatus,
    budget_statuses,
    compute_status,
    controller_lookup,
)
from vigil.cluster.disruption_budget import recorded_status as recorded_pdb_status
from vigil.cluster.documents import Bounds
from vigil.cluster.errors import FieldError, ManifestError
from vigil.cluster.ingress import Ingress
from vigil.cluster.loader import LoadProgress, build_cluster, load_manifests, parse_documents
from vigil.cluster.meta import ObjectMeta, OwnerReference
from vigil.cluster.namespace import Namespace, Service
from vigil.cluster.node import Node, NodeCondition, Taint
from vigil.cluster.node_affinity import RequiredNodeAffinity
from vigil.cluster.pod import (
    Affinity,
    Container,
    ContainerPort,
    NodeAffinity,
    Pod,
    PodAffinity,
    PodAffinityTerm,
    PodCondition,
    PodSpec,
    PodStatus,
    ResourceList,
    ResourceRequirements,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from vigil.cluster.policy import (
    PodDisruptionBudget,
    PodDisruptionBudgetStatus,
    PriorityClass,
    scaled_value,
)
from vigil.cluster.priority import PriorityAdmissionError, PriorityResolver
from vigil.cluster.quantity import QuantityError, milli_value, parse_quantity, value
from vigil.cluster.security import ContainerSecurity, PodSecurity, SecurityContext, Volume
from vigil.cluster.selectors import (
    LabelSelector,
    NodeSelector,
    NodeSelectorTerm,
    PreferredSchedulingTerm,
    Requirement,
    Selector,
    selector_matches,
)
from vigil.cluster.taints import find_untolerated_taint, tolerates, tolerations_tolerate
from vigil.cluster.workloads import PodTemplate, Workload, expand_workload

__all__ = [
    "Affinity",
    "Bounds",
    "BudgetReason",
    "BudgetStatus",
    "Cluster",
    "Container",
    "ContainerPort",
    "ContainerSecurity",
    "FieldError",
    "Ingress",
    "KubeObject",
    "LabelSelector",
    "LoadProgress",
    "ManifestError",
    "Namespace",
    "Node",
    "NodeAffinity",
    "NodeCondition",
    "NodeSelector",
    "NodeSelectorTerm",
    "ObjectMeta",
    "OwnerReference",
    "Pod",
    "PodAffinity",
    "PodAffinityTerm",
    "PodCondition",
    "PodDisruptionBudget",
    "PodDisruptionBudgetStatus",
    "PodSecurity",
    "PodSpec",
    "PodStatus",
    "PodTemplate",
    "PreferredSchedulingTerm",
    "PriorityAdmissionError",
    "PriorityClass",
    "PriorityResolver",
    "QuantityError",
    "RequiredNodeAffinity",
    "Requirement",
    "ResourceList",
    "ResourceRequirements",
    "SecurityContext",
    "Selector",
    "Service",
    "Taint",
    "Toleration",
    "TopologySpreadConstraint",
    "Volume",
    "WeightedPodAffinityTerm",
    "Workload",
    "budget_statuses",
    "build_cluster",
    "compute_status",
    "controller_lookup",
    "expand_workload",
    "find_untolerated_taint",
    "load_manifests",
    "milli_value",
    "parse_documents",
    "parse_quantity",
    "recorded_pdb_status",
    "scaled_value",
    "selector_matches",
    "tolerates",
    "tolerations_tolerate",
    "value",
]
