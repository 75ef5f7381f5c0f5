"""Path traversal and local file inclusion: does this value climb out of a directory?

Three signs, each on the decoded value: a ``..`` segment between path separators (also the
``....//`` filter bypass, Tomcat's ``..;/``, and the overlong-UTF-8 slash that decoding leaves as
``\\xc0\\xaf``); a well-known sensitive system file (``/etc/passwd``, ``win.ini``,
``WEB-INF/web.xml``, ``.git/config``...); and a file or PHP stream-wrapper URL (``file://``,
``php://filter``, ``phar://``). Dots inside names (``file..name.txt``, ``wait...``,
``version 1..2``) are not segments and stay clean.
"""

from __future__ import annotations

from vigil.signatures.detection import Attack, Detection, excerpt
from vigil.signatures.patterns import Pattern

MAX_SCAN = 16384
"""Characters of a value that are inspected (from the start)."""

_SEPARATOR = r"(?:[\\/]|\xc0[\xae\xaf]|\xc1[\x1c\x9c]|\xe0\x80\xaf)"
_DOT_SEGMENT = Pattern(r"(?:^|[\\/=:;,'\"\s]|\xc0\xaf)\.{2,}(?:;[^\\/]*)?" + _SEPARATOR
    + r"|" + _SEPARATOR + r"\.{2,}(?:;[^\\/]*)?(?:" + _SEPARATOR + r"|$)")  # fmt: skip
_SENSITIVE = Pattern(
    "(?i)"
    + r"(?:^|[\\/])(?:etc[\\/](?:passwd|shadow|group|hosts|issue|sudoers|crontab|master\.passwd)"
    r"|proc[\\/](?:self|\d+)[\\/](?:environ|cmdline|maps|fd|mem|cwd|root|exe)"
    r"|proc[\\/](?:version|cpuinfo|meminfo|mounts|net[\\/]\w+)"
    r"|(?:windows|winnt)[\\/](?:win\.ini|system\.ini|system32[\\/])"
    r"|boot\.ini|web-inf[\\/](?:web\.xml|classes[\\/])|meta-inf[\\/]manifest\.mf"
    r"|\.(?:git|svn|hg)[\\/](?:config|head|entries|index)\b"
    r"|\.(?:env|htaccess|htpasswd|bash_history|mysql_history|npmrc|pgpass|netrc)$"
    r"|\.(?:ssh|aws|kube|docker)[\\/]\w+"
    r"|var[\\/]run[\\/]secrets[\\/]kubernetes\.io"
    r"|id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?$)"
)
_WRAPPER = Pattern(
    "(?i)"
    + r"(?:^|[\s\"'=(])(?:file|php|phar|zip|zlib|compress\.zlib|compress\.bzip2|expect|glob|ogg|rar|"
    r"ssh2\.\w+|data)://"
)
ROUTE = (
    r"\.\.|://|(?:etc|proc)[\\/]|windows|winnt|boot\.ini|web-inf|meta-inf"
    r"|\.(?:git|svn|hg|ssh|aws|kube|docker)[\\/]|run[\\/]secrets"
    r"|\.(?:env|htaccess|htpasswd|bash_history|mysql_history|npmrc|pgpass|netrc)\b"
    r"|id_(?:rsa|dsa|ecdsa|ed25519)"
)
"""RE2 pattern (case-insensitive) that every value this detector can flag matches."""


def detect_traversal(text: str) -> Detection | None:
    """A :class:`Detection` when ``text`` climbs directories or names a sensitive file."""
    value = text[:MAX_SCAN]
    segment = _DOT_SEGMENT.search(value) if ".." in value else None
    if segment is not None:
        return Detection(Attack.TRAVERSAL, "'..' path segment", excerpt(value, segment.start()))
    sensitive = _SENSITIVE.search(value)
    if sensitive is not None:
        return Detection(
            Attack.TRAVERSAL, "sensitive system file", excerpt(value, sensitive.start())
        )
    wrapper = _WRAPPER.search(value) if "://" in value else None
    if wrapper is not None:
        return Detection(
            Attack.TRAVERSAL, "file or stream wrapper URL", excerpt(value, wrapper.start())
        )
    return None
