"""Configuration files are read bounded, as UTF-8 YAML, with one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.configfile import (
    MAX_CONFIG_BYTES,
    ConfigFileError,
    read_config_file,
    split_host_port,
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", None),
        (b"listen: 127.0.0.1:7070\n", {"listen": "127.0.0.1:7070"}),
        (b"- a\n- b\n", ["a", "b"]),
        ("name: Jos\u00e9\n".encode(), {"name": "Jos\u00e9"}),
    ],
)
def test_yaml_data_is_returned_whatever_its_shape(
    tmp_path: Path, content: bytes, expected: object
) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(content)
    assert read_config_file(path) == expected


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"a: [unclosed\n", " line 2 invalid YAML: "),
        (b"a: 1\n\tb: 2\n", " line 2 invalid YAML: "),
        (b"a: \xff\n", ": not UTF-8 text"),
        (b"#" * (MAX_CONFIG_BYTES + 1), f": larger than {MAX_CONFIG_BYTES} bytes"),
        (b"a: !!python/object:os.system x\n", "invalid YAML"),
    ],
)
def test_bad_files_are_one_line_naming_the_file(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigFileError) as caught:
        read_config_file(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert said in message
    assert "\n" not in message


def test_a_missing_file_says_why(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"c\.yaml: cannot read: No such file"):
        read_config_file(tmp_path / "c.yaml")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:80", ("127.0.0.1", 80)),
        ("[::1]:0", ("::1", 0)),
        ("h:65535", ("h", 65535)),
        ("[::1]:7070", ("::1", 7070)),
    ],
)
def test_split_host_port(value: str, expected: tuple[str, int]) -> None:
    assert split_host_port(value) == expected


@pytest.mark.parametrize("value", ["8000", ":80", "h:x", "h:65536", "[]:1", "a b:1"])
def test_split_host_port_rejects(value: str) -> None:
    with pytest.raises(ValueError, match=r"HOST:PORT|invalid host"):
        split_host_port(value)
