"""Loading for commands: one-line errors, notes on standard error, progress on long loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.cli.cluster_input import (
    InputError,
    ProgressLine,
    load_cluster,
    require_node,
    require_pod,
)
from vigil.cluster import LoadProgress


def test_errors_and_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cm.yaml").write_text("kind: ConfigMap\nmetadata: {name: x}\n")
    cluster = load_cluster([str(tmp_path)])
    assert cluster.pods == []
    err = capsys.readouterr().err
    assert " ".join(err.split()) == (
        f'note: {tmp_path}/cm.yaml: ConfigMap default/x: kind "ConfigMap" is not read by vigil'
    )
    assert max(len(line) for line in err.splitlines()) <= 120
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


def test_missing_node_and_pod_are_input_errors() -> None:
    cluster = load_cluster([], quiet=True)
    with pytest.raises(InputError, match=r"^no node n1 in the input$"):
        require_node(cluster, "n1")
    with pytest.raises(InputError, match=r"^no pod a/b in the input$"):
        require_pod(cluster, "a/b")


@pytest.mark.parametrize(
    "content",
    [b"", b"# only a comment\n", b"---\n---\n", b"\n\n"],
    ids=["empty", "comment", "markers", "blank"],
)
def test_an_input_without_any_object_is_refused(
    tmp_path: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`helm template ... | vigil schedule -` after helm failed must not read as "nothing to do"."""
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_cluster([str(empty)], quiet=True)
    assert info.value.message == f"{empty}: no Kubernetes objects in the input"
    monkeypatch.setattr("vigil.cli.cluster_input.read_stdin_bound", lambda: content)
    with pytest.raises(InputError, match=r"^-: no Kubernetes objects in the input$"):
        load_cluster(["-"], quiet=True)


def test_objects_vigil_does_not_read_are_not_an_empty_input(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: [a.yaml]\n")
    assert len(load_cluster([str(tmp_path)], quiet=True)) == 0
