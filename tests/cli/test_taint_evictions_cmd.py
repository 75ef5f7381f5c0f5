"""``vigil taint-evictions`` on the multi-team export: the unreachable worker."""

from __future__ import annotations

from tests.cli.fixture import EXPORT, run, run_json


def test_unreachable_worker() -> None:
    data = run_json("taint-evictions", EXPORT)
    assert [(d["pod"], d["evicted"], d["evictAfterSeconds"], d["taint"]) for d in data] == [
        ("kube-system/kube-proxy-h5j3c", False, None, "node.kubernetes.io/unreachable:NoExecute"),
        ("shop/web-5d8f7b9c44-r7d2l", True, 300, "node.kubernetes.io/unreachable:NoExecute"),
    ]
    assert all(d["node"] == "worker-c" for d in data)


def test_text_node_filter_and_errors() -> None:
    code, out, _ = run("taint-evictions", EXPORT, "--node", "worker-a")
    assert (code, out.strip()) == (0, "no pod runs on a node with NoExecute taints")
    code, out, _ = run("taint-evictions", EXPORT)
    assert out.splitlines()[0].split() == ["POD", "NODE", "EVICTED", "AFTER", "TAINT", "WHY"]
    assert max(len(line) for line in out.splitlines()) <= 120
    code, _, err = run("taint-evictions", EXPORT, "--node", "nope")
    assert (code, err.strip()) == (2, "Error: no node nope in the input")
