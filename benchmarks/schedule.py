"""Pods scheduled per second by the vigil scheduling engine on a generated cluster.

Generates, from a seed, a cluster in the spirit of kube-scheduler's ``scheduler_perf`` configs:
``--nodes`` nodes (hostname, zone, region, instance-type and disk labels, a few NoSchedule and
PreferNoSchedule taints, a few cordoned nodes, varied allocatable) and ``--pods`` pending pods:
mostly plain pods with requests, plus pods with a nodeSelector, required/preferred node affinity,
required pod anti-affinity on hostname, required pod affinity on zone, preferred pod
(anti-)affinity, hard and soft topology spread constraints, tolerations, and pods selected by
Services (so the system default spreading applies). Every pod is scheduled in queue order with
the default profile, each bound before the next (as ``vigil.scheduling.simulate.schedule_cluster``
does), and the rate is printed in pods/s.

Because machines are noisy, a baseline is measured in the same run and the ratio printed: the
rate of a naive pure-Python scheduler doing a fixed amount of work per pod (for each of the
nodes upstream would search at this cluster size, ``numFeasibleNodesToFind``, a cpu/memory fit
check and a LeastAllocated score over plain dicts, then the best node). The ratio
``engine / baseline`` is comparable across machines; the absolute target is kube-scheduler's
scheduler_perf floor for SchedulingBasic 5000Nodes_10000Pods: 270 pods/s, on one core.

A digest of the placements is printed so that an optimisation can be checked not to change any
decision (same seed and sizes must give the same digest).

Usage: python benchmarks/schedule.py [--nodes 5000] [--pods 10000] [--seed 1]
       [--profile-only-basic] [--quiet]
Quick check: python benchmarks/schedule.py --nodes 500 --pods 1000
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [
    p for p in sys.path if str(Path(p or ".").resolve()) != _HERE
]  # benchmarks/inspect.py would shadow the stdlib inspect module

import argparse  # noqa: E402
import hashlib  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from fractions import Fraction  # noqa: E402

from vigil.cluster import (  # noqa: E402
    Affinity,
    Container,
    LabelSelector,
    Node,
    NodeAffinity,
    NodeSelector,
    NodeSelectorTerm,
    ObjectMeta,
    Pod,
    PodAffinity,
    PodAffinityTerm,
    PodSpec,
    PreferredSchedulingTerm,
    Requirement,
    ResourceRequirements,
    Service,
    Taint,
    Toleration,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from vigil.scheduling import (  # noqa: E402
    Profile,
    Scheduler,
    Snapshot,
    default_profile,
    num_feasible_nodes_to_find,
)

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
REGION = "topology.kubernetes.io/region"
INSTANCE = "node.kubernetes.io/instance-type"
DISK = "disktype"
ZONES = 10
GI = 1024**3
MI = 1024**2
NAMESPACES = ("default", "team-a", "team-b", "team-c")


# --------------------------------------------------------------------------- cluster generation


def make_nodes(count: int, rng: random.Random) -> list[Node]:
    """Nodes with zone/region/instance labels, varied allocatable, a few taints and cordons."""
    shapes = [("small", 4, 16), ("medium", 8, 32), ("large", 16, 64), ("xlarge", 32, 128)]
    nodes = []
    for i in range(count):
        name = f"node-{i:05d}"
        kind, cpu, mem = rng.choice(shapes)
        zone = f"zone-{i % ZONES}"
        labels = {
            HOSTNAME: name,
            ZONE: zone,
            REGION: f"region-{(i % ZONES) // 5}",
            INSTANCE: kind,
        }
        if rng.random() < 0.3:
            labels[DISK] = "ssd"
        taints: list[Taint] = []
        roll = rng.random()
        if roll < 0.02:
            taints.append(Taint("dedicated", "NoSchedule", "infra"))
        elif roll < 0.05:
            taints.append(Taint("spot", "PreferNoSchedule", "true"))
        elif roll < 0.055:
            taints.append(Taint("maintenance", "NoExecute", ""))
        alloc = {
            "cpu": Fraction(cpu) - Fraction(rng.choice((0, 100, 250)), 1000),
            "memory": Fraction(mem * GI - rng.choice((0, 512, 1024)) * MI),
            "pods": Fraction(110),
            "ephemeral-storage": Fraction(100 * GI),
        }
        nodes.append(
            Node(
                ObjectMeta(name=name, labels=labels),
                unschedulable=rng.random() < 0.005,
                taints=tuple(taints),
                capacity=alloc,
                allocatable=alloc,
            )
        )
    return nodes


def _container(rng: random.Random, best_effort: bool = False) -> Container:
    if best_effort:
        return Container("app", "nginx")
    cpu = Fraction(rng.choice((100, 200, 250, 500, 750, 1000)), 1000)
    mem = Fraction(rng.choice((128, 256, 512, 1024, 2048)) * MI)
    return Container("app", "nginx", ResourceRequirements({"cpu": cpu, "memory": mem}))


def _sel(**labels: str) -> LabelSelector:
    return LabelSelector(dict(labels))


def make_pods(count: int, rng: random.Random) -> list[Pod]:
    """Pending pods: mostly plain, some with node/pod (anti-)affinity, spreading, tolerations."""
    pods = []
    for i in range(count):
        ns = rng.choice(NAMESPACES)
        labels: dict[str, str] = {"bench": "yes"}
        spec: dict[str, object] = {}
        affinity = Affinity()
        kind = rng.random()
        containers = [_container(rng, best_effort=rng.random() < 0.03)]
        if kind < 0.55:
            pass  # plain pod with requests
        elif kind < 0.62:
            labels["app"] = f"web-{rng.randrange(8)}"  # selected by a Service: default spreading
        elif kind < 0.66:
            spec["node_selector"] = {DISK: "ssd"}
        elif kind < 0.72:
            zones = tuple(sorted({f"zone-{rng.randrange(ZONES)}" for _ in range(3)}))
            required = NodeSelector((NodeSelectorTerm((Requirement(ZONE, "In", zones),)),))
            preferred = (
                PreferredSchedulingTerm(
                    10, NodeSelectorTerm((Requirement(INSTANCE, "In", ("large", "xlarge")),))
                ),
            )
            affinity = Affinity(node_affinity=NodeAffinity(required, preferred))
        elif kind < 0.75:
            preferred = (
                PreferredSchedulingTerm(5, NodeSelectorTerm((Requirement(DISK, "Exists"),))),
                PreferredSchedulingTerm(
                    20, NodeSelectorTerm((Requirement(INSTANCE, "NotIn", ("small",)),))
                ),
            )
            affinity = Affinity(node_affinity=NodeAffinity(None, preferred))
        elif kind < 0.80:
            group = f"anti-{rng.randrange(20)}"
            labels["anti"] = group
            term = PodAffinityTerm(HOSTNAME, _sel(anti=group))
            affinity = Affinity(pod_anti_affinity=PodAffinity(required=(term,)))
        elif kind < 0.83:
            group = f"aff-{rng.randrange(10)}"
            labels["aff"] = group
            term = PodAffinityTerm(ZONE, _sel(aff=group))
            affinity = Affinity(pod_affinity=PodAffinity(required=(term,)))
        elif kind < 0.86:
            group = f"pref-{rng.randrange(10)}"
            labels["pref"] = group
            affinity = Affinity(
                pod_affinity=PodAffinity(
                    preferred=(
                        WeightedPodAffinityTerm(50, PodAffinityTerm(ZONE, _sel(pref=group))),
                    )
                ),
                pod_anti_affinity=PodAffinity(
                    preferred=(
                        WeightedPodAffinityTerm(100, PodAffinityTerm(HOSTNAME, _sel(pref=group))),
                    )
                ),
            )
        elif kind < 0.93:
            group = f"spread-{rng.randrange(10)}"
            labels["spread"] = group
            constraints = [
                TopologySpreadConstraint(1, ZONE, "DoNotSchedule", _sel(spread=group)),
            ]
            if rng.random() < 0.5:
                constraints.append(
                    TopologySpreadConstraint(1, HOSTNAME, "ScheduleAnyway", _sel(spread=group))
                )
            spec["topology_spread_constraints"] = tuple(constraints)
        elif kind < 0.96:
            group = f"soft-{rng.randrange(10)}"
            labels["soft"] = group
            spec["topology_spread_constraints"] = (
                TopologySpreadConstraint(2, ZONE, "ScheduleAnyway", _sel(soft=group)),
                TopologySpreadConstraint(1, HOSTNAME, "ScheduleAnyway", _sel(soft=group)),
            )
        else:
            spec["tolerations"] = (
                Toleration("dedicated", "Equal", "infra", "NoSchedule"),
                Toleration("spot", "Exists"),
            )
        if affinity != Affinity():
            spec["affinity"] = affinity
        pods.append(
            Pod(
                ObjectMeta(name=f"pod-{i:05d}", namespace=ns, labels=labels),
                PodSpec(containers=tuple(containers), **spec),  # type: ignore[arg-type]
            )
        )
    return pods


def make_services() -> list[Service]:
    """Services selecting the ``app=web-N`` pods, in every namespace."""
    return [
        Service(ObjectMeta(name=f"web-{k}", namespace=ns), {"app": f"web-{k}"})
        for ns in NAMESPACES
        for k in range(8)
    ]


def basic_profile() -> Profile:
    """The simplest profile: NodeResourcesFit only."""
    return Profile(
        pre_filter=("NodeResourcesFit",),
        filter=("NodeResourcesFit",),
        pre_score=("NodeResourcesFit",),
        score=(("NodeResourcesFit", 1),),
    )


# --------------------------------------------------------------------------- measurement


def run_engine(
    nodes: list[Node], pods: list[Pod], profile: Profile, seed: int, quiet: bool
) -> tuple[float, int, str]:
    """Schedule every pod, binding each; returns (seconds, scheduled, placement digest)."""
    namespaces = {ns: {"kubernetes.io/metadata.name": ns} for ns in NAMESPACES}
    snapshot = Snapshot(nodes, (), namespace_labels=namespaces, services=make_services())
    scheduler = Scheduler(snapshot, [profile], seed=seed)
    digest = hashlib.sha256()
    scheduled = 0
    report_every = max(1, len(pods) // 20)
    start = time.perf_counter()
    # Every pod has priority 0 and the names ascend, so generation order is the queue order
    # (PrioritySort), whichever tie-break (arrival or name) the queue uses.
    for n, pod in enumerate(pods, start=1):
        result = scheduler.schedule_one(pod)
        if result.node_name is not None:
            scheduled += 1
        digest.update(f"{pod.key}={result.node_name}\n".encode())
        if not quiet and n % report_every == 0:
            elapsed = time.perf_counter() - start
            print(
                f"  {n}/{len(pods)} pods, {elapsed:.1f}s, {n / elapsed:.0f} pods/s",
                file=sys.stderr,
                flush=True,
            )
    return time.perf_counter() - start, scheduled, digest.hexdigest()[:16]


def run_baseline(nodes: list[Node], pods: int, seed: int) -> float:
    """Pods/s of a naive pure-Python scheduler: fit + LeastAllocated over the searched nodes."""
    rng = random.Random(seed)
    alloc = [(int(n.allocatable["cpu"] * 1000), int(n.allocatable["memory"])) for n in nodes]
    used = [[0, 0] for _ in nodes]
    to_find = num_feasible_nodes_to_find(len(nodes))
    count = min(pods, 2000)
    start_index = 0
    start = time.perf_counter()
    for _ in range(count):
        cpu, mem = rng.choice((100, 250, 500)), rng.choice((128, 512)) * MI
        best, best_score, found, i = -1, -1, 0, 0
        while found < to_find and i < len(nodes):
            k = (start_index + i) % len(nodes)
            i += 1
            (acpu, amem), u = alloc[k], used[k]
            if cpu > acpu - u[0] or mem > amem - u[1]:
                continue
            found += 1
            score = ((acpu - u[0] - cpu) * 100 // acpu + (amem - u[1] - mem) * 100 // amem) // 2
            if score > best_score:
                best, best_score = k, score
        start_index = (start_index + i) % len(nodes)
        if best >= 0:
            used[best][0] += cpu
            used[best][1] += mem
    return count / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    """Generate, schedule, print pods/s and the ratio to the in-run baseline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile-only-basic",
        action="store_true",
        help="schedule with NodeResourcesFit only instead of the default profile",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    nodes = make_nodes(args.nodes, rng)
    pods = make_pods(args.pods, rng)
    profile = basic_profile() if args.profile_only_basic else default_profile()
    name = "NodeResourcesFit only" if args.profile_only_basic else "default"

    baseline = run_baseline(nodes, args.pods, args.seed)
    if not args.quiet:
        print(
            f"generated {len(nodes)} nodes and {len(pods)} pods (seed {args.seed}); "
            f"scheduling with the {name} profile",
            file=sys.stderr,
        )
    seconds, scheduled, digest = run_engine(nodes, pods, profile, args.seed, args.quiet)
    rate = len(pods) / seconds
    print(
        f"profile={name} nodes={len(nodes)} pods={len(pods)} seed={args.seed} "
        f"searched/pod={num_feasible_nodes_to_find(len(nodes))}"
    )
    print(f"scheduled {scheduled}/{len(pods)} in {seconds:.2f}s: {rate:.1f} pods/s")
    print(
        f"baseline (naive pure-Python fit+LeastAllocated over the same searched nodes): "
        f"{baseline:.1f} pods/s; ratio engine/baseline = {rate / baseline:.4f}"
    )
    print(f"placement digest {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
