"""Which inputs arguments name: files, directories, standard input, paths as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.cluster.errors import ManifestError
from vigil.cluster.sources import list_inputs


def test_directories_are_read_recursively_with_paths_below_the_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifests" / "team-a").mkdir(parents=True)
    for name in ("manifests/team-a/web.yaml", "manifests/b.json", "manifests/a.yml"):
        (tmp_path / name).write_text("a: 1\n")
    (tmp_path / "manifests" / "README.md").write_text("no")
    names = [i.name for i in list_inputs(["manifests"])]
    assert names == ["manifests/a.yml", "manifests/b.json", "manifests/team-a/web.yaml"]
    assert [i.read() for i in list_inputs(["manifests/a.yml"])] == [b"a: 1\n"]


def test_dash_is_standard_input() -> None:
    (inp,) = list_inputs(["-"], stdin=lambda: b"a: 1\n")
    assert (inp.name, inp.size, inp.read()) == ("<stdin>", 5, b"a: 1\n")


def test_missing_path_and_missing_stdin() -> None:
    with pytest.raises(ManifestError, match=r"^nope\.yaml: no such file or directory$"):
        list(list_inputs(["nope.yaml"]))
    with pytest.raises(ManifestError, match="standard input is not available"):
        list(list_inputs(["-"]))


def test_files_over_the_bound_are_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * (2**20 // 4))
    (inp,) = list_inputs([str(big)], max_bytes=2**20)
    with pytest.raises(ManifestError, match=r"big\.yaml: input of 1 MiB is larger than the 1 MiB"):
        inp.read()


def test_standard_input_can_be_named_as_the_caller_wants() -> None:
    (inp,) = list_inputs(["-"], stdin=lambda: b"", stdin_name="-")
    assert inp.name == "-"


def test_files_without_a_size_are_read_only_up_to_the_bound() -> None:
    """A device or a pipe (``<(helm template ...)``) reports size 0: the read itself is bounded."""
    (zero,) = list_inputs(["/dev/zero"], max_bytes=2 * 1024 * 1024)
    assert zero.size == 0
    with pytest.raises(ManifestError, match=r"^/dev/zero: input is larger than the 2 MiB bound$"):
        zero.read()
