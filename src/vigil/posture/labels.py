"""Which node labels a node can set on itself: the NodeRestriction admission plugin's rules.

A kubelet (user ``system:node:<name>``) may add, change or remove any label of its own Node
except labels under ``node-restriction.kubernetes.io/`` and labels in the ``kubernetes.io`` /
``k8s.io`` domains that are not kubelet labels. A compromised node can therefore give itself any
other label, and a placement rule keyed on such a label attracts workloads to it: isolation must
key on labels a kubelet cannot set. These functions are the upstream ones, shared by the
isolation plugin, the auditor and the NodeRestriction admission emulation.
"""

from __future__ import annotations

NODE_RESTRICTION_DOMAIN = "node-restriction.kubernetes.io"
NODE_RESTRICTION_PREFIX = NODE_RESTRICTION_DOMAIN + "/"

KUBELET_LABELS = frozenset(
    {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
    }
)
"""``kubeletapis.KubeletLabels()``: keys a kubelet may set in the kubernetes.io domains."""

KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


def label_namespace(key: str) -> str:
    """The prefix of a label key before ``/`` (``""`` when there is none)."""
    prefix, sep, _ = key.partition("/")
    return prefix if sep else ""


def _in_domain(namespace: str, domain: str) -> bool:
    return namespace == domain or namespace.endswith("." + domain)


def is_node_restriction_label(key: str) -> bool:
    """Under ``node-restriction.kubernetes.io/`` or one of its subdomains."""
    return _in_domain(label_namespace(key), NODE_RESTRICTION_DOMAIN)


def is_kubernetes_label(key: str) -> bool:
    """In the ``kubernetes.io`` or ``k8s.io`` domains (or a subdomain)."""
    namespace = label_namespace(key)
    return _in_domain(namespace, "kubernetes.io") or _in_domain(namespace, "k8s.io")


def is_kubelet_label(key: str) -> bool:
    """``IsKubeletLabel``: a listed kubelet label, or in a kubelet label namespace."""
    if key in KUBELET_LABELS:
        return True
    namespace = label_namespace(key)
    return any(_in_domain(namespace, ns) for ns in KUBELET_LABEL_NAMESPACES)


def kubelet_may_set(key: str) -> bool:
    """Whether NodeRestriction lets a node add, change or remove this label on itself."""
    if is_node_restriction_label(key):
        return False
    return not (is_kubernetes_label(key) and not is_kubelet_label(key))
