"""Script uploads: server-side extensions in multipart file names, also hidden."""

from __future__ import annotations

import pytest

from vigil.signatures.detection import Attack
from vigil.signatures.upload import detect_script_upload


@pytest.mark.parametrize(
    "name",
    ["shell.php", "x.PHTML", "cmd.jsp", "a.aspx", "shell.php.jpg", "shell.php%00.png", "run.sh"],
)
def test_script_names_are_flagged(name: str) -> None:
    found = detect_script_upload(name)
    assert found is not None
    assert found.kind is Attack.UPLOAD


@pytest.mark.parametrize(
    "name", ["photo.jpg", "report.pdf", "php-guide.txt", "notes.phpx", "aspect.png"]
)
def test_ordinary_names_pass(name: str) -> None:
    assert detect_script_upload(name) is None
