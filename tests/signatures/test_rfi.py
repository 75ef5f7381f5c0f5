"""Remote file inclusion: URLs shaped as include targets, and links that are only links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.signatures.detection import EVIDENCE_LIMIT, Attack
from vigil.signatures.rfi import (
    MAX_SCAN,
    detect_include_parameter,
    detect_rfi,
    include_shaped,
    name_words,
)
from vigil.signatures.scan import routed

ATTACKS = [
    (
        "http://evil.test/shell.txt?",
        "URL ending in ? that turns the application's suffix into a query",
    ),
    (
        "https://evil.test/x.txt??",
        "URL ending in ? that turns the application's suffix into a query",
    ),
    (
        "  ftp://evil.test/r57.txt?",
        "URL ending in ? that turns the application's suffix into a query",
    ),
    ("http://evil.test?", "URL ending in ? that turns the application's suffix into a query"),
    ("http://evil.test/shell.txt\x00", "URL with a NUL that cuts the application's suffix"),
    (
        "http://evil.test/c99.txt#",
        "URL ending in # that turns the application's suffix into a fragment",
    ),
    ("http://203.0.113.9/x.php", "http URL to a .php file on a host given as an address"),
    ("https://3405803785/cmd.txt", "https URL to a .txt file on a host given as an address"),
    ("ftp://[2001:db8::1]/inc/config.inc", "ftp URL to a .inc file on a host given as an address"),
    (
        "http://user@198.51.100.4:8080/a/b.jsp",
        "http URL to a .jsp file on a host given as an address",
    ),
    ("php://input", "PHP stream wrapper php://"),
    ("PHP://filter/read=convert.base64-encode/resource=config", "PHP stream wrapper php://"),
    ("expect://id", "PHP stream wrapper expect://"),
    ("phar://uploads/avatar.jpg/shell", "PHP stream wrapper phar://"),
    ("zip://uploads/a.zip#shell.php", "PHP stream wrapper zip://"),
    ("compress.zlib://http://evil.test/x", "PHP stream wrapper compress.zlib://"),
    ("data:text/plain;base64,PD9waHAgcGhwaW5mbygpOyA/Pg==", "data: URL carrying PHP code"),
    ("data://text/plain,<?php system('id'); ?>", "data: URL carrying PHP code"),
    ("data:text/plain,%3C%3Fphp%20phpinfo()%3F%3E", "data: URL carrying PHP code"),
    ("data:application/x-httpd-php,anything", "data: URL of type application/x-httpd-php"),
    ("\\\\198.51.100.7\\share\\shell.php", "UNC path to \\\\198.51.100.7\\share"),
    ("\\\\files.evil.test\\pub$", "UNC path to \\\\files.evil.test\\pub$"),
    ("jar:http://evil.test/payload.jar!/", "jar: URL (Java opens the archive it names)"),
    ("jar:file:/opt/app/lib/a.jar!/x.class", "jar: URL (Java opens the archive it names)"),
    ("file:///etc/passwd", "file: URL (the server opens a local file)"),
    ("local_file:///etc/passwd", "local_file: URL (the server opens a local file)"),
]

BENIGN = [
    "https://example.org/page",
    "https://example.org/search?q=vigil&page=2",
    "https://example.org/#/settings",
    "https://api.example.org/v1/items?",
    "https://cdn.example.org/img/logo.png",
    "http://203.0.113.9/logo.png",
    "http://203.0.113.9:8080/hooks/deploy",
    "https://example.org/docs/readme.txt",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8",
    "data:text/plain;charset=utf-8,hello%20world",
    "see http://evil.test/shell.txt? in the log",
    "Did you read https://example.org/faq ?",
    "mailto:ana@example.org",
    "https?",
    "file name.txt",
    "\\\\d+\\w*",
    "C:\\Users\\ana\\notes.txt",
    "jar",
    "php is fun",
]


@pytest.mark.parametrize(("value", "reason"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_include_targets_are_detected(value: str, reason: str) -> None:
    found = detect_rfi(value)
    assert found is not None, value
    assert found.kind is Attack.RFI
    assert found.reason == reason
    assert Attack.RFI in routed(value)


@pytest.mark.parametrize("value", BENIGN)
def test_links_and_look_alikes_pass(value: str) -> None:
    assert detect_rfi(value) is None


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("_CONF[path]", {"conf", "path"}),
        ("mosConfig_absolute_path", {"mos", "config", "absolute", "path"}),
        ("GALLERY_BASEDIR", {"gallery", "basedir"}),
        ("baseDir", {"base", "dir"}),
        ("config[root_dir]", {"config", "root", "dir"}),
        ("", set()),
    ],
)
def test_names_are_read_as_words(name: str, words: set[str]) -> None:
    assert name_words(name) == words


@pytest.mark.parametrize(
    ("name", "value", "flagged"),
    [
        ("_CONF[path]", "https://evil.test", True),
        ("mosConfig_absolute_path", "http://evil.test/", True),
        ("GALLERY_BASEDIR", "ftp://evil.test/x/", True),
        ("_SERVER[DOCUMENT_ROOT]", " http://evil.test", True),
        ("include", "\\\\evil.test\\share", True),
        ("templateDir", "https://evil.test/t/", True),
        ("_CONF[path]", "/var/www/html", False),
        ("path", "docs/intro", False),
        ("root_url", "https://example.org/", False),
        ("redirectPath", "https://example.org/after-login", False),
        ("image_path_url", "https://cdn.example.org/a.png", False),
        ("website", "https://example.org", False),
        ("file", "https://example.org/paper.pdf", False),
        ("page", "https://example.org/article", False),
        ("dir", "ltr", False),
    ],
)
def test_remote_locations_in_file_system_parameters(name: str, value: str, flagged: bool) -> None:
    found = detect_include_parameter(name, value)
    assert (found is not None) is flagged
    if found is not None:
        assert found.kind is Attack.RFI
        assert name in found.reason


def test_link_words_win_over_path_words() -> None:
    assert include_shaped("basedir")
    assert not include_shaped("basedir_url")


_FRAGMENTS = st.sampled_from(
    [
        "http://",
        "https://",
        "php://",
        "data:",
        ";base64,",
        "PD9w",
        "<?php",
        "jar:",
        "file:",
        "\\\\",
        "\\",
        "?",
        "#",
        "\x00",
        ".php",
        ".txt",
        "1.2.3.4",
        "[::1]",
        "/",
        "@",
        ":",
        " ",
    ]
)
_TEXTS = st.lists(_FRAGMENTS | st.text(max_size=10), max_size=12).map("".join)


@given(_TEXTS)
def test_never_raises_and_the_route_never_hides_a_detection(text: str) -> None:
    found = detect_rfi(text)
    if found is not None:
        assert Attack.RFI in routed(text)
        assert len(found.evidence) <= EVIDENCE_LIMIT


@given(_TEXTS, _TEXTS)
def test_reads_a_bounded_prefix(text: str, name: str) -> None:
    padded = text + "x" * MAX_SCAN
    assert detect_rfi(padded) == detect_rfi(padded[:MAX_SCAN])
    detect_include_parameter(name * 50, padded)
