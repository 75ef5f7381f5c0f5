"""Loading for commands: one-line errors, notes on standard error, progress on long loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.cli.cluster_input import (
    InputError,
    ProgressLine,
    load_cluster,
    load_inventory,
    require_node,
    require_pod,
)
from vigil.cluster import LoadProgress


def test_errors_and_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cm.yaml").write_text("kind: ConfigMap\nmetadata: {name: x}\n")
    cluster = load_cluster([str(tmp_path)])
    assert cluster.pods == []
    assert capsys.readouterr().err == (
        f'note: {tmp_path}/cm.yaml: ConfigMap default/x: kind "ConfigMap" is not read by vigil\n'
    )
    with pytest.raises(InputError) as info:
        load_cluster([str(tmp_path / "none.yaml")])
    assert info.value.exit_code == 2


def test_progress_only_for_long_loads(capsys: pytest.CaptureFixture[str]) -> None:
    ticks = iter([0.0, 0.5, 1.5, 1.7, 3.0, 3.1])
    line = ProgressLine(clock=lambda: next(ticks))
    event = LoadProgress("decoding", "big.yaml", 4000, 50, 100)
    line(event)
    line(event)
    line(event)
    line(event)
    line(LoadProgress("parsing", "huge.yaml", 0, 0, 2**30, 300 * 2**20))
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "loading: decoding (big.yaml): 50% of input, 4,000 objects, 2s",
        "loading: decoding (big.yaml): 50% of input, 4,000 objects, 3s",
        "loading: parsing huge.yaml (300 MiB)",
    ]


def test_posture_inputs_are_read_recursively_sorted_and_located(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.yml").write_text("---\nkind: Namespace\nmetadata: {name: z}\n")
    (tmp_path / "a.json").write_text('{"kind": "Namespace", "metadata": {"name": "a"}}')
    (tmp_path / "notes.txt").write_text("no")
    inventory = load_inventory([str(tmp_path)])
    assert [(e.ref.source, e.ref.line, e.obj.name) for e in inventory.namespaces] == [
        (str(tmp_path / "a.json"), 1, "a"),
        (str(tmp_path / "b" / "z.yml"), 2, "z"),
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("none.yaml", None, "none.yaml: no such file or directory"),
        (
            "bad.yaml",
            b"kind: Pod\nmetadata: {name: p}\n",
            "bad.yaml:1: Pod default/p: spec: required",
        ),
        ("bin.yaml", b"a: \xff\n", "bin.yaml: line 1: invalid UTF-8"),
    ],
)
def test_posture_input_errors_are_one_line(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as info:
        load_inventory([str(tmp_path / name)])
    assert str(info.value.message) == f"{tmp_path}/{message}"
    assert info.value.exit_code == 2


def test_missing_node_and_pod_are_input_errors() -> None:
    cluster = load_cluster([], quiet=True)
    with pytest.raises(InputError, match=r"^no node n1 in the input$"):
        require_node(cluster, "n1")
    with pytest.raises(InputError, match=r"^no pod a/b in the input$"):
        require_pod(cluster, "a/b")
