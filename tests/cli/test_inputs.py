"""Reading inputs: files, directories, standard input, bounds and errors."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from vigil.cli.inputs import InputError, read_bytes, read_stdin, read_text


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        read_text(tmp_path / "nope.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("x" * 100, encoding="utf-8")
    with pytest.raises(InputError, match="larger than 10 bytes"):
        read_text(big, 10)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_text(binary)
    assert read_bytes(binary) == b"\xff\xfe\x00"
    with pytest.raises(InputError, match="is a directory"):
        read_bytes(tmp_path)


def test_stdin_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"kind: Pod\n")))
    assert read_text("-") == "kind: Pod\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 20)))
    with pytest.raises(InputError, match="standard input larger than 10 bytes"):
        read_stdin(10)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xff")))
    with pytest.raises(InputError, match="standard input is not UTF-8 text"):
        read_text("-")


def test_files_without_a_size_are_read_within_the_bound(tmp_path: Path) -> None:
    """A pipe or a device has no size to check first (``<(...)``, ``/dev/zero``)."""
    with pytest.raises(InputError, match=r"^/dev/zero: larger than 10 bytes$"):
        read_bytes("/dev/zero", 10)
