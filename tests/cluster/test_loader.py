"""Loading manifests: documents, lists, every field of the model, and one-line errors."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from vigil.cluster import LoadProgress, ManifestError, Pod, load_manifests, parse_documents
from vigil.cluster.loader import build_cluster

FULL_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {app: web}
  creationTimestamp: "2026-01-02T03:04:05Z"
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-abc, uid: u1, controller: true}
spec:
  schedulerName: default-scheduler
  priority: 7
  preemptionPolicy: Never
  nodeSelector: {disk: ssd}
  overhead: {cpu: 10m}
  resources: {requests: {cpu: "2"}}
  initContainers:
  - name: log
    restartPolicy: Always
    resources: {requests: {cpu: 100m}}
  - name: setup
    resources: {requests: {memory: 1Gi}}
  containers:
  - name: app
    image: nginx
    resources:
      requests: {cpu: 500m, memory: 128Mi, example.com/gpu: 1}
      limits: {cpu: "1"}
    ports:
    - {containerPort: 80, hostPort: 8080, hostIP: 10.0.0.1, protocol: UDP}
    - {containerPort: 81}
  tolerations:
  - {key: dedicated, operator: Equal, value: gpu, effect: NoExecute, tolerationSeconds: 30}
  - {operator: Exists}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: gen, operator: Gt, values: ["3"]}]
          matchFields: [{key: metadata.name, operator: In, values: [n1]}]
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 5
        preference: {matchExpressions: [{key: zone, operator: In, values: [a]}]}
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: zone
        labelSelector: {matchLabels: {app: db}}
        namespaces: [data]
        namespaceSelector: {matchLabels: {team: x}}
        matchLabelKeys: [version]
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 10
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector: {matchLabels: {app: web}}
    minDomains: 3
    nodeAffinityPolicy: Ignore
    nodeTaintsPolicy: Honor
    matchLabelKeys: [pod-template-hash]
status:
  phase: Running
  nominatedNodeName: n2
  conditions: [{type: Ready, status: "True"}]
"""


def _one(text: str) -> object:
    objects, _ = parse_documents(text, "f.yaml")
    assert len(objects) == 1
    return objects[0]


def test_full_pod_is_decoded() -> None:
    pod = _one(FULL_POD)
    assert isinstance(pod, Pod)
    assert pod.key == "shop/web"
    assert pod.metadata.controller() is not None
    assert pod.metadata.creation_timestamp is not None
    spec = pod.spec
    assert spec.priority == 7
    assert spec.preemption_policy == "Never"
    assert spec.node_selector == {"disk": "ssd"}
    assert spec.overhead == {"cpu": Fraction(1, 100)}
    assert spec.resources is not None
    assert spec.resources.requests == {"cpu": Fraction(2)}
    assert spec.init_containers[0].is_sidecar
    assert not spec.init_containers[1].is_sidecar
    app = spec.containers[0]
    assert app.resources.requests["example.com/gpu"] == 1
    assert app.ports[0].host_port == 8080
    assert app.ports[0].protocol == "UDP"
    assert app.ports[1].protocol == "TCP"
    assert spec.tolerations[0].toleration_seconds == 30
    assert spec.tolerations[1].operator == "Exists"
    assert spec.affinity is not None
    na = spec.affinity.node_affinity
    assert na is not None
    assert na.required is not None
    assert na.required.terms[0].match_fields[0].values == ("n1",)
    assert na.preferred[0].weight == 5
    pa = spec.affinity.pod_affinity
    assert pa is not None
    assert pa.required[0].namespaces == ("data",)
    assert pa.required[0].namespace_selector is not None
    assert pa.required[0].match_label_keys == ("version",)
    paa = spec.affinity.pod_anti_affinity
    assert paa is not None
    assert paa.preferred[0].weight == 10
    tsc = spec.topology_spread_constraints[0]
    assert (tsc.min_domains, tsc.node_affinity_policy, tsc.node_taints_policy) == (
        3,
        "Ignore",
        "Honor",
    )
    assert tsc.match_label_keys == ("pod-template-hash",)
    assert pod.status.nominated_node_name == "n2"
    assert pod.is_ready


def test_defaults_of_a_minimal_pod() -> None:
    pod = _one("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}")
    assert isinstance(pod, Pod)
    assert pod.namespace == "default"
    assert pod.spec.priority is None
    assert pod.priority == 0
    assert pod.spec.scheduler_name == "default-scheduler"
    assert pod.status.phase == "Pending"
    assert not pod.is_ready


def test_multi_document_and_list_and_skipped_kinds() -> None:
    text = """
kind: Namespace
metadata: {name: shop, labels: {team: x}}
---
---
kind: List
items:
- kind: Node
  metadata: {name: n1}
  status: {capacity: {cpu: "4", memory: 8Gi, pods: "110"}}
- kind: ConfigMap
  metadata: {name: cm}
---
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: shop}
spec: {maxUnavailable: 30%, selector: {matchLabels: {app: web}}, unhealthyPodEvictionPolicy: AlwaysAllow}
status: {disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3}
---
kind: Service
metadata: {name: web}
spec: {selector: {app: web}}
"""
    objects, skipped = parse_documents(text, "all.yaml")
    cluster = build_cluster(objects, skipped)
    assert cluster.namespace_labels() == {
        "default": {"kubernetes.io/metadata.name": "default"},
        "shop": {"team": "x", "kubernetes.io/metadata.name": "shop"},
    }
    node = cluster.node("n1")
    assert node is not None
    assert node.allocatable["memory"] == 8 * 2**30
    assert skipped == ['all.yaml: ConfigMap default/cm: kind "ConfigMap" is not read by vigil']
    pdb = cluster.pdbs[0]
    assert pdb.max_unavailable == "30%"
    assert pdb.unhealthy_pod_eviction_policy == "AlwaysAllow"
    assert pdb.status is not None
    assert pdb.status.disruptions_allowed == 1
    assert cluster.services[0].selector == {"app": "web"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "kind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, resources: {requests: {cpu: abc}}}]}",
            'f.yaml: Pod default/web: spec.containers[0].resources.requests.cpu: invalid quantity "abc"',
        ),
        (
            "kind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: []}",
            "f.yaml: Pod shop/web: spec.containers: required",
        ),
        ("kind: Pod\nmetadata: {}\nspec: {}", "f.yaml: document 1: metadata.name: required"),
        ("metadata: {name: x}", "f.yaml: document 1: kind: required"),
        (
            "kind: Node\nmetadata: {name: n1}\nspec: {taints: [{key: k, effect: Sometimes}]}",
            'f.yaml: Node n1: spec.taints[0].effect: "Sometimes" is not a valid taint effect',
        ),
        (
            "kind: Pod\nmetadata: {name: p, labels: {enabled: true}}\nspec: {containers: [{name: c}]}",
            "f.yaml: Pod default/p: metadata.labels.enabled: expected a string, got True",
        ),
        (
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n  affinity:\n    nodeAffinity:\n"
            "      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n"
            "        - matchExpressions: [{key: a, operator: Near, values: [x]}]",
            "f.yaml: Pod default/p: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            '.nodeSelectorTerms[0].matchExpressions[0].operator: "Near" is not a valid operator'
            " (expected ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'])",
        ),
        (
            "kind: PodDisruptionBudget\nmetadata: {name: b}\nspec: {minAvailable: 1, maxUnavailable: 1}",
            "f.yaml: PodDisruptionBudget default/b: spec.maxUnavailable: minAvailable and maxUnavailable "
            "cannot be both set",
        ),
        (
            "kind: PodDisruptionBudget\nmetadata: {name: b}\nspec: {minAvailable: half}",
            'f.yaml: PodDisruptionBudget default/b: spec.minAvailable: invalid value "half": expected an '
            "integer or a percentage",
        ),
        (
            "kind: PriorityClass\nmetadata: {name: huge}\nvalue: 2000000000",
            "f.yaml: PriorityClass huge: value: maximum allowed value of a user defined priority is 1000000000",
        ),
        (
            "kind: PriorityClass\nmetadata: {name: system-node-critical}\nvalue: 5",
            "f.yaml: PriorityClass system-node-critical: metadata.name: priority class names with "
            "'system-' prefix are reserved for system use only. error: value of "
            "system-node-critical PriorityClass must be 2000001000",
        ),
        (
            "kind: PriorityClass\nmetadata: {name: system-x}\nvalue: 5",
            "f.yaml: PriorityClass system-x: metadata.name: priority class names with 'system-' "
            "prefix are reserved for system use only. error: system-x is not a known system "
            "priority class",
        ),
        (
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n  topologySpreadConstraints:\n"
            "  - {maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}",
            "f.yaml: Pod default/p: spec.topologySpreadConstraints[0].maxSkew: must be greater than zero, got 0",
        ),
        ("kind: List\nitems: [3]", "f.yaml: document 1: items[0]: expected an object"),
        (
            "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}], tolerations: [{operator: Equal}]}",
            'f.yaml: Pod default/p: spec.tolerations[0].operator: Invalid value: "Equal": operator '
            'must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
        (
            "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}], tolerations: [{key: k, "
            "operator: Exists, value: v}]}",
            'f.yaml: Pod default/p: spec.tolerations[0].operator: Invalid value: "v": value must be '
            "empty when `operator` is 'Exists'",
        ),
        (
            "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}], tolerations: [{key: k, "
            "operator: Exists, effect: NoSchedule, tolerationSeconds: 5}]}",
            'f.yaml: Pod default/p: spec.tolerations[0].effect: Invalid value: "NoSchedule": effect '
            "must be 'NoExecute' when `tolerationSeconds` is set",
        ),
        (
            "kind: PodDisruptionBudget\nmetadata: {name: b}\nspec: {minAvailable: 99999999999}",
            "f.yaml: PodDisruptionBudget default/b: spec.minAvailable: 99999999999 does not fit "
            "a 32-bit integer",
        ),
        (
            "kind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1e400}",
            "f.yaml: Deployment default/d: spec.replicas: expected an integer, got inf",
        ),
        (
            "kind: Pod\nmetadata: {name: p, generation: 99999999999999999999}\nspec: {containers: [{name: c}]}",
            "f.yaml: Pod default/p: metadata.generation: 99999999999999999999 does not fit a "
            "64-bit integer",
        ),
        (
            "kind: PodDisruptionBudget\nmetadata: {name: b}\nspec:\n  minAvailable: 1\n"
            "  selector: {matchExpressions: [{key: app, operator: In, values: []}]}",
            "f.yaml: PodDisruptionBudget default/b: spec.selector.matchExpressions[0].values: "
            "Required value: must be specified when `operator` is 'In' or 'NotIn'",
        ),
        (
            "kind: PodDisruptionBudget\nmetadata: {name: b}\nspec:\n  minAvailable: 1\n"
            "  selector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}",
            "f.yaml: PodDisruptionBudget default/b: spec.selector.matchExpressions[0].values: "
            "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        ),
        (
            "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n  affinity:\n    nodeAffinity:\n"
            "      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n"
            "        - matchExpressions: [{key: a, operator: Gt, values: ['1', '2']}]",
            "f.yaml: Pod default/p: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
            ".nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified "
            "single value when `operator` is 'Lt' or 'Gt'",
        ),
    ],
)
def test_errors_are_one_line_with_file_object_and_field(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as info:
        parse_documents(text, "f.yaml")
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(ManifestError, match=r"^f\.yaml: line 2: invalid YAML: unclosed bracket"):
        parse_documents("kind: Pod\nmetadata: [\n", "f.yaml")


def test_unknown_priority_class_is_a_manifest_error() -> None:
    objects, _ = parse_documents(
        "kind: Pod\nmetadata: {name: p}\nspec: {priorityClassName: gold, containers: [{name: c}]}",
        "f.yaml",
    )
    with pytest.raises(
        ManifestError,
        match=r"Pod default/p: spec\.priorityClassName: no PriorityClass with name gold",
    ):
        build_cluster(objects)


def test_load_manifests_reads_files_and_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nodes.yaml").write_text("kind: Node\nmetadata: {name: n1}\n")
    sub = tmp_path / "apps"
    sub.mkdir()
    (sub / "pods.yml").write_text(
        "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n"
    )
    (sub / "README.md").write_text("not yaml")
    cluster = load_manifests([tmp_path])
    assert [n.name for n in cluster.nodes] == ["n1"]
    assert [p.key for p in cluster.pods] == ["default/p"]
    bad = sub / "bad.yaml"
    bad.write_text(
        "kind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, resources: {requests: {cpu: abc}}}]}"
    )
    with pytest.raises(
        ManifestError, match=r'^apps/bad\.yaml: Pod default/web: .*invalid quantity "abc"$'
    ):
        load_manifests(["."])
    with pytest.raises(ManifestError, match=r"^apps/bad\.yaml: Pod default/web: "):
        load_manifests(["apps/bad.yaml"])


def test_admission_errors_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    bad = Path("pods.yaml")
    bad.write_text(
        "kind: Pod\nmetadata: {name: web}\nspec: {priorityClassName: gold, containers: [{name: c}]}"
    )
    with pytest.raises(ManifestError) as info:
        load_manifests([bad])
    assert str(info.value) == (
        "pods.yaml: Pod default/web: spec.priorityClassName: no PriorityClass with name gold was found"
    )


def test_files_that_are_not_kubernetes_manifests_are_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("replicas: 3\nimage: {tag: latest}\n")
    (chart / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n"
    )
    (chart / "node.yaml").write_text("kind: Node\nmetadata: {name: n1}\n")
    cluster = load_manifests(["chart"])
    assert [n.name for n in cluster.nodes] == ["n1"]
    assert cluster.skipped == [
        "chart/Chart.yaml: not a Kubernetes manifest (no kind, no metadata): skipped",
        'chart/kustomization.yaml: document 1: kind "Kustomization" is not read by vigil',
        "chart/values.yaml: not a Kubernetes manifest (no kind, no metadata): skipped",
    ]


def test_standard_input_and_json_exports() -> None:
    export = (
        '{"apiVersion": "v1", "kind": "List", "items": ['
        '{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}]}'
    )
    cluster = load_manifests(["-"], stdin=lambda: export.encode())
    assert [n.name for n in cluster.nodes] == ["n1"]


def test_progress_is_reported() -> None:
    seen: list[LoadProgress] = []
    text = "kind: List\nitems:\n" + "".join(
        f"- {{kind: Node, metadata: {{name: n{i}}}}}\n" for i in range(4500)
    )
    load_manifests(["-"], stdin=text.encode, progress=seen.append)
    assert [p.phase for p in seen] == ["parsing", "decoding", "decoding", "building"]
    size = len(text)
    assert [p.bytes_done for p in seen] == [0, size * 2000 // 4500, size * 4000 // 4500, size]
    assert seen[-1].objects == 4500


def test_persisted_pods_keep_priority_and_new_ones_are_admitted() -> None:
    text = """
kind: Pod
metadata: {name: running, uid: u1, resourceVersion: "7"}
spec: {priorityClassName: deleted-class, priority: 500, nodeName: n1, containers: [{name: c}]}
---
kind: Pod
metadata: {name: new}
spec: {containers: [{name: c}]}
"""
    objects, _ = parse_documents(text, "f.yaml")
    cluster = build_cluster(objects)
    running, new = cluster.pod("default/running"), cluster.pod("default/new")
    assert running is not None
    assert new is not None
    assert running.priority == 500
    assert running.spec.tolerations == ()
    assert new.priority == 0
    assert [t.key for t in new.spec.tolerations] == [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ]


def test_bound_pods_written_without_status_are_running_and_ready() -> None:
    text = """
kind: Pod
metadata: {name: bound}
spec: {nodeName: n1, containers: [{name: c}]}
---
kind: Pod
metadata: {name: pending}
spec: {containers: [{name: c}]}
---
kind: Pod
metadata: {name: crashing}
spec: {nodeName: n1, containers: [{name: c}]}
status: {phase: Running, conditions: [{type: Ready, status: "False"}]}
"""
    objects, _ = parse_documents(text, "f.yaml")
    phases = {p.name: (p.status.phase, p.is_ready) for p in objects if isinstance(p, Pod)}
    assert phases == {
        "bound": ("Running", True),
        "pending": ("Pending", False),
        "crashing": ("Running", False),
    }


def test_multi_team_export_is_read_as_the_cluster_holds_it() -> None:
    export = Path(__file__).resolve().parents[1] / "fixtures" / "multi-team" / "export.yaml"
    cluster = load_manifests([export])
    assert cluster.skipped == []
    assert len(cluster.nodes) == 5
    assert len(cluster.pods) == 16
    report = cluster.pod("batch/report-20260302")
    assert report is not None
    assert (report.priority, report.spec.priority_class_name) == (50, "ml-low")
    web = [p for p in cluster.pods if p.labels.get("app") == "web"]
    assert len(web) == 4
    proxy = cluster.pod("kube-system/kube-proxy-q9r4t")
    assert proxy is not None
    assert len(proxy.spec.tolerations) == 7
    train = cluster.pod("batch/train-0")
    assert train is not None
    assert train.spec.containers[0].resources.requests["nvidia.com/gpu"] == 1


def test_workloads_that_are_not_expanded_are_stored_and_noted() -> None:
    text = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ops, uid: c1}
spec:
  schedule: "0 1 * * *"
  jobTemplate: {spec: {template: {spec: {containers: [{name: j}], restartPolicy: Never}}}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: nightly-1
  namespace: ops
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: c1, controller: true}]
spec:
  template: {spec: {containers: [{name: j}], restartPolicy: Never}}
"""
    objects, skipped = parse_documents(text, "f.yaml")
    cluster = build_cluster(objects, skipped, sources=["f.yaml"] * len(objects))
    assert [(w.kind, w.metadata.key) for w in cluster.workloads] == [
        ("DaemonSet", "ops/agent"),
        ("Job", "ops/nightly-1"),
        ("CronJob", "ops/nightly"),
    ]
    assert cluster.pods == []
    assert cluster.skipped == [
        "f.yaml: DaemonSet ops/agent: its pods are not in the input and vigil does not create "
        "them (only Deployments, ReplicaSets and StatefulSets are expanded)",
        "f.yaml: Job ops/nightly-1: its pods are not in the input and vigil does not create "
        "them (only Deployments, ReplicaSets and StatefulSets are expanded)",
    ]


def test_an_object_given_twice_is_noted_and_the_later_one_counts() -> None:
    """As ``kubectl apply`` of both files would leave it: the later object replaces the earlier,
    and the user is told (an accidental duplicate is not silent)."""
    pdb = "kind: PodDisruptionBudget\nmetadata: {{name: b, namespace: shop}}\nspec: {{minAvailable: {n}}}\n"
    objects, _ = parse_documents(pdb.format(n=1) + "---\n" + pdb.format(n=2), "f.yaml")
    cluster = build_cluster(objects, sources=["f.yaml", "g.yaml"])
    (only,) = cluster.pdbs
    assert only.min_available == 2
    assert cluster.skipped == [
        "g.yaml: PodDisruptionBudget shop/b is given again (first in f.yaml): the later one is used"
    ]


def test_policy_v1beta1_empty_selector_selects_nothing() -> None:
    """policy/v1beta1 gave ``selector: {}`` the meaning "no pod"; the API server converts it to a
    selector that matches nothing (pkg/apis/policy/v1beta1/conversion.go), unlike v1's {}."""
    text = (
        "apiVersion: policy/{v}\nkind: PodDisruptionBudget\nmetadata: {{name: b, namespace: s}}\n"
        "spec: {{minAvailable: 1, selector: {{}}}}\n"
    )
    beta = parse_documents(text.format(v="v1beta1"), "f.yaml")[0][0]
    ga = parse_documents(text.format(v="v1"), "f.yaml")[0][0]
    assert beta.selection().matches({"app": "web"}) is False  # type: ignore[attr-defined]
    assert ga.selection().matches({"app": "web"}) is True  # type: ignore[attr-defined]


def test_an_unrendered_helm_template_is_named_as_such() -> None:
    """A chart's templates given as they are (``{{- if``, ``{{ .Release.Name }}``) fail to parse
    or decode; the error says to render them first."""
    for text in (
        "{{- if .Values.on }}\nkind: Pod\n{{- end }}\n",
        "kind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec: {containers: [{name: c}]}\n",
    ):
        with pytest.raises(ManifestError) as info:
            parse_documents(text, "templates/pod.yaml")
        assert str(info.value).endswith(
            "(the file looks like an unrendered Helm template: render it first, e.g. "
            "`helm template RELEASE CHART | vigil COMMAND -`)"
        )
