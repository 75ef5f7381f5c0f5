"""Uploads of server-side scripts: a web shell arriving as a file.

An application that stores uploads under its web root runs whatever arrives as ``shell.php``,
``x.phtml``, ``cmd.jsp`` or ``a.aspx`` when it is requested, so a multipart file whose name ends
in a server-side script extension (also hidden before a second extension or a NUL:
``shell.php.jpg``, ``shell.php%00.png``) is flagged. Only multipart file names are read
(:mod:`vigil.signatures.scan`): ``index.php`` in a link is ordinary text.
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

_SCRIPT_FILE = Pattern(
    "(?i)"
    + r"\.(?:php\d?|phtml|phar|pht|phps|inc|jsp|jspx|asp|aspx|ashx|asmx|cer|cgi|pl|py|sh|shtml)"
    r"(?:\.|\s|$|%00|\x00)"
)
"""Script extensions, at the end or before another extension, a space or a NUL."""


def detect_script_upload(filename: str) -> Detection | None:
    """A :class:`Detection` when an uploaded file's name is a server-side script."""
    found = _SCRIPT_FILE.search(filename[:1024])
    if found is None:
        return None
    return Detection(Attack.UPLOAD, "upload of a server-side script", excerpt(filename))
