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


def test_a_helm_chart_file_is_skipped_as_the_cluster_loader_skips_it() -> None:
    """Chart.yaml has an apiVersion (v2) but neither kind nor metadata: not a manifest, as
    `vigil schedule` reads it; a document with metadata but no kind is still an error."""
    chart = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
    inv = parse_sources([("chart/Chart.yaml", chart)])
    assert inv.skipped == {"documents without kind or apiVersion": 1}
    with pytest.raises(InventoryError, match="kind: required"):
        parse_sources([("f.yaml", "apiVersion: v1\nmetadata: {name: x}\n")])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: [", "f.yaml: line 1: invalid YAML: unclosed bracket"),
        ("- 1\n- 2\n", "f.yaml: document 1: expected an object, got a list of 2 item(s)"),
        ("kind: List\nitems: 3\n", "f.yaml: document 1: items: expected a list"),
        ("kind: List\nitems: [3]\n", "f.yaml: document 1: items[0]: expected an object"),
        ("---\n---\n3\n", "f.yaml: document 1: expected an object, got 3"),
        ("[1, 2", "f.yaml: line 1: invalid JSON"),
        (b"kind: Pod\nmetadata: {name: \xff}\n", "f.yaml: line 2: invalid UTF-8"),
    ],
)
def test_unreadable_input_names_the_source(text: str | bytes, message: str) -> None:
    with pytest.raises(InventoryError) as err:
        parse_sources([("f.yaml", text)])
    assert str(err.value).startswith(message)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("kind: Pod")
    bomb = "\n".join(lines) + "\n"
    assert len(bomb) < 1000
    with pytest.raises(InventoryError, match=r"f\.yaml: document contains excessive aliasing"):
        parse_sources([("f.yaml", bomb)])


def test_objects_carry_the_line_of_their_document_and_harmless_aliases_are_fine() -> None:
    text = (
        "# team web\n---\nkind: Namespace\nmetadata: {name: shop}\n---\n"
        "base: &b {app: x}\nkind: Pod\nmetadata: {name: p, namespace: shop, labels: *b}\n"
        "spec: {containers: [{name: c}]}\n"
    )
    inv = parse_sources([("f.yaml", text)])
    assert [e.ref.line for e in inv.namespaces] == [3]
    ((pod),) = inv.pods
    assert (pod.ref.line, dict(pod.pod_labels)) == (6, {"app": "x"})


def test_nameless_objects_are_named_by_their_document_among_non_empty_ones() -> None:
    text = "---\n# empty\n---\nkind: Pod\nmetadata: {namespace: shop}\nspec: {containers: []}\n"
    with pytest.raises(InventoryError) as err:
        parse_sources([("f.yaml", text)])
    assert str(err.value) == "f.yaml:4: Pod shop/document 1: metadata.name: required"


def test_an_unrendered_helm_template_is_named_as_such() -> None:
    text = "kind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec: {containers: [{name: c}]}\n"
    with pytest.raises(InventoryError, match="unrendered Helm template: render it first"):
        parse_sources([("templates/pod.yaml", text)])
