"""How much a pod requests (``resourcehelper.PodRequests``) and the scheduler's integer units.

Sidecars (restartable init containers) run alongside app containers while regular init
containers run one at a time, so the effective request is the max of the steady state and each
init step; pod overhead is added last. Scoring uses "non-zero" requests, where a container that
omits cpu or memory counts as 100m / 200Mi.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from vigil.cluster.pod import Container, Pod
from vigil.cluster.quantity import resource_amount

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
NON_ZERO_DEFAULTS: Mapping[str, Fraction] = {
    CPU: Fraction(DEFAULT_MILLI_CPU_REQUEST, 1000),
    MEMORY: Fraction(DEFAULT_MEMORY_REQUEST),
}


def is_extended_resource_name(name: str) -> bool:
    """Names with a domain outside ``kubernetes.io`` (``example.com/gpu``), not ``requests.*``."""
    if "/" not in name or name.startswith("requests."):
        return False
    return not is_prefixed_native_resource(name)


def is_prefixed_native_resource(name: str) -> bool:
    """Names in the ``kubernetes.io/`` domain."""
    domain = name.split("/", 1)[0]
    return domain == "kubernetes.io" or domain.endswith(".kubernetes.io")


def is_scalar_resource_name(name: str) -> bool:
    """``IsScalarResourceName``: extended, hugepages, prefixed native or attachable volumes."""
    return (
        is_extended_resource_name(name)
        or name.startswith("hugepages-")
        or is_prefixed_native_resource(name)
        or name.startswith("attachable-volumes-")
    )


def is_tracked_resource(name: str) -> bool:
    """Resources a NodeInfo accounts for: cpu, memory, ephemeral-storage and scalars."""
    return name in (CPU, MEMORY, EPHEMERAL_STORAGE) or is_scalar_resource_name(name)


def _container_requests(
    c: Container, non_missing: Mapping[str, Fraction] | None
) -> dict[str, Fraction]:
    reqs = dict(c.resources.requests)
    if non_missing:
        for name, amount in non_missing.items():
            reqs.setdefault(name, amount)
    return reqs


def _add(into: dict[str, Fraction], other: Mapping[str, Fraction]) -> None:
    for name, amount in other.items():
        into[name] = into.get(name, Fraction(0)) + amount


def _max(into: dict[str, Fraction], other: Mapping[str, Fraction]) -> None:
    for name, amount in other.items():
        if name not in into or amount > into[name]:
            into[name] = amount


def _is_pod_level_resource(name: str) -> bool:
    return name in (CPU, MEMORY) or name.startswith("hugepages-")


def pod_requests(
    pod: Pod, non_missing: Mapping[str, Fraction] | None = None
) -> dict[str, Fraction]:
    """Effective requests of a pod: containers, sidecars, init containers, pod level, overhead.

    ``non_missing`` supplies defaults for resources a container does not request (the
    ``NonMissingContainerRequests`` option used for scoring).
    """
    reqs: dict[str, Fraction] = {}
    for c in pod.spec.containers:
        _add(reqs, _container_requests(c, non_missing))
    sidecars: dict[str, Fraction] = {}
    init_max: dict[str, Fraction] = {}
    for c in pod.spec.init_containers:
        creqs = _container_requests(c, non_missing)
        if c.is_sidecar:
            _add(reqs, creqs)
            _add(sidecars, creqs)
            step = dict(sidecars)
        else:
            step = dict(creqs)
            _add(step, sidecars)
        _max(init_max, step)
    _max(reqs, init_max)
    if pod.spec.resources is not None:
        for name, amount in pod.spec.resources.requests.items():
            if _is_pod_level_resource(name):
                reqs[name] = amount
    _add(reqs, pod.spec.overhead)
    return reqs


def to_amounts(requests: Mapping[str, Fraction]) -> dict[str, int]:
    """Tracked resources in scheduler units (milli-cpu, bytes, counts)."""
    return {
        name: resource_amount(name, amount)
        for name, amount in requests.items()
        if is_tracked_resource(name)
    }


def _exact_amount(name: str, quantity: Fraction) -> int | None:
    """The scheduler amount when no rounding is involved (whole milli-cpu, whole units)."""
    den = quantity.denominator
    if den == 1:
        return quantity.numerator * 1000 if name == CPU else quantity.numerator
    if name == CPU and 1000 % den == 0:
        return quantity.numerator * (1000 // den)
    return None


def _simple_amounts(pod: Pod) -> tuple[dict[str, int], int, int] | None:
    """Amounts and non-zero (cpu, memory) summed as integers, for the common pod (app
    containers only, no overhead, no pod-level resources, whole milli-cpu and units): the
    same numbers as the exact path, since nothing rounds. None for any other pod."""
    spec = pod.spec
    if spec.init_containers or spec.overhead or spec.resources is not None:
        return None
    amounts: dict[str, int] = {}
    non_zero_cpu = non_zero_memory = 0
    for c in spec.containers:
        reqs = c.resources.requests
        for name, quantity in reqs.items():
            if not is_tracked_resource(name):
                continue
            amount = _exact_amount(name, quantity)
            if amount is None:
                return None
            amounts[name] = amounts.get(name, 0) + amount
        cpu = reqs.get(CPU)
        memory = reqs.get(MEMORY)
        non_zero_cpu += DEFAULT_MILLI_CPU_REQUEST if cpu is None else _exact_amount(CPU, cpu) or 0
        non_zero_memory += (
            DEFAULT_MEMORY_REQUEST if memory is None else _exact_amount(MEMORY, memory) or 0
        )
    return amounts, non_zero_cpu, non_zero_memory


def pod_amounts(pod: Pod) -> tuple[dict[str, int], int, int]:
    """`pod_resource_amounts` and `pod_non_zero_amounts` at once (integer fast path for the
    common pod, exact fractions otherwise)."""
    simple = _simple_amounts(pod)
    if simple is not None:
        return simple
    cpu, memory = pod_non_zero_amounts(pod)
    return to_amounts(pod_requests(pod)), cpu, memory


def pod_resource_amounts(pod: Pod) -> dict[str, int]:
    """The pod's effective requests in scheduler units (what NodeInfo.Requested adds up)."""
    return to_amounts(pod_requests(pod))


def pod_non_zero_amounts(pod: Pod) -> tuple[int, int]:
    """Non-zero (milli-cpu, memory) of the pod, as used by scoring."""
    reqs = pod_requests(pod, NON_ZERO_DEFAULTS)
    return resource_amount(CPU, reqs.get(CPU, Fraction(0))), resource_amount(
        MEMORY, reqs.get(MEMORY, Fraction(0))
    )


def node_allocatable(allocatable: Mapping[str, Fraction]) -> dict[str, int]:
    """A node's allocatable in scheduler units, including the ``pods`` count."""
    out = to_amounts(allocatable)
    if PODS in allocatable:
        out[PODS] = resource_amount(PODS, allocatable[PODS])
    return out
