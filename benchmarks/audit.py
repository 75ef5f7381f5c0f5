"""Manifests audited per second by ``vigil audit`` on a generated cluster export.

Generates, from a seed, an export as ``kubectl get -A -o json`` / ``-o yaml`` would give it:
``--objects`` objects in one ``List`` (default 10,000): nodes of three pools, namespaces,
PriorityClasses, and per team Deployments (with Services, some LoadBalancer or Ingress-backed),
StatefulSets, DaemonSets, CronJobs, PodDisruptionBudgets and bare pods, with the variety the
checks look at (tolerations, node selectors, affinities, privileged and hostPath containers,
critical tiers). The whole audit runs as the command does, minus printing: parse the text into
an inventory, run every check with the default policy, apply suppressions, build the JSON report.

Because machines are noisy, a baseline is measured in the same run and the ratio printed: the
rate of merely decoding the same bytes with the parsers the audit uses (orjson for JSON, yaml-rs
for YAML) and walking every object once. ``audit / baseline`` is the cost of the audit relative
to reading the input. Target: at least 5,000 objects/s on one core, end to end.

Usage: python benchmarks/audit.py [--objects 10000] [--seed 1] [--format json|yaml|both]
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != _HERE]

import argparse  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import date  # noqa: E402
from typing import Any  # noqa: E402

import orjson  # noqa: E402
import yaml  # noqa: E402
import yaml_rs  # noqa: E402

from vigil.audit import parse_sources, run_audit  # noqa: E402
from vigil.audit.report_json import report_json  # noqa: E402
from vigil.posture import PosturePolicy  # noqa: E402

_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _meta(name: str, namespace: str | None = None, **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels or {"app": name}}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def _pod_spec(rng: random.Random, app: str, team: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "priorityClassName": rng.choice(["prod-pc", "preprod-pc", "dev-pc", ""]),
        "securityContext": {"runAsNonRoot": rng.random() < 0.7},
        "containers": [
            {
                "name": app,
                "image": f"registry.example.com/{team}/{app}:1.{rng.randrange(20)}",
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                "env": [{"name": "MODE", "value": "prod"}],
            }
        ],
    }
    roll = rng.random()
    if roll < 0.05:
        spec["containers"][0]["securityContext"] = {"privileged": True}
    elif roll < 0.1:
        spec["volumes"] = [{"name": "host", "hostPath": {"path": "/var/log"}}]
    elif roll < 0.13:
        spec["tolerations"] = [{"operator": "Exists"}]
    elif roll < 0.18:
        spec["nodeSelector"] = {"pool": rng.choice(["general", "batch"])}
    elif roll < 0.23:
        spec["affinity"] = {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "topologyKey": "kubernetes.io/hostname",
                            "labelSelector": {"matchLabels": {"app": app}},
                        },
                    }
                ]
            }
        }
    return spec


def generate(objects: int, seed: int) -> list[dict[str, Any]]:
    """A cluster export of about ``objects`` objects."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    nodes = max(30, objects // 50)
    for i in range(nodes):
        pool = "critical" if i % 10 == 0 else ("batch" if i % 3 == 0 else "general")
        labels = {"kubernetes.io/hostname": f"node-{i}", "pool": pool}
        node: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": f"node-{i}", "labels": labels},
        }
        if pool == "critical":
            labels["node-restriction.kubernetes.io/isolation"] = "critical"
            node["spec"] = {
                "taints": [{"key": "dedicated", "value": "critical", "effect": "NoSchedule"}]
            }
        node["status"] = {"allocatable": {"cpu": "16", "memory": "64Gi", "pods": "110"}}
        items.append(node)
    for name, value in (("prod-pc", 4_000_000), ("preprod-pc", 2_000_000), ("dev-pc", 1_000_000)):
        items.append(
            {
                "apiVersion": "scheduling.k8s.io/v1",
                "kind": "PriorityClass",
                "metadata": {"name": name},
                "value": value,
            }
        )
    team = 0
    while len(items) < objects:
        ns = f"team-{team}"
        team += 1
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"team": ns}},
            }
        )
        for j in range(12):
            if len(items) >= objects:
                break
            app = f"svc-{j}"
            critical = rng.random() < 0.08
            labels = {"app": app, **({"vigil.dev/tier": "critical"} if critical else {})}
            kind = rng.choices(
                ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Pod"], [70, 10, 5, 5, 10]
            )[0]
            spec = _pod_spec(rng, app, ns)
            template = {"metadata": {"labels": labels}, "spec": spec}
            if kind == "Pod":
                items.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": _meta(app, ns, **labels),
                        "spec": spec,
                    }
                )
                continue
            if kind == "CronJob":
                body: dict[str, Any] = {
                    "schedule": "0 * * * *",
                    "jobTemplate": {"spec": {"template": template}},
                }
            else:
                body = {"selector": {"matchLabels": {"app": app}}, "template": template}
                if kind != "DaemonSet":
                    body["replicas"] = rng.randrange(1, 6)
            items.append(
                {"apiVersion": "apps/v1", "kind": kind, "metadata": _meta(app, ns), "spec": body}
            )
            if kind in ("Deployment", "StatefulSet") and len(items) < objects:
                service_type = "LoadBalancer" if rng.random() < 0.1 else "ClusterIP"
                items.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "metadata": _meta(app, ns),
                        "spec": {
                            "type": service_type,
                            "selector": {"app": app},
                            "ports": [{"port": 80}],
                        },
                    }
                )
            if kind == "Deployment" and len(items) < objects and rng.random() < 0.5:
                budget = rng.choice(
                    [{"maxUnavailable": 1}, {"minAvailable": 1}, {"maxUnavailable": 0}]
                )
                items.append(
                    {
                        "apiVersion": "policy/v1",
                        "kind": "PodDisruptionBudget",
                        "metadata": _meta(app, ns),
                        "spec": {**budget, "selector": {"matchLabels": {"app": app}}},
                    }
                )
    return items[:objects]


def _walk(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_walk(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_walk(v) for v in value)
    return 1


def baseline(data: bytes, fmt: str) -> int:
    """Decode and walk the export once (what any tool reading it must do)."""
    doc = orjson.loads(data) if fmt == "json" else yaml_rs.load(data, parse_datetime=False)
    assert isinstance(doc, dict)
    return sum(_walk(item) for item in doc["items"])


def audit(data: bytes, fmt: str) -> int:
    """The audit end to end, from the bytes of the export; returns the number of findings."""
    inventory = parse_sources([(f"export.{fmt}", data)])
    report = run_audit(inventory, PosturePolicy(), date(2026, 6, 1))
    return len(report_json(report)["findings"])


def _best(func: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    """Generate, audit, print objects/s and the ratio to the in-run baseline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["json", "yaml", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    items = generate(args.objects, args.seed)
    export = {"apiVersion": "v1", "kind": "List", "items": items}
    formats = ["json", "yaml"] if args.format == "both" else [args.format]
    for fmt in formats:
        if fmt == "json":
            data = orjson.dumps(export)
        else:
            data = yaml.dump(export, Dumper=_DUMPER, sort_keys=False).encode()
        base_s, _ = _best(lambda data=data, fmt=fmt: baseline(data, fmt), args.repeat)
        audit_s, findings = _best(lambda data=data, fmt=fmt: audit(data, fmt), args.repeat)
        rate = len(items) / audit_s
        print(
            f"{fmt}: {len(items)} objects ({len(data) / 1e6:.1f} MB), {findings} findings; "
            f"audit {audit_s:.2f} s = {rate:,.0f} objects/s (target 5,000); "
            f"decode-only baseline {len(items) / base_s:,.0f} objects/s; "
            f"audit/baseline {base_s / audit_s:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
