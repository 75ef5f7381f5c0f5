"""The audit inventory: kinds, templates, owned objects, status and input errors."""

from __future__ import annotations

import pytest

from vigil.audit import InventoryError, parse_sources

WORKLOADS = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: data}
spec:
  schedule: "0 1 * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: nightly}, annotations: {a: b}}
        spec:
          containers: [{name: j, image: job:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: w, image: web:1}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-abc
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u, controller: true}]
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: w, image: web:1}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-abc-1
  namespace: shop
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: u2, controller: true}]
spec: {nodeName: n1, containers: [{name: w, image: web:1}]}
status: {phase: Running, conditions: [{type: Ready, status: "False"}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
"""


def test_kinds_templates_and_owned_objects() -> None:
    inv = parse_sources([("w.yaml", WORKLOADS)])
    assert [(h.ref.kind, h.ref.name, h.replicas) for h in inv.holders] == [
        ("CronJob", "nightly", None),
        ("Deployment", "web", 1),
    ]
    cron = inv.holders[0]
    assert cron.pod_labels == {"app": "nightly"}
    assert dict(cron.annotations) == {"a": "b"}
    assert cron.ref.line == 2
    (pod,) = inv.pods
    assert (pod.bound, pod.ready, pod.crash_looping) == (True, False, False)
    assert inv.skipped == {"ClusterRole": 1, "ConfigMap": 1}
    assert inv.object_count == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: Pod\nmetadata: {name: p}\n", "f.yaml:1: Pod default/p: spec: required"),
        (
            "kind: Deployment\nmetadata: {name: d, namespace: x}\nspec: {}\n",
            "f.yaml:1: Deployment x/d: spec.template: required",
        ),
        ("apiVersion: v1\nmetadata: {name: p}\n", "f.yaml:1: document 1: kind: required"),
        (
            "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, securityContext: {privileged: maybe}}]}\n",
            "f.yaml:1: Pod default/p: spec.containers[0].securityContext.privileged: expected a boolean",
        ),
        (
            "kind: Node\nmetadata: {name: n, labels: {a: " + "x" * 1000 + "}}\nspec: {taints: 3}\n",
            "f.yaml:1: Node n: spec.taints: expected a list",
        ),
    ],
)
def test_errors_name_file_line_object_and_field(text: str, message: str) -> None:
    with pytest.raises(InventoryError) as err:
        parse_sources([("f.yaml", text)])
    assert str(err.value).startswith(message)
    assert len(str(err.value)) < 400


def test_long_values_in_errors_are_cut() -> None:
    text = (
        "kind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: '"
        + "y" * 5000
        + "', containers: [{name: c}]}\n"
    )
    with pytest.raises(InventoryError) as err:
        parse_sources([("f.yaml", text)])
    assert len(str(err.value)) < 400


def test_documents_that_are_not_kubernetes_objects_are_counted() -> None:
    inv = parse_sources([("values.yaml", "replicaCount: 3\nimage: {tag: x}\n")])
    assert inv.skipped == {"documents without kind or apiVersion": 1}
