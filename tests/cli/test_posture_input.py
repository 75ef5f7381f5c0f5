"""Inputs of the posture commands: manifests located by file and line, policy files, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.cli.inputs import InputError
from vigil.cli.posture_input import load_alert_counts, load_inventory, load_policy
from vigil.posture import PosturePolicy


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


def test_policy_and_alert_files(tmp_path: Path) -> None:
    assert load_policy(None) == PosturePolicy()
    assert load_alert_counts(None) is None
    policy = tmp_path / "p.yaml"
    policy.write_text("tiers: [{name: x, minScore: -1}]\n")
    with pytest.raises(InputError, match=r"p\.yaml: tiers\[0\]\.minScore"):
        load_policy(policy)
    alerts = tmp_path / "a.jsonl"
    alerts.write_text('{"pod": "shop/web-1", "alerts": [{"severity": "high"}]}\nnot json\n')
    with pytest.raises(InputError, match=r"a\.jsonl: line 2: not a JSON object"):
        load_alert_counts(alerts)


def test_large_inputs_are_announced_before_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vigil.cli import cluster_input

    monkeypatch.setattr(cluster_input, "LARGE_INPUT", 10)
    export = tmp_path / "export.yaml"
    export.write_text("kind: Namespace\nmetadata: {name: a}\n")
    load_inventory([str(export)])
    assert capsys.readouterr().err == f"loading: parsing {export} (0 MiB)\n"
    load_inventory([str(export)], quiet=True)
    assert capsys.readouterr().err == ""


def test_an_empty_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("# nothing rendered\n")
    with pytest.raises(InputError) as info:
        load_inventory([str(tmp_path / "empty.yaml"), str(tmp_path / "empty.yaml")])
    assert info.value.message == (
        f"{tmp_path}/empty.yaml, {tmp_path}/empty.yaml: no Kubernetes objects in the input"
    )
    (tmp_path / "cm.yaml").write_text("kind: ConfigMap\nmetadata: {name: x}\n")
    assert load_inventory([str(tmp_path)]).skipped == {"ConfigMap": 1}
