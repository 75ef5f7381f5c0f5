"""Generated cluster exports shaped like ``kubectl get ... -A -o yaml|json``, for benchmarks.

``generate`` builds, from a seed, the objects of a multi-team cluster: namespaces, PriorityClasses,
nodes (labels, a few taints, capacity and allocatable, conditions, addresses, node info and a
list of cached images, as kubelets report them), Deployments with their ReplicaSets, running
pods bound to nodes (owner references, the admission tolerations, resolved priorities, env,
probes, projected service-account volumes, container statuses and conditions) and
PodDisruptionBudgets. ``to_yaml`` writes them as kubectl does (one ``kind: List`` document,
block style, strings quoted only when YAML would read them otherwise); ``to_json`` with orjson.

Not a script: imported by ``load.py`` and ``drain.py`` (by path, since ``benchmarks/`` is not
on ``sys.path``).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from typing import Any

import orjson

ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
TEAMS = tuple(f"team-{i:02d}" for i in range(20))
T0 = "2026-01-05T08:00:00Z"
_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
_KEYWORDS = frozenset(
    {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", "True", "False", "Null"}
)


def _uid(rng: random.Random) -> str:
    return "%08x-%04x-%04x-%04x-%012x" % (  # noqa: UP031
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(16),
        rng.getrandbits(16),
        rng.getrandbits(48),
    )


def _node(i: int, rng: random.Random) -> dict[str, Any]:
    name = f"node-{i:05d}"
    zone = ZONES[i % len(ZONES)]
    cpu = rng.choice((8, 16, 32))
    mem_gi = cpu * 4
    taints = []
    if i % 50 == 0:
        taints.append({"key": "dedicated", "value": "gpu", "effect": "NoSchedule"})
    if i % 97 == 0:
        taints.append({"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"})
    images = [
        {
            "names": [f"registry.example.com/team/app-{j}@sha256:{rng.getrandbits(64):016x}"],
            "sizeBytes": rng.randrange(10_000_000, 900_000_000),
        }
        for j in range(12)
    ]
    node: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": T0,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": f"m5.{cpu // 4}xlarge",
                "topology.kubernetes.io/region": "eu-west-1",
                "topology.kubernetes.io/zone": zone,
            },
            "name": name,
            "resourceVersion": str(rng.randrange(10**6, 10**8)),
            "uid": _uid(rng),
        },
        "spec": {
            "podCIDR": f"10.{i // 256}.{i % 256}.0/24",
            "providerID": f"aws:///{zone}/i-{i:017x}",
        },
        "status": {
            "addresses": [
                {"address": f"10.0.{i // 256}.{i % 256}", "type": "InternalIP"},
                {"address": name, "type": "Hostname"},
            ],
            "allocatable": {
                "cpu": f"{cpu * 1000 - 100}m",
                "ephemeral-storage": "95551679124",
                "memory": f"{mem_gi * 1024 * 1024 - 700000}Ki",
                "pods": "110",
            },
            "capacity": {
                "cpu": str(cpu),
                "ephemeral-storage": "103686148Ki",
                "memory": f"{mem_gi * 1024 * 1024}Ki",
                "pods": "110",
            },
            "conditions": [
                {
                    "lastHeartbeatTime": T0,
                    "lastTransitionTime": T0,
                    "message": message,
                    "reason": reason,
                    "status": status,
                    "type": kind,
                }
                for kind, status, reason, message in (
                    (
                        "MemoryPressure",
                        "False",
                        "KubeletHasSufficientMemory",
                        "kubelet has sufficient memory available",
                    ),
                    (
                        "DiskPressure",
                        "False",
                        "KubeletHasNoDiskPressure",
                        "kubelet has no disk pressure",
                    ),
                    (
                        "PIDPressure",
                        "False",
                        "KubeletHasSufficientPID",
                        "kubelet has sufficient PID available",
                    ),
                    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
                )
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images,
            "nodeInfo": {
                "architecture": "amd64",
                "containerRuntimeVersion": "containerd://1.7.22",
                "kernelVersion": "6.1.112",
                "kubeProxyVersion": "v1.31.2",
                "kubeletVersion": "v1.31.2",
                "operatingSystem": "linux",
                "osImage": "Amazon Linux 2023",
            },
        },
    }
    if taints:
        node["spec"]["taints"] = taints
    return node


def _pod(
    *,
    name: str,
    team: str,
    app: str,
    rs: dict[str, Any],
    node: str,
    priority: tuple[str, int],
    rng: random.Random,
) -> dict[str, Any]:
    tmpl = rs["spec"]["template"]
    labels = dict(tmpl["metadata"]["labels"])
    cpu, mem = rng.choice(((100, 128), (250, 256), (500, 512), (1000, 1024)))
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": T0,
            "generateName": f"{rs['metadata']['name']}-",
            "labels": labels,
            "name": name,
            "namespace": team,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "ReplicaSet",
                    "name": rs["metadata"]["name"],
                    "uid": rs["metadata"]["uid"],
                }
            ],
            "resourceVersion": str(rng.randrange(10**6, 10**8)),
            "uid": _uid(rng),
        },
        "spec": {
            "containers": [
                {
                    "env": [
                        {"name": "APP", "value": app},
                        {
                            "name": "POD_NAME",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}
                            },
                        },
                    ],
                    "image": f"registry.example.com/{team}/{app}:1.{rng.randrange(40)}.0",
                    "imagePullPolicy": "IfNotPresent",
                    "livenessProbe": {
                        "failureThreshold": 3,
                        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "timeoutSeconds": 1,
                    },
                    "name": app,
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "resources": {
                        "limits": {"cpu": f"{cpu * 2}m", "memory": f"{mem * 2}Mi"},
                        "requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"},
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "volumeMounts": [
                        {
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                            "name": "kube-api-access",
                            "readOnly": True,
                        }
                    ],
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": True,
            "nodeName": node,
            "preemptionPolicy": "PreemptLowerPriority",
            "priority": priority[1],
            "priorityClassName": priority[0],
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "serviceAccount": "default",
            "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [
                {
                    "effect": "NoExecute",
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "tolerationSeconds": 300,
                },
                {
                    "effect": "NoExecute",
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "tolerationSeconds": 300,
                },
            ],
            "volumes": [
                {
                    "name": "kube-api-access",
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                    "name": "kube-root-ca.crt",
                                }
                            },
                        ],
                    },
                }
            ],
        },
        "status": {
            "conditions": [
                {"lastProbeTime": None, "lastTransitionTime": T0, "status": "True", "type": kind}
                for kind in (
                    "PodReadyToStartContainers",
                    "Initialized",
                    "Ready",
                    "ContainersReady",
                    "PodScheduled",
                )
            ],
            "containerStatuses": [
                {
                    "containerID": f"containerd://{rng.getrandbits(64):016x}",
                    "image": f"registry.example.com/{team}/{app}:1.0.0",
                    "imageID": f"registry.example.com/{team}/{app}@sha256:{rng.getrandbits(64):016x}",
                    "lastState": {},
                    "name": app,
                    "ready": True,
                    "restartCount": 0,
                    "started": True,
                    "state": {"running": {"startedAt": T0}},
                }
            ],
            "hostIP": "10.0.0.1",
            "phase": "Running",
            "podIP": f"10.244.{rng.randrange(256)}.{rng.randrange(256)}",
            "qosClass": "Burstable",
            "startTime": T0,
        },
    }


def generate(nodes: int, pods: int, seed: int = 1, replicas: int = 5) -> list[dict[str, Any]]:
    """The objects of a cluster with ``nodes`` nodes and ``pods`` running pods, ``replicas``
    pods per Deployment, each Deployment with a ReplicaSet and a PDB (``maxUnavailable: 1``)."""
    rng = random.Random(seed)
    items: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": t, "labels": {"team": t}, "uid": _uid(rng)},
        }
        for t in TEAMS
    ]
    classes = (("critical", 100000), ("normal", 1000), ("batch", 10))
    items += [
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name, "uid": _uid(rng)},
            "value": value,
            "preemptionPolicy": "PreemptLowerPriority",
        }
        for name, value in classes
    ]
    node_objs = [_node(i, rng) for i in range(nodes)]
    items += node_objs
    node_names = [n["metadata"]["name"] for n in node_objs]
    placed = 0
    d = 0
    while placed < pods:
        team = TEAMS[d % len(TEAMS)]
        app = f"app-{d:05d}"
        count = min(replicas, pods - placed)
        dep_uid, rs_uid, pth = _uid(rng), _uid(rng), f"{rng.getrandbits(40):010x}"
        labels = {"app": app, "team": team}
        template = {
            "metadata": {"labels": {**labels, "pod-template-hash": pth}},
            "spec": {
                "containers": [{"name": app, "image": f"registry.example.com/{team}/{app}:1.0.0"}]
            },
        }
        items.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": app,
                    "namespace": team,
                    "uid": dep_uid,
                    "generation": 1,
                    "labels": labels,
                },
                "spec": {
                    "replicas": count,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": template["spec"]},
                },
                "status": {"availableReplicas": count, "readyReplicas": count, "replicas": count},
            }
        )
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{app}-{pth}",
                "namespace": team,
                "uid": rs_uid,
                "labels": template["metadata"]["labels"],
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": app,
                        "uid": dep_uid,
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {
                "replicas": count,
                "selector": {"matchLabels": template["metadata"]["labels"]},
                "template": template,
            },
            "status": {"replicas": count, "readyReplicas": count},
        }
        items.append(rs)
        priority = classes[d % 3]
        for r in range(count):
            node = node_names[(placed + r * 7) % len(node_names)]
            items.append(
                _pod(
                    name=f"{app}-{pth[:5]}-{r:05d}",
                    team=team,
                    app=app,
                    rs=rs,
                    node=node,
                    priority=priority,
                    rng=rng,
                )
            )
        items.append(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": app, "namespace": team, "uid": _uid(rng), "generation": 1},
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels}},
                "status": {
                    "currentHealthy": count,
                    "desiredHealthy": count - 1,
                    "disruptionsAllowed": 1,
                    "expectedPods": count,
                    "observedGeneration": 1,
                },
            }
        )
        placed += count
        d += 1
    return items


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text not in _KEYWORDS:
        return text
    return json.dumps(text)


def _emit(value: Any, indent: str, out: list[str]) -> None:
    """Block-style YAML lines of a mapping or a list (kubectl's layout: list items at the
    indentation of their key)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) and item:
                out.append(f"{indent}{key}:")
                _emit(item, indent + "  ", out)
            elif isinstance(item, list) and item:
                out.append(f"{indent}{key}:")
                _emit(item, indent, out)
            elif isinstance(item, dict | list):
                out.append(f"{indent}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                out.append(f"{indent}{key}: {_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict) and item:
                lines: list[str] = []
                _emit(item, indent + "  ", lines)
                lines[0] = f"{indent}- {lines[0][len(indent) + 2 :]}"
                out.extend(lines)
            else:
                out.append(f"{indent}- {_scalar(item)}")


def _yaml_chunks(items: list[dict[str, Any]]) -> Iterator[str]:
    yield "apiVersion: v1\nitems:\n"
    for item in items:
        lines: list[str] = []
        _emit([item], "", lines)
        yield "\n".join(lines) + "\n"
    yield 'kind: List\nmetadata:\n  resourceVersion: ""\n'


def to_yaml(items: list[dict[str, Any]]) -> bytes:
    """``kubectl get ... -o yaml``: one List document."""
    return "".join(_yaml_chunks(items)).encode()


def to_json(items: list[dict[str, Any]]) -> bytes:
    """``kubectl get ... -o json`` (indented by 2 where kubectl indents by 4)."""
    doc = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)
