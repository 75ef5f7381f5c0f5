"""``vigil schedule``: the seed scenario end to end, output formats, explain, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vigil.cli.main import cli

SEED = Path(__file__).resolve().parents[1] / "scheduling" / "fixtures" / "seed"
NODE = str(SEED / "node.yaml")
CLASSES = str(SEED / "priority-classes.yaml")

NO_ROOM = "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."
NO_VICTIMS = "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["schedule", *args])
    return result.exit_code, result.output


def run_json(*args: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["schedule", *args, "--output", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def test_seed_without_classes_the_last_queued_pod_stays_pending() -> None:
    data = run_json(NODE, str(SEED / "pending-no-classes.yaml"))
    assert [(o["pod"], o["node"]) for o in data] == [
        ("default/dev", "node-1"),
        ("default/preprod", "node-1"),
        ("default/prod", None),
    ]
    prod = data[2]
    assert prod["message"] == f"{NO_ROOM} {NO_VICTIMS}"
    assert prod["message"].startswith(NO_ROOM)
    assert (prod["feasibleNodes"], prod["scores"], prod["nominatedNode"], prod["victims"]) == (
        [],
        {},
        None,
        [],
    )


def test_seed_with_classes_prod_preempts_dev_and_binds() -> None:
    data = run_json(NODE, CLASSES, str(SEED / "running-with-classes.yaml"))
    assert data == [
        {
            "pod": "default/prod",
            "node": "node-1",
            "feasibleNodes": ["node-1"],
            "scores": {},
            "message": "",
            "nominatedNode": "node-1",
            "victims": ["default/dev"],
        }
    ]


def test_seed_with_classes_all_pending_queue_order_follows_priority() -> None:
    data = run_json(NODE, CLASSES, str(SEED / "pending-with-classes.yaml"))
    assert [(o["pod"], o["node"]) for o in data] == [
        ("default/prod", "node-1"),
        ("default/preprod", "node-1"),
        ("default/dev", None),
    ]
    assert data[2]["message"] == f"{NO_ROOM} {NO_VICTIMS}"


def test_text_table() -> None:
    code, out = run(NODE, CLASSES, str(SEED / "running-with-classes.yaml"))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split() == ["POD", "NODE", "NOMINATED", "VICTIMS", "MESSAGE"]
    assert lines[1].split() == ["default/prod", "node-1", "node-1", "default/dev", "-"]


def test_text_table_pending_row_wraps_within_120_columns() -> None:
    code, out = run(NODE, str(SEED / "pending-no-classes.yaml"))
    assert code == 0, out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 120
    start = next(i for i, line in enumerate(lines) if line.startswith("default/prod"))
    assert "<pending>" in lines[start]
    column = lines[start].index("0/1 nodes")
    message = [lines[start][column:]]
    for line in lines[start + 1 :]:
        if not line.startswith(" " * column):
            break
        message.append(line.strip())
    assert " ".join(message) == f"{NO_ROOM} {NO_VICTIMS}"
    assert lines[-1] == "2 bound, 1 pending, 0 preempted, 0 skipped"


def test_explain_shows_plugin_verdicts_and_the_preemption() -> None:
    code, out = run(NODE, CLASSES, str(SEED / "running-with-classes.yaml"), "--explain")
    assert code == 0, out
    assert "attempt 1: FailedScheduling" in out
    assert f"message: {NO_ROOM}" in out
    verdicts = [line.split(maxsplit=2) for line in out.splitlines() if "Filter " in line]
    assert [
        "Filter",
        "NodeResourcesFit",
        "Unschedulable: Insufficient cpu, Insufficient memory",
    ] in verdicts
    assert ["Filter", "PodTopologySpread", "NotRun"] in verdicts
    assert "PostFilter DefaultPreemption: Success" in out
    assert "candidate node-1: victims default/dev (priority 1000000); PDB violations 0" in out
    flat = " ".join(out.split())
    assert "preempted default/dev on node-1" in flat
    assert "graceful termination modelled as immediate" in flat
    assert "attempt 2: Scheduled to node-1 (nominated node node-1 evaluated first)" in out


TWO_NODES = """
kind: Node
metadata: {name: a}
status: {allocatable: {cpu: "4", memory: 4Gi, pods: "10"}}
---
kind: Node
metadata: {name: b}
status: {allocatable: {cpu: "4", memory: 4Gi, pods: "10"}}
---
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: c, resources: {requests: {cpu: 500m, memory: 512Mi}}}]
"""


def _write(tmp_path: Path, text: str, name: str = "m.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_explain_scores_and_seeded_tie(tmp_path: Path) -> None:
    path = _write(tmp_path, TWO_NODES)
    code, out = run(path, "--explain", "--seed", "7")
    assert code == 0, out
    assert "Score  NodeResourcesFit" in out
    assert "raw" in out
    assert "normalized" in out
    assert "weighted" in out
    assert "total score" in out
    flat = " ".join(out.split())
    tie = flat[flat.index("tie:") :]
    assert "a, b all scored" in tie
    assert "seeded generator (--seed 7)" in tie
    assert "upstream picks one of them at random" in tie
    data = run_json(path, "--explain", "--seed", "7")
    explain = data[0]["explain"][0]
    assert explain["tie"]["candidates"] == ["a", "b"]
    assert explain["tie"]["seed"] == 7
    assert set(data[0]["scores"]) == {"a", "b"}
    assert data[0]["node"] == explain["tie"]["chosen"]


def test_seed_makes_ties_reproducible(tmp_path: Path) -> None:
    path = _write(tmp_path, TWO_NODES)
    chosen = {run_json(path, "--seed", str(s))[0]["node"] for s in range(10)}
    assert chosen == {"a", "b"}
    assert run_json(path, "--seed", "3") == run_json(path, "--seed", "3")


def test_json_without_explain_has_exactly_the_documented_keys(tmp_path: Path) -> None:
    data = run_json(_write(tmp_path, TWO_NODES))
    assert set(data[0]) == {
        "pod",
        "node",
        "feasibleNodes",
        "scores",
        "message",
        "nominatedNode",
        "victims",
    }


PODS_WITH_CLASS = """
kind: Node
metadata: {{name: n1}}
status: {{allocatable: {{cpu: "1", memory: 1Gi, pods: "10"}}}}
---
kind: Pod
metadata: {{name: old}}
spec:
  nodeName: n1
  containers: [{{name: c, resources: {{requests: {{cpu: "1"}}}}}}]
---
kind: Pod
metadata: {{name: new}}
spec:
  {spec}
  containers: [{{name: c, resources: {{requests: {{cpu: "1"}}}}}}]
"""


@pytest.mark.parametrize(
    ("classes", "spec", "node", "message"),
    [
        pytest.param(
            "kind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\nglobalDefault: true\n",
            "schedulerName: default-scheduler",
            None,
            f"0/1 nodes are available: 1 Insufficient cpu. {NO_VICTIMS}",
            id="globalDefault applies to every pod without a class (both get 1000)",
        ),
        pytest.param(
            "",
            "priorityClassName: system-node-critical",
            "n1",
            "",
            id="system class without any PriorityClass object",
        ),
        pytest.param(
            "kind: PriorityClass\nmetadata: {name: polite}\nvalue: 1000\npreemptionPolicy: Never\n",
            "priorityClassName: polite",
            None,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to "
            "preemptionPolicy=Never.",
            id="preemptionPolicy Never from the class",
        ),
    ],
)
def test_priority_class_admission(
    tmp_path: Path, classes: str, spec: str, node: str | None, message: str
) -> None:
    files = [_write(tmp_path, PODS_WITH_CLASS.format(spec=spec))]
    if classes:
        files.append(_write(tmp_path, classes, "classes.yaml"))
    data = run_json(*files)
    assert [(o["pod"], o["node"], o["message"]) for o in data] == [("default/new", node, message)]


def test_unknown_priority_class_names_the_pod(tmp_path: Path) -> None:
    path = _write(tmp_path, PODS_WITH_CLASS.format(spec="priorityClassName: nope"))
    code, out = run(path)
    assert code == 2
    assert out.strip().splitlines() == [
        f"Error: {path}: Pod default/new: spec.priorityClassName: "
        "no PriorityClass with name nope was found"
    ]


def test_invalid_manifest_is_one_line_exit_2(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "kind: Node\nmetadata: {name: n1}\nstatus: {allocatable: {cpu: lots}}\n"
    )
    code, out = run(path)
    assert code == 2
    lines = out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {path}: Node n1: ")


def test_missing_file_exit_2(tmp_path: Path) -> None:
    code, out = run(NODE, str(tmp_path / "absent.yaml"))
    assert code == 2
    assert out.strip().splitlines() == [
        f"Error: {tmp_path / 'absent.yaml'}: no such file or directory"
    ]


def test_no_files_is_a_usage_error() -> None:
    code, _ = run()
    assert code == 2


def test_directory_and_no_pending_pods(tmp_path: Path) -> None:
    (tmp_path / "node.yaml").write_text(Path(NODE).read_text(encoding="utf-8"), encoding="utf-8")
    code, out = run(str(tmp_path))
    assert code == 0
    assert out.splitlines()[0] == "no pending pods"
    assert out.splitlines()[-1] == "0 bound, 0 pending, 0 preempted, 0 skipped"
    assert run_json(str(tmp_path)) == []


FEATURES = """
kind: Node
metadata: {name: n1}
spec:
  taints: [{key: dedicated, value: db, effect: NoSchedule}]
status: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}}
---
kind: Pod
metadata: {name: gated}
spec: {schedulingGates: [{name: wait-for-quota}], containers: [{name: c}]}
---
kind: Pod
metadata: {name: elsewhere}
spec: {schedulerName: my-scheduler, containers: [{name: c}]}
---
kind: Pod
metadata: {name: orphan}
spec: {nodeName: gone, containers: [{name: c}]}
---
kind: Pod
metadata: {name: web}
spec: {containers: [{name: c, resources: {requests: {cpu: 500m}}}]}
"""


def test_pods_left_out_node_table_and_summary(tmp_path: Path) -> None:
    code, out = run(_write(tmp_path, FEATURES))
    assert code == 0, out
    assert "left out:" in out
    flat = " ".join(out.split())
    assert "default/gated has scheduling gates: wait-for-quota" in flat
    assert "default/elsewhere schedulerName my-scheduler is served by no profile" in flat
    assert "default/orphan bound to node gone, which is not in the input" in flat
    node = next(line for line in out.splitlines() if line.startswith("n1 "))
    assert node.split() == ["n1", "0/2", "0/4Gi", "0/10", "dedicated=db:NoSchedule"]
    assert out.splitlines()[-1] == "0 bound, 1 pending, 0 preempted, 3 skipped"
    code, out = run(_write(tmp_path, FEATURES), "--no-node-table")
    assert not any(line.startswith("NODE") for line in out.splitlines())


def test_fail_on_pending_exits_1(tmp_path: Path) -> None:
    path = _write(tmp_path, FEATURES)
    assert run(path)[0] == 0
    assert run(path, "--fail-on-pending")[0] == 1
    assert run(NODE, CLASSES, str(SEED / "running-with-classes.yaml"), "--fail-on-pending")[0] == 0


def test_pod_explains_one_pod() -> None:
    code, out = run(NODE, CLASSES, str(SEED / "pending-with-classes.yaml"), "--pod", "default/dev")
    assert code == 0, out
    assert [ln.split()[0] for ln in out.splitlines()[:2]] == ["POD", "default/dev"]
    assert "attempt 1: FailedScheduling" in out
    assert "default/prod:" not in out
    data = run_json(NODE, CLASSES, str(SEED / "pending-with-classes.yaml"), "--pod", "dev")
    assert [o["pod"] for o in data] == ["default/dev"]
    assert "explain" in data[0]


def test_pod_that_is_not_queued_says_why(tmp_path: Path) -> None:
    path = _write(tmp_path, FEATURES)
    (orphan,) = run_json(path, "--pod", "default/orphan")
    assert orphan["node"] == "gone"
    assert orphan["message"].startswith("not scheduled by this run: bound to node gone")
    code, out = run(path, "--pod", "default/nope")
    assert code == 2
    assert out.strip() == "Error: no pod default/nope in the input"


def test_preemption_not_eligible_keeps_the_nominated_node(tmp_path: Path) -> None:
    text = """
kind: Node
metadata: {name: n1}
status: {allocatable: {cpu: "1", memory: 1Gi, pods: "10"}}
---
kind: Pod
metadata: {name: victim, uid: v1, deletionTimestamp: "2026-01-01T10:00:00Z"}
spec: {nodeName: n1, priority: 1, containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
status:
  phase: Running
  conditions: [{type: DisruptionTarget, status: "True", reason: PreemptionByScheduler}]
---
kind: Pod
metadata: {name: preemptor, uid: p1}
spec: {priority: 100, containers: [{name: c, resources: {requests: {cpu: "1"}}}]}
status: {nominatedNodeName: n1}
"""
    (pod,) = run_json(_write(tmp_path, text))
    assert pod["node"] is None
    assert pod["nominatedNode"] == "n1"
    assert pod["message"].endswith(
        "preemption: not eligible due to a terminating pod on the nominated node."
    )


def test_config_profiles_and_errors(tmp_path: Path) -> None:
    manifests = _write(tmp_path, FEATURES)
    cfg = _write(
        tmp_path,
        """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: my-scheduler
  plugins:
    filter:
      disabled: [{name: TaintToleration}]
""",
        "sched.yaml",
    )
    data = run_json(manifests, "--config", cfg)
    assert {o["pod"]: o["node"] for o in data} == {"default/elsewhere": "n1", "default/web": None}
    bad = _write(
        tmp_path,
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
        "profiles: [{plugins: {score: {enabled: [{name: Magic}]}}}]\n",
        "bad.yaml",
    )
    code, out = run(manifests, "--config", bad)
    assert code == 2
    assert out.strip().startswith(f'Error: {bad}: profiles[0].plugins.score: plugin "Magic"')


def test_standard_input() -> None:
    text = Path(NODE).read_text() + "\n---\n" + (SEED / "pending-no-classes.yaml").read_text()
    result = CliRunner().invoke(cli, ["schedule", "-", "--output", "json"], input=text)
    assert result.exit_code == 0, result.output
    assert [o["node"] for o in json.loads(result.stdout)] == ["node-1", "node-1", None]


def test_alias_bomb_is_one_line_error(tmp_path: Path) -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    prev = "a"
    for name in "bcdefghi":
        bomb += f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n"
        prev = name
    path = _write(tmp_path, bomb)
    code, out = run(path)
    assert code == 2
    assert out.strip() == f"Error: {path}: document contains excessive aliasing"


def test_multi_team_export_schedules_only_the_pending_replica() -> None:
    from tests.cli.fixture import EXPORT

    data = run_json(EXPORT)
    assert [(o["pod"], o["node"]) for o in data] == [("shop/web-5d8f7b9c44-z3c9w", "worker-b")]
    code, out = run(EXPORT)
    assert code == 0
    assert out.splitlines()[-1] == "1 bound, 0 pending, 0 preempted, 0 skipped"


def test_hostile_keys_and_values_give_a_short_error(tmp_path: Path) -> None:
    pod = {
        "kind": "Pod",
        "metadata": {"name": "n" * 5000, "labels": {"k" * 100_000: [1, 2, 3]}},
        "spec": {"containers": [{"name": "c"}]},
    }
    path = _write(tmp_path, json.dumps(pod), "m.json")
    code, out = run(path)
    assert code == 2
    (line,) = out.strip().splitlines()
    assert len(line) < 500
    assert "expected a string, got a list of 3 item(s)" in line
    assert "(100000 characters)" in line
